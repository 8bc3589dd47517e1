import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsNumber,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel, TaskView } from '../common/task';

/** Subject: submit one task. Request {@link SubmitTaskRequest}, reply {@link SubmitTaskReply}. */
export const BRAIN_SUBMIT = 'apiary.brain.submit';
/** Subject: submit up to {@link MAX_BATCH_TASKS} tasks at once, all or nothing. */
export const BRAIN_SUBMIT_BATCH = 'apiary.brain.submit-batch';

/** Largest batch accepted by `POST /tasks/batch` and {@link BRAIN_SUBMIT_BATCH}. */
export const MAX_BATCH_TASKS = 10_000;

/**
 * One task as a client submits it (`POST /tasks`, DESIGN.md "Task lifecycle").
 * `type` must be a built-in handler or a registered capability.
 */
export class TaskInput {
  /** Task type = capability, e.g. `text.sentiment`. 1..128 chars of `[A-Za-z0-9_.:-]`. */
  @IsDefined()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type!: string;

  /** Handler input (a JSON object); validated per type by the brain. */
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  /** Priority level (default `normal`). */
  @IsOptional()
  @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;

  /** Client key making the submit idempotent for 24 h (1..200 chars). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^.+$/s, { message: 'idempotency_key must not be empty' })
  idempotency_key?: string;

  /**
   * Memory context the handler receives (seed 002 "Context": `POST /memory/contexts`);
   * 1..128 chars. Read when the task runs; a context missing then fails the task with
   * `CONTEXT_NOT_FOUND`.
   */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'context_id must match [A-Za-z0-9_.:-]+' })
  context_id?: string;

  /**
   * `false` keeps this task out of the result cache (it neither reads nor writes an
   * entry) when its type's routing policy sets `cache_ttl_s` (docs/ai-work.md "Result cache").
   */
  @IsOptional()
  @IsBoolean()
  cache?: boolean;
}

/** Largest budget of a batch, swarm or workflow run, USD. */
export const MAX_BUDGET_USD = 1_000_000;

/** Request of {@link BRAIN_SUBMIT}: a task plus who submitted it. */
export class SubmitTaskRequest {
  @IsDefined()
  @ValidateNested()
  @Type(() => TaskInput)
  task!: TaskInput;

  /** Fairness key (the API key's id); tasks of one key cannot starve the others. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  fairness_key?: string;
}

/** Reply of {@link BRAIN_SUBMIT}: the task, and whether this call created it. */
export interface SubmitTaskReply {
  task: TaskView;
  /** false when an earlier submit with the same idempotency key is returned. */
  created: boolean;
}

/** Request of {@link BRAIN_SUBMIT_BATCH}. */
export class SubmitBatchRequest {
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_TASKS)
  @ValidateNested({ each: true })
  @Type(() => TaskInput)
  tasks!: TaskInput[];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  fairness_key?: string;

  /**
   * Budget of the batch, USD (docs/ai-work.md "Budgets"): once its tasks have spent
   * it, those not started end `cancelled` with `BUDGET_EXCEEDED`.
   */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(MAX_BUDGET_USD)
  max_cost_usd?: number;
}

/** Reply of {@link BRAIN_SUBMIT_BATCH}: task ids in submit order. */
export interface SubmitBatchReply {
  batch_id: string;
  task_ids: string[];
}
