import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ApiaryError,
  BRAIN_GET_TASK,
  BRAIN_LIST_TASKS,
  BRAIN_PRIORITIZE,
  BRAIN_RETRY_TASK,
  ListTasksRequest,
  PrioritizeReply,
  PrioritizeRequest,
  RetryTaskRequest,
  TaskPage,
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
import { PRIORITY_POLICY, TASK_REPOSITORY } from '../tokens';
import type { PriorityPolicy } from '../priority/priority.service';
import { TaskIntakeService } from './task-intake.service';

/** NATS entry of task intake and reads (`apiary.brain.submit`, `.submit-batch`, `.get-task`). */
@Controller()
export class TasksHandler {
  constructor(
    private readonly intake: TaskIntakeService,
    @Inject(TASK_REPOSITORY) private readonly repo: TaskRepository,
    @Inject(PRIORITY_POLICY) private readonly priority: PriorityPolicy,
  ) {}

  /** @throws ApiaryError UNKNOWN_TASK_TYPE | INVALID_TASK_DATA | VALIDATION_FAILED */
  @MessagePattern(BRAIN_SUBMIT)
  submit(@Payload() req: SubmitTaskRequest): Promise<SubmitTaskReply> {
    return this.intake.submit(req.task, req.fairness_key ?? null);
  }

  /** @throws ApiaryError naming the first bad task's index */
  @MessagePattern(BRAIN_SUBMIT_BATCH)
  submitBatch(@Payload() req: SubmitBatchRequest): Promise<SubmitBatchReply> {
    return this.intake.submitBatch(req.tasks, req.fairness_key ?? null, req.max_cost_usd);
  }

  /** @throws ApiaryError TASK_NOT_FOUND */
  @MessagePattern(BRAIN_GET_TASK)
  async getTask(@Payload() req: GetTaskRequest): Promise<TaskView> {
    const view = await this.repo.findView(req.task_id);
    if (!view) throw new ApiaryError('TASK_NOT_FOUND', `task ${req.task_id} not found`, { task_id: req.task_id });
    return view;
  }

  /** Tasks of a batch, or the dead-letter / failure lists, newest first. */
  @MessagePattern(BRAIN_LIST_TASKS)
  async list(@Payload() req: ListTasksRequest): Promise<TaskPage> {
    const { tasks, next } = await this.repo.listTasks({ batchId: req.batch_id, status: req.status }, req.limit ?? 100, req.cursor);
    return { tasks, next_cursor: next };
  }

  /**
   * Re-drives a dead, failed, cancelled or timed-out task (`APIARY_MAX_ATTEMPTS` more attempts).
   * @throws ApiaryError TASK_NOT_FOUND | TASK_NOT_RETRYABLE (409, names its status)
   */
  @MessagePattern(BRAIN_RETRY_TASK)
  retry(@Payload() req: RetryTaskRequest): Promise<TaskView> {
    return this.intake.redrive(req.task_id);
  }

  /** Scores and orders tasks without running them (seed 002 "Task Prioritization"). */
  @MessagePattern(BRAIN_PRIORITIZE)
  prioritize(@Payload() req: PrioritizeRequest): PrioritizeReply {
    return { tasks: this.priority.prioritize(req.tasks) };
  }
}
