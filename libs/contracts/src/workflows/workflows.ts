import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel, TaskErrorInfo } from '../common/task';
import { MAX_BUDGET_USD } from '../brain/submit';

/*
 * Workflows (issue 6; seed 000 `_execute_cross_bot_workflow`): a DAG of steps run as
 * ordinary tasks by the orchestrator brain. Subjects, request DTOs and reply shapes.
 */

/** Subject: start a workflow run. {@link StartWorkflowRequest} → {@link WorkflowView}. */
export const BRAIN_WORKFLOWS_START = 'apiary.brain.workflows.start';
/** Subject: one workflow run. {@link WorkflowIdRequest} → {@link WorkflowView}; `WORKFLOW_NOT_FOUND`. */
export const BRAIN_WORKFLOWS_GET = 'apiary.brain.workflows.get';
/** Subject: list workflow runs, newest first. {@link ListWorkflowsRequest} → {@link WorkflowPage}. */
export const BRAIN_WORKFLOWS_LIST = 'apiary.brain.workflows.list';
/** Subject: cancel a workflow run. {@link WorkflowIdRequest} → {@link WorkflowView}; `WORKFLOW_NOT_FOUND`. */
export const BRAIN_WORKFLOWS_CANCEL = 'apiary.brain.workflows.cancel';

/** Most steps in one workflow. */
export const MAX_WORKFLOW_STEPS = 200;
/** Pattern of step ids and workflow names. */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/** Run states: `running` until every step succeeded (`succeeded`), one failed for good (`failed`) or it was cancelled. */
export const WORKFLOW_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
/** One of {@link WORKFLOW_STATUSES}. */
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/**
 * Step states. `pending` (dependencies not done) → `running` (its task or swarm
 * batch is queued or running) → `succeeded`; a failed attempt goes to `retrying`
 * (a `retry` recovery waiting `delay_ms`) or `recovering` (the recovery task runs);
 * `failed` when it failed for good; `skipped` when the run ended before it started;
 * `cancelled` when the run was cancelled (or failed) while it ran.
 */
export const WORKFLOW_STEP_STATUSES = ['pending', 'running', 'retrying', 'recovering', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
/** One of {@link WORKFLOW_STEP_STATUSES}. */
export type WorkflowStepStatus = (typeof WORKFLOW_STEP_STATUSES)[number];

/** Validates a step id or a non-empty array of step ids (`use_previous_results`). */
function IsStepRefs(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStepRefs',
      validator: {
        validate: (v: unknown) => {
          const ids = Array.isArray(v) ? v : [v];
          return ids.length >= 1 && ids.length <= MAX_WORKFLOW_STEPS && ids.every((id) => typeof id === 'string' && id.length <= 64 && WORKFLOW_NAME_PATTERN.test(id));
        },
        defaultMessage: () => '$property must be a step id or an array of step ids',
      },
    },
    options,
  );
}

/** `recovery.retry`: re-run the failed step's task. */
export class WorkflowRetryPolicy {
  /** Further runs of the step after the first failed one, 1..10 (default 1). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10)
  max_attempts?: number;

  /** Wait before each re-run, ms, 0..3,600,000 (default 0). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3_600_000)
  delay_ms?: number;
}

/**
 * Recovery of a failed step (seed 000 `_execute_recovery_procedure`): either a
 * recovery task `{ type, parameters }` whose success stands in for the step (its
 * result becomes the step's result), or `{ retry: { max_attempts, delay_ms } }`
 * re-running the step. Exactly one of `type` and `retry`.
 */
export class WorkflowRecovery {
  /** Task type of the recovery task (built-in handler or registered capability). */
  @ValidateIf((o: WorkflowRecovery) => o.retry === undefined)
  @IsDefined({ message: 'recovery needs a type or retry' })
  @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type?: string;

  /** Data of the recovery task; it also receives `recovery_of: { step_id, error }`. */
  @IsOptional() @IsObject()
  parameters?: Record<string, unknown>;

  @ValidateIf((o: WorkflowRecovery) => o.type === undefined || o.retry !== undefined)
  @IsDefined({ message: 'recovery needs a type or retry' })
  @ValidateNested() @Type(() => WorkflowRetryPolicy)
  retry?: WorkflowRetryPolicy;
}

/** One step of a workflow (seed 000 `workflow_spec['steps']`, as a DAG). */
export class WorkflowStepInput {
  /** Step id, unique in the workflow: 1..64 chars of `[A-Za-z0-9_.:-]`. */
  @IsDefined() @IsString() @MaxLength(64)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'id must match [A-Za-z0-9_.:-]+' })
  id!: string;

  /** Task type: a built-in handler or a registered capability (or give `capability`). */
  @ValidateIf((o: WorkflowStepInput) => o.capability === undefined)
  @IsDefined({ message: 'type (or capability) is required' })
  @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type?: string;

  /** Same as `type` (seed 001 wording); give one of the two. */
  @IsOptional() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'capability must match [A-Za-z0-9_.:-]+' })
  capability?: string;

  /** Run the step's task on this bot (it must have the capability). */
  @IsOptional() @IsUUID()
  bot_id?: string;

  /** Fan the step out over this swarm's bots; the step's result is the batch's fan-in. */
  @IsOptional() @IsUUID()
  swarm_id?: string;

  /** The task's data (merged with the run's parameters and previous results, see `use_previous_results`). */
  @IsOptional() @IsObject()
  parameters?: Record<string, unknown>;

  /** Steps that must succeed before this one starts. */
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_WORKFLOW_STEPS)
  @IsString({ each: true }) @MaxLength(64, { each: true })
  depends_on?: string[];

  /**
   * Step id(s) whose results are merged into this step's parameters when it starts
   * (seed 000 `parameters.update(results[...])`, in the order given); implies a
   * dependency. A result that is not a JSON object is merged as `{ <step id>: result }`.
   */
  @IsOptional() @IsStepRefs()
  use_previous_results?: string | string[];

  /** What to do when the step fails; without it the run fails. */
  @IsOptional() @ValidateNested() @Type(() => WorkflowRecovery)
  recovery?: WorkflowRecovery;

  /** Longest the step may take per run, ms (1..86,400,000); then it fails with `STEP_TIMEOUT`. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400_000)
  timeout_ms?: number;
}

/**
 * A workflow (`POST /workflows` inline, `POST /workflow-definitions`): named steps
 * forming a DAG. Validated at submit: duplicate or unknown step ids, cycles and
 * unknown types are refused with 422 `INVALID_WORKFLOW` / `UNKNOWN_TASK_TYPE`
 * naming the step (e.g. `steps.2.type`).
 */
export class WorkflowSpecInput {
  /** 1..128 chars of `[A-Za-z0-9_.:-]`. */
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'name must match [A-Za-z0-9_.:-]+' })
  name!: string;

  /** 1..200 steps. */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_WORKFLOW_STEPS)
  @ValidateNested({ each: true }) @Type(() => WorkflowStepInput)
  steps!: WorkflowStepInput[];

  /** Priority of every step's task (default `normal`). */
  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;

  /** Memory context handed to every step's task. */
  @IsOptional() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'context_id must match [A-Za-z0-9_.:-]+' })
  context_id?: string;
}

/**
 * `POST /workflows`: either an inline workflow (`name`, `steps`, ...) or a saved
 * definition (`definition`, optional `version`, default the latest). `parameters`
 * (a JSON object) is shallow-merged into every step's parameters, overriding the
 * definition's values; results named by `use_previous_results` are merged last.
 */
export class WorkflowRunInput {
  @IsOptional() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'name must match [A-Za-z0-9_.:-]+' })
  name?: string;

  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_WORKFLOW_STEPS)
  @ValidateNested({ each: true }) @Type(() => WorkflowStepInput)
  steps?: WorkflowStepInput[];

  /** Name of a saved definition (`POST /workflow-definitions`); instead of `name` and `steps`. */
  @IsOptional() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'definition must match [A-Za-z0-9_.:-]+' })
  definition?: string;

  /** Version of the definition (default: the latest). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  version?: number;

  /** Shallow-merged into every step's parameters (run parameters win over the definition's). */
  @IsOptional() @IsObject()
  parameters?: Record<string, unknown>;

  /** Overrides the workflow's priority. */
  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;

  /** Overrides the workflow's memory context. */
  @IsOptional() @IsString() @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'context_id must match [A-Za-z0-9_.:-]+' })
  context_id?: string;

  /**
   * Budget of the run, USD (docs/ai-work.md "Budgets"): once its step tasks have
   * spent it, those not started end `cancelled` with `BUDGET_EXCEEDED`.
   */
  @IsOptional() @IsNumber() @Min(0) @Max(MAX_BUDGET_USD)
  max_cost_usd?: number;
}

/** Request of {@link BRAIN_WORKFLOWS_START}: a {@link WorkflowRunInput} and who submits it. */
export class StartWorkflowRequest extends WorkflowRunInput {
  /** Fairness key of the step tasks (the gateway sets the API key's). */
  @IsOptional() @IsString() @MaxLength(200)
  fairness_key?: string;
}

/** Request naming one run. */
export class WorkflowIdRequest {
  @IsDefined() @IsUUID()
  workflow_id!: string;
}

/** `GET /workflows?status=&name=&limit=&cursor=`: runs newest first. */
export class ListWorkflowsRequest {
  @IsOptional() @IsIn(WORKFLOW_STATUSES)
  status?: WorkflowStatus;

  @IsOptional() @IsString() @MaxLength(128)
  name?: string;

  /** Page size 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional() @Matches(/^[0-9TZ:.-]+\|[0-9a-f-]{36}$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/** One step of a run. Times ISO-8601. */
export interface WorkflowStepView {
  id: string;
  type: string;
  status: WorkflowStepStatus;
  depends_on: string[];
  bot_id: string | null;
  swarm_id: string | null;
  /** Runs of the step's task so far (retries included, the recovery task not). */
  attempts: number;
  /** The step's current (or last) task: the step's own or its recovery task. */
  task_id: string | null;
  /** The swarm fan-out batch of a `swarm_id` step. */
  batch_id: string | null;
  /** Parameters the task received (after merging), once started. */
  parameters: Record<string, unknown> | null;
  result: unknown;
  error: TaskErrorInfo | null;
  /** The result came from the recovery task. */
  recovered: boolean;
  started_at: string | null;
  finished_at: string | null;
  /** finished_at − started_at, ms (null until finished). */
  duration_ms: number | null;
}

/**
 * A workflow run (seed 000 `_execute_cross_bot_workflow` reply, extended): status,
 * per-step status, result and timings; `results` by step id; when `failed`,
 * `failed_step`, `error` and `partial_results` (the results of the steps that
 * succeeded). `execution_time` is in seconds (until now while running).
 */
export interface WorkflowView {
  workflow_id: string;
  name: string;
  /** The saved definition it was started from, if any. */
  definition: { name: string; version: number } | null;
  schedule_id: string | null;
  status: WorkflowStatus;
  priority: PriorityLevel;
  context_id: string | null;
  parameters: Record<string, unknown>;
  steps: WorkflowStepView[];
  /** Step id → result of each succeeded step. */
  results: Record<string, unknown>;
  failed_step: string | null;
  error: TaskErrorInfo | null;
  /** When failed: the results of the steps that succeeded. */
  partial_results: Record<string, unknown> | null;
  created_at: string;
  finished_at: string | null;
  /** Seconds from start to finish (or to now while running). */
  execution_time: number;
}

/** Short form of a run in lists. */
export interface WorkflowSummary {
  workflow_id: string;
  name: string;
  status: WorkflowStatus;
  failed_step: string | null;
  created_at: string;
  finished_at: string | null;
  execution_time: number;
}

/** A page of runs. */
export interface WorkflowPage {
  workflows: WorkflowSummary[];
  next_cursor: string | null;
}
