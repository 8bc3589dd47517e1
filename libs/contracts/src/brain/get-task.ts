import { IsDefined, IsUUID } from 'class-validator';

/** Subject: read one task. Request {@link GetTaskRequest}, reply `TaskView`; `TASK_NOT_FOUND` if absent. */
export const BRAIN_GET_TASK = 'apiary.brain.get-task';

/** Request of {@link BRAIN_GET_TASK}. */
export class GetTaskRequest {
  /** Task id (UUID). */
  @IsDefined()
  @IsUUID()
  task_id!: string;
}
