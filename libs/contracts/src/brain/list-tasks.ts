import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';
import { TaskView } from '../common/task';

/** Subject: list tasks by batch or by a final failure status. {@link ListTasksRequest} → {@link TaskPage}. */
export const BRAIN_LIST_TASKS = 'apiary.brain.list-tasks';
/** Subject: re-drive a dead, failed, cancelled or timed-out task. {@link RetryTaskRequest} → `TaskView`; `TASK_NOT_RETRYABLE`. */
export const BRAIN_RETRY_TASK = 'apiary.brain.retry-task';

/** Statuses listable without a batch id (the dead-letter and failure lists). */
export const LISTABLE_STATUSES = ['dead', 'failed', 'cancelled', 'timed_out'] as const;

/**
 * `GET /tasks` query: the tasks of a batch (any status filter), or the tasks in a
 * final failure status (`status=dead` is the dead-letter list). Newest first,
 * keyset-paginated.
 */
export class ListTasksRequest {
  /** Batch id; when absent, `status` is required and must be one of {@link LISTABLE_STATUSES}. */
  @IsOptional() @IsUUID()
  batch_id?: string;

  @ValidateIf((o: ListTasksRequest) => o.batch_id === undefined)
  @IsIn(LISTABLE_STATUSES, { message: 'status must be one of dead, failed, cancelled, timed_out (or give batch_id)' })
  status?: string;

  /** Page size 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional() @Matches(/^[0-9TZ:.-]+\|[0-9a-f-]{36}$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/** A page of tasks. */
export interface TaskPage {
  tasks: TaskView[];
  next_cursor: string | null;
}

/** Request of {@link BRAIN_RETRY_TASK}. */
export class RetryTaskRequest {
  @IsUUID()
  task_id!: string;
}
