import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel } from '../common/task';
import { WORKFLOW_NAME_PATTERN, WorkflowRunInput } from './workflows';

/**
 * Cron schedules (issue 6; seed 004 `schedule_workflow(cron_expression, ...)`): a
 * schedule starts a workflow run or submits a task at each occurrence of its cron
 * expression (5 fields, or 6 with seconds first; croner syntax) in its time zone.
 * Each occurrence fires exactly once across brain replicas. An occurrence missed
 * while no brain ran (later than `APIARY_SCHEDULE_MISFIRE_MS`) is run once on start
 * when `catch_up` is true, and skipped otherwise.
 */

/** Subject: create a schedule. {@link CreateScheduleRequest} → {@link ScheduleView}; `INVALID_SCHEDULE`, `SCHEDULE_EXISTS`. */
export const BRAIN_SCHEDULES_CREATE = 'apiary.brain.schedules.create';
/** Subject: every schedule. `{}` → {@link ScheduleList}. */
export const BRAIN_SCHEDULES_LIST = 'apiary.brain.schedules.list';
/** Subject: one schedule. {@link ScheduleIdRequest} → {@link ScheduleView}; `SCHEDULE_NOT_FOUND`. */
export const BRAIN_SCHEDULES_GET = 'apiary.brain.schedules.get';
/** Subject: delete a schedule (its run history too). {@link ScheduleIdRequest} → {@link ScheduleView}. */
export const BRAIN_SCHEDULES_DELETE = 'apiary.brain.schedules.delete';
/** Subject: pause a schedule (occurrences while paused are skipped). {@link ScheduleIdRequest} → {@link ScheduleView}. */
export const BRAIN_SCHEDULES_PAUSE = 'apiary.brain.schedules.pause';
/** Subject: resume a schedule from its next occurrence after now. {@link ScheduleIdRequest} → {@link ScheduleView}. */
export const BRAIN_SCHEDULES_RESUME = 'apiary.brain.schedules.resume';
/** Subject: a schedule's runs, newest first. {@link ListScheduleRunsRequest} → {@link ScheduleRunPage}. */
export const BRAIN_SCHEDULES_RUNS = 'apiary.brain.schedules.runs';

/** A task a schedule submits (like `POST /tasks`, without an idempotency key). */
export class ScheduledTaskInput {
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type!: string;

  @IsOptional() @IsObject()
  data?: Record<string, unknown>;

  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;

  @IsOptional() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'context_id must match [A-Za-z0-9_.:-]+' })
  context_id?: string;
}

/** Request of {@link BRAIN_SCHEDULES_CREATE}: exactly one of `workflow` and `task`. */
export class CreateScheduleRequest {
  /** Unique name, 1..128 chars of `[A-Za-z0-9_.:-]`. */
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'name must match [A-Za-z0-9_.:-]+' })
  name!: string;

  /** Cron expression: 5 fields, or 6 with seconds first (e.g. `* * * * * *` every second). */
  @IsDefined() @IsString() @MaxLength(200)
  cron!: string;

  /** IANA time zone of the expression (default `UTC`), e.g. `Europe/Berlin`. */
  @IsOptional() @IsString() @MaxLength(64)
  timezone?: string;

  /** The workflow started at each occurrence (inline, or `{ definition, parameters }`). */
  @ValidateIf((o: CreateScheduleRequest) => o.task === undefined)
  @IsDefined({ message: 'give workflow or task' })
  @ValidateNested() @Type(() => WorkflowRunInput)
  workflow?: WorkflowRunInput;

  /** The task submitted at each occurrence. */
  @IsOptional() @ValidateNested() @Type(() => ScheduledTaskInput)
  task?: ScheduledTaskInput;

  /** Run a missed occurrence once on start (true) or skip it (false, the default). */
  @IsOptional() @IsBoolean()
  catch_up?: boolean;

  /** Fairness key of what it submits (the gateway sets the API key's). */
  @IsOptional() @IsString() @MaxLength(200)
  fairness_key?: string;
}

/** Request naming one schedule. */
export class ScheduleIdRequest {
  @IsDefined() @IsUUID()
  schedule_id!: string;
}

/** Request of {@link BRAIN_SCHEDULES_RUNS}. */
export class ListScheduleRunsRequest {
  @IsDefined() @IsUUID()
  schedule_id!: string;

  /** Page size 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional() @Matches(/^[0-9TZ:.-]+$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/** A schedule. Times ISO-8601. */
export interface ScheduleView {
  schedule_id: string;
  name: string;
  cron: string;
  timezone: string;
  status: 'active' | 'paused';
  catch_up: boolean;
  /** What it starts: `{ workflow }` or `{ task }`. */
  workflow: WorkflowRunInput | null;
  task: ScheduledTaskInput | null;
  /** Next occurrence to fire (null while paused or when the expression has none left). */
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
}

/** Reply of {@link BRAIN_SCHEDULES_LIST}. */
export interface ScheduleList {
  schedules: ScheduleView[];
}

/**
 * One occurrence handled: `fired` (a workflow run or task was created),
 * `skipped` (missed while no brain ran and `catch_up` is false; `missed` counts
 * the occurrences skipped), or `error` (what it starts could not be created).
 */
export interface ScheduleRunView {
  schedule_id: string;
  /** The occurrence (cron time), ISO-8601. */
  occurrence: string;
  status: 'fired' | 'skipped' | 'error';
  fired_at: string;
  workflow_id: string | null;
  task_id: string | null;
  /** Occurrences this record stands for (> 1 for a caught-up or skipped gap). */
  missed: number;
  error: { code: string; message: string } | null;
}

/** A page of runs. */
export interface ScheduleRunPage {
  runs: ScheduleRunView[];
  next_cursor: string | null;
}
