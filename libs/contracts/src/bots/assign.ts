import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel } from '../common/task';
import { MAX_BUDGET_USD } from '../brain/submit';

/** Subject: assign a task to one bot. {@link AssignBotTaskRequest} → {@link BotTaskAssignment}. */
export const BRAIN_BOTS_ASSIGN = 'apiary.brain.bots.assign';
/** Subject: mass-assign to a swarm (fan-out). {@link AssignSwarmTaskRequest} → {@link SwarmAssignment}. */
export const BRAIN_SWARMS_ASSIGN = 'apiary.brain.swarms.assign';
/** Subject: progress and fan-in result of a swarm batch. {@link SwarmBatchRequest} → {@link SwarmBatchView}. */
export const BRAIN_SWARMS_BATCH = 'apiary.brain.swarms.batch';
/** Subject: an external bot leases its next task. {@link LeaseNextRequest} → {@link LeasedTask} or null. */
export const BRAIN_BOTS_NEXT = 'apiary.brain.bots.next';
/** Subject: an external bot completes a task it leased. {@link CompleteBotTaskRequest} → `TaskView`. */
export const BRAIN_BOTS_COMPLETE = 'apiary.brain.bots.complete';

/** Task part of a bot or swarm assignment (seed 001 "Assign Task to Bot"). */
export class BotTaskInput {
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type!: string;

  @IsOptional() @IsObject()
  data?: Record<string, unknown>;

  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;
}

/**
 * Task part of a swarm mass-action: a {@link BotTaskInput} and the budget of the
 * batch it creates (docs/ai-work.md "Budgets").
 */
export class SwarmTaskInput extends BotTaskInput {
  /** Budget of the batch, USD: once spent, its tasks not started end `cancelled` (`BUDGET_EXCEEDED`). */
  @IsOptional() @IsNumber() @Min(0) @Max(MAX_BUDGET_USD)
  max_cost_usd?: number;
}

/** {@link BRAIN_BOTS_ASSIGN} request. */
export class AssignBotTaskRequest {
  @IsDefined() @IsUUID()
  bot_id!: string;

  @IsDefined() @ValidateNested() @Type(() => BotTaskInput)
  task!: BotTaskInput;

  @IsOptional() @IsString() @MaxLength(200)
  fairness_key?: string;
}

/** Reply of {@link BRAIN_BOTS_ASSIGN} (seed 001 shape). */
export interface BotTaskAssignment {
  task_id: string;
  bot_id: string;
  task_type: string;
  status: 'assigned';
  assigned_at: string;
}

/** {@link BRAIN_SWARMS_ASSIGN} request. */
export class AssignSwarmTaskRequest {
  @IsDefined() @IsUUID()
  swarm_id!: string;

  /**
   * `data.items` (array) with `data.chunk_size` splits into chunks; `data.dataset`
   * (or `input_file`) with `data.chunk_size` splits the dataset's rows into
   * `row_range` chunks; otherwise one task per bot.
   */
  @IsDefined() @ValidateNested() @Type(() => SwarmTaskInput)
  task!: SwarmTaskInput;

  /** Id of the API key that submitted it (costs by `api_key`; the gateway sets it). */
  @IsOptional() @IsString() @MaxLength(200)
  api_key?: string;
}

/** Reply of {@link BRAIN_SWARMS_ASSIGN} (seed 001 "Assign Task to Swarm"). */
export interface SwarmAssignment {
  swarm_id: string;
  task_type: string;
  /** Tasks created. */
  assignments: number;
  batch_id: string;
  status: 'distributed';
  timestamp: string;
}

/** {@link BRAIN_SWARMS_BATCH} request. */
export class SwarmBatchRequest {
  @IsDefined() @IsUUID()
  swarm_id!: string;

  @IsDefined() @IsUUID()
  batch_id!: string;
}

/** Progress and, when done, the fan-in result of a swarm batch. */
export interface SwarmBatchView {
  swarm_id: string;
  batch_id: string;
  task_type: string;
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  queued: number;
  /** `done` when no task is pending any more. */
  status: 'running' | 'done';
  /** The handler's reducer applied to every succeeded task's result (when done). */
  result: unknown;
}

/** {@link BRAIN_BOTS_NEXT} request. */
export class LeaseNextRequest {
  @IsDefined() @IsUUID()
  bot_id!: string;

  /** Lease length in ms (default `APIARY_EXTERNAL_LEASE_MS`), 1 s..1 h. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(3_600_000)
  lease_ms?: number;
}

/** A task leased by an external bot. */
export interface LeasedTask {
  task_id: string;
  bot_id: string;
  type: string;
  data: Record<string, unknown>;
  attempt: number;
  /** Complete before this time (ISO-8601) or the task goes back to the queue. */
  lease_expires_at: string;
}

/** Error reported by an external bot. */
export class ExternalTaskError {
  @IsDefined() @IsString() @MaxLength(200)
  code!: string;

  @IsDefined() @IsString() @MaxLength(10_000)
  message!: string;

  /** Whether another attempt may succeed (default false). */
  @IsOptional()
  retryable?: boolean;
}

/** {@link BRAIN_BOTS_COMPLETE} request: `result` on success, `error` on failure. */
export class CompleteBotTaskRequest {
  @IsDefined() @IsUUID()
  bot_id!: string;

  @IsDefined() @IsUUID()
  task_id!: string;

  @IsOptional()
  result?: unknown;

  @IsOptional() @ValidateNested() @Type(() => ExternalTaskError)
  error?: ExternalTaskError;
}

