import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ApiaryError,
  BRAIN_GET_TASK,
  BRAIN_SUBMIT,
  BRAIN_SUBMIT_BATCH,
  GetTaskRequest,
  SubmitBatchReply,
  SubmitBatchRequest,
  SubmitTaskReply,
  SubmitTaskRequest,
  TaskView,
} from '@apiary/contracts';
import type { TaskRepository } from '@apiary/persistence';
import { TASK_REPOSITORY } from '../tokens';
import { TaskIntakeService } from './task-intake.service';

/** NATS entry of task intake and reads (`apiary.brain.submit`, `.submit-batch`, `.get-task`). */
@Controller()
export class TasksHandler {
  constructor(
    private readonly intake: TaskIntakeService,
    @Inject(TASK_REPOSITORY) private readonly repo: TaskRepository,
  ) {}

  /** @throws ApiaryError UNKNOWN_TASK_TYPE | INVALID_TASK_DATA | VALIDATION_FAILED */
  @MessagePattern(BRAIN_SUBMIT)
  submit(@Payload() req: SubmitTaskRequest): Promise<SubmitTaskReply> {
    return this.intake.submit(req.task, req.fairness_key ?? null);
  }

  /** @throws ApiaryError naming the first bad task's index */
  @MessagePattern(BRAIN_SUBMIT_BATCH)
  submitBatch(@Payload() req: SubmitBatchRequest): Promise<SubmitBatchReply> {
    return this.intake.submitBatch(req.tasks, req.fairness_key ?? null);
  }

  /** @throws ApiaryError TASK_NOT_FOUND */
  @MessagePattern(BRAIN_GET_TASK)
  async getTask(@Payload() req: GetTaskRequest): Promise<TaskView> {
    const view = await this.repo.findView(req.task_id);
    if (!view) throw new ApiaryError('TASK_NOT_FOUND', `task ${req.task_id} not found`, { task_id: req.task_id });
    return view;
  }
}
