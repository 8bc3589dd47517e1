import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  BatchCompletionView,
  BatchTaskResult,
  PriorityLevel,
  ScheduledTaskInput,
  ScheduleList,
  ScheduleRunPage,
  ScheduleRunView,
  ScheduleView,
  TaskStatus,
  WorkflowDefinitionList,
  WorkflowDefinitionView,
  WorkflowPage,
  WorkflowRunInput,
  WorkflowStatus,
  WorkflowStepInput,
  WorkflowStepStatus,
  WorkflowStepView,
  WorkflowSummary,
  WorkflowView,
} from '@apiary/contracts';
import { ANY_JSON_VALUE, TaskErrorInfoDto } from '../openapi/responses.dto';

/*
 * OpenAPI shapes of the workflow, batch and schedule replies (issue 6), in the
 * style of openapi/responses.dto.ts: each class `implements` the contract interface.
 */

const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;

/** The definition a run was started from. */
@ApiSchema({ name: 'WorkflowDefinitionRef' })
export class WorkflowDefinitionRefDto {
  name!: string;
  version!: number;
}

/** One step of a run. Times ISO-8601. */
@ApiSchema({ name: 'WorkflowStep' })
export class WorkflowStepViewDto implements WorkflowStepView {
  id!: string;
  type!: string;
  /** pending → running → succeeded; retrying / recovering after a failure; failed, skipped, cancelled. */
  status!: WorkflowStepStatus;
  depends_on!: string[];
  bot_id!: string | null;
  swarm_id!: string | null;
  /** Runs of the step's task so far (retries included). */
  attempts!: number;
  /** The step's current or last task (its own or its recovery task). */
  task_id!: string | null;
  /** Fan-out batch of a swarm step. */
  batch_id!: string | null;
  /** Parameters the task received, after merging (null until started). */
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'Parameters the task received, after merging (null until started).' })
  parameters!: Record<string, unknown> | null;
  @ApiProperty({ ...ANY_JSON_VALUE, nullable: true, description: 'The step result (any JSON) once succeeded; a swarm step has the fan-in.' })
  result!: unknown;
  error!: TaskErrorInfoDto | null;
  /** The result came from the recovery task. */
  recovered!: boolean;
  started_at!: string | null;
  finished_at!: string | null;
  /** finished_at − started_at, ms. */
  duration_ms!: number | null;
}

/** A workflow run (seed 000 `_execute_cross_bot_workflow`, extended). */
@ApiSchema({ name: 'Workflow' })
export class WorkflowViewDto implements WorkflowView {
  workflow_id!: string;
  name!: string;
  definition!: WorkflowDefinitionRefDto | null;
  /** The schedule that started it, if any. */
  schedule_id!: string | null;
  status!: WorkflowStatus;
  priority!: PriorityLevel;
  context_id!: string | null;
  @ApiProperty({ ...JSON_OBJECT, description: 'Run parameters, merged into every step.' })
  parameters!: Record<string, unknown>;
  steps!: WorkflowStepViewDto[];
  @ApiProperty({ ...JSON_OBJECT, description: 'Step id → result of each succeeded step.' })
  results!: Record<string, unknown>;
  /** The step that failed the run. */
  failed_step!: string | null;
  error!: TaskErrorInfoDto | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'When failed: step id → result of the steps that succeeded.' })
  partial_results!: Record<string, unknown> | null;
  created_at!: string;
  finished_at!: string | null;
  /** Seconds from start to finish (to now while running). */
  execution_time!: number;
}

/** A run in a list. */
@ApiSchema({ name: 'WorkflowSummary' })
export class WorkflowSummaryDto implements WorkflowSummary {
  workflow_id!: string;
  name!: string;
  status!: WorkflowStatus;
  failed_step!: string | null;
  created_at!: string;
  finished_at!: string | null;
  /** Seconds. */
  execution_time!: number;
}

/** `GET /workflows`. */
@ApiSchema({ name: 'WorkflowPage' })
export class WorkflowPageDto implements WorkflowPage {
  workflows!: WorkflowSummaryDto[];
  next_cursor!: string | null;
}

/** A saved workflow definition. */
@ApiSchema({ name: 'WorkflowDefinition' })
export class WorkflowDefinitionViewDto implements WorkflowDefinitionView {
  name!: string;
  /** 1, 2, ... per name. */
  version!: number;
  description!: string | null;
  priority!: PriorityLevel;
  context_id!: string | null;
  steps!: WorkflowStepInput[];
  created_at!: string;
}

/** `GET /workflow-definitions`: the latest version of each. */
@ApiSchema({ name: 'WorkflowDefinitionList' })
export class WorkflowDefinitionListDto implements WorkflowDefinitionList {
  definitions!: WorkflowDefinitionViewDto[];
}

/** A finished task of a batch. */
@ApiSchema({ name: 'BatchTaskResult' })
export class BatchTaskResultDto implements BatchTaskResult {
  status!: TaskStatus;
  @ApiProperty({ ...ANY_JSON_VALUE, nullable: true, description: "The handler's result when succeeded." })
  result!: unknown;
  error!: TaskErrorInfoDto | null;
  finished_at!: string | null;
}

/** Seed 003 `wait_for_batch_completion`. */
@ApiSchema({ name: 'BatchCompletion' })
export class BatchCompletionViewDto implements BatchCompletionView {
  batch_id!: string;
  /** Finished tasks (succeeded or failed for good). */
  completed_tasks!: number;
  total_tasks!: number;
  /** completed / total. */
  completion_rate!: number;
  succeeded_tasks!: number;
  failed_tasks!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/BatchTaskResult' },
    description: 'Task id → outcome of the finished tasks of this page (task id order).',
  })
  results!: Record<string, BatchTaskResultDto>;
  /** Cursor of the next page of results. */
  next_cursor!: string | null;
  /** The batch was not complete when the reply was made. */
  timeout_exceeded!: boolean;
  /** Seconds the request waited. */
  waited_s!: number;
}

/** A cron schedule. */
@ApiSchema({ name: 'Schedule' })
export class ScheduleViewDto implements ScheduleView {
  schedule_id!: string;
  name!: string;
  /** 5 fields, or 6 with seconds first. */
  cron!: string;
  /** IANA time zone. */
  timezone!: string;
  status!: 'active' | 'paused';
  /** Run a missed occurrence once on start (true) or skip it. */
  catch_up!: boolean;
  workflow!: WorkflowRunInput | null;
  task!: ScheduledTaskInput | null;
  next_run_at!: string | null;
  last_run_at!: string | null;
  created_at!: string;
}

/** `GET /schedules`. */
@ApiSchema({ name: 'ScheduleList' })
export class ScheduleListDto implements ScheduleList {
  schedules!: ScheduleViewDto[];
}

/** Error of an occurrence that could not start its workflow or task. */
@ApiSchema({ name: 'ScheduleRunError' })
export class ScheduleRunErrorDto {
  code!: string;
  message!: string;
}

/** One handled occurrence of a schedule. */
@ApiSchema({ name: 'ScheduleRun' })
export class ScheduleRunViewDto implements ScheduleRunView {
  schedule_id!: string;
  /** The cron time. */
  occurrence!: string;
  /** fired; skipped (missed without catch_up); error (its workflow or task could not be created). */
  status!: 'fired' | 'skipped' | 'error';
  fired_at!: string;
  workflow_id!: string | null;
  task_id!: string | null;
  /** Occurrences it stands for (> 1 for a gap). */
  missed!: number;
  error!: ScheduleRunErrorDto | null;
}

/** `GET /schedules/{schedule_id}/runs`. */
@ApiSchema({ name: 'ScheduleRunPage' })
export class ScheduleRunPageDto implements ScheduleRunPage {
  runs!: ScheduleRunViewDto[];
  next_cursor!: string | null;
}
