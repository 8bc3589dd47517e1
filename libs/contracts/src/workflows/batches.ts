import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { TaskErrorInfo, TaskStatus } from '../common/task';

/**
 * Waiting for a batch (issue 6; seed 003 `wait_for_batch_completion`): `GET
 * /batches/{id}?wait_s=` holds the request until every task of the batch
 * (`POST /tasks/batch` or a swarm fan-out) is finished or `wait_s` passes.
 */

/** Subject: progress of a batch, optionally waiting for it. {@link GetBatchRequest} → {@link BatchCompletionView}; `BATCH_NOT_FOUND`. */
export const BRAIN_BATCHES_GET = 'apiary.brain.batches.get';

/** Longest wait of one request, seconds. */
export const MAX_BATCH_WAIT_S = 60;

/** Request of {@link BRAIN_BATCHES_GET}. */
export class GetBatchRequest {
  @IsDefined() @IsUUID()
  batch_id!: string;

  /** Seconds to wait for completion, 0..60 (default 0: answer at once). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_BATCH_WAIT_S)
  wait_s?: number;

  /** Results per page, 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** `next_cursor` of the previous page (a task id). */
  @IsOptional() @IsUUID()
  cursor?: string;
}

/** A finished task of a batch. */
export interface BatchTaskResult {
  status: TaskStatus;
  result: unknown;
  error: TaskErrorInfo | null;
  finished_at: string | null;
}

/**
 * Seed 003 `wait_for_batch_completion` reply: `completed_tasks` counts finished
 * tasks (succeeded or failed for good), `completion_rate` = completed / total,
 * `results` maps task id → outcome of finished tasks (one page, task id order;
 * `next_cursor` fetches the next), `timeout_exceeded` is true when the batch was
 * not complete when the reply was made.
 */
export interface BatchCompletionView {
  batch_id: string;
  completed_tasks: number;
  total_tasks: number;
  completion_rate: number;
  succeeded_tasks: number;
  failed_tasks: number;
  results: Record<string, BatchTaskResult>;
  next_cursor: string | null;
  timeout_exceeded: boolean;
  /** Seconds the request waited. */
  waited_s: number;
}
