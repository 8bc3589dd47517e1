import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { CreateScheduleRequest, GetBatchRequest, ListScheduleRunsRequest, WORKFLOW_NAME_PATTERN, WorkflowStepInput } from '@apiary/contracts';

// The contract's `use_previous_results: string | string[]` is a union the swagger
// plugin documents as an object; an explicit property decorator wins over the
// plugin's metadata, so the schema says what the validator accepts.
ApiPropertyOptional({
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
  description:
    'Step id(s) whose results are merged into this step\'s parameters when it starts, in the order given (later wins); implies a dependency. ' +
    'A result that is not a JSON object is merged as `{ <step id>: result }`.',
})(WorkflowStepInput.prototype, 'use_previous_results');

/** Path of `/workflow-definitions/{name}`. */
export class DefinitionNameParams {
  /** Definition name. */
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'name must match [A-Za-z0-9_.:-]+' })
  name!: string;
}

/** `GET /workflow-definitions/{name}?version=` query. */
export class DefinitionVersionQuery {
  /** Version (default: the latest). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  version?: number;
}

/** Path of `/batches/{batch_id}`. */
export class BatchIdParams {
  @IsDefined() @IsUUID()
  batch_id!: string;
}

/** `GET /batches/{batch_id}` query: `wait_s` (0..60, default 0), results page `limit` and `cursor`. */
export class BatchWaitQuery extends OmitType(GetBatchRequest, ['batch_id'] as const) {}

/**
 * `POST /schedules` body: the contract's request without `fairness_key`, which the
 * gateway derives from the API key.
 */
export class CreateScheduleBody extends OmitType(CreateScheduleRequest, ['fairness_key'] as const) {}

/** `GET /schedules/{schedule_id}/runs` query. */
export class ScheduleRunsQuery extends OmitType(ListScheduleRunsRequest, ['schedule_id'] as const) {}
