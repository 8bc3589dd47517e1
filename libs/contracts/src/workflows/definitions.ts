import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { PriorityLevel } from '../common/task';
import { WORKFLOW_NAME_PATTERN, WorkflowSpecInput, WorkflowStepInput } from './workflows';

/**
 * Saved workflow definitions (issue 6): `POST /workflow-definitions` stores a
 * workflow under its name; saving a name again adds a new version (1, 2, ...), runs
 * already started keep the version they started with. `POST /workflows
 * { definition, version?, parameters }` starts the latest (or the given) version.
 */

/** Subject: save a definition (a new version of its name). {@link SaveWorkflowDefinitionRequest} → {@link WorkflowDefinitionView}. */
export const BRAIN_WORKFLOW_DEFINITIONS_SAVE = 'apiary.brain.workflow-definitions.save';
/** Subject: one definition. {@link GetWorkflowDefinitionRequest} → {@link WorkflowDefinitionView}; `WORKFLOW_NOT_FOUND`. */
export const BRAIN_WORKFLOW_DEFINITIONS_GET = 'apiary.brain.workflow-definitions.get';
/** Subject: the latest version of every definition. `{}` → {@link WorkflowDefinitionList}. */
export const BRAIN_WORKFLOW_DEFINITIONS_LIST = 'apiary.brain.workflow-definitions.list';

/** Request of {@link BRAIN_WORKFLOW_DEFINITIONS_SAVE}: a workflow, validated as at `POST /workflows`. */
export class SaveWorkflowDefinitionRequest extends WorkflowSpecInput {
  /** Free text, up to 1,000 chars. */
  @IsOptional() @IsString() @MaxLength(1000)
  description?: string;
}

/** Request of {@link BRAIN_WORKFLOW_DEFINITIONS_GET}. */
export class GetWorkflowDefinitionRequest {
  @IsDefined() @IsString() @MaxLength(128)
  @Matches(WORKFLOW_NAME_PATTERN, { message: 'name must match [A-Za-z0-9_.:-]+' })
  name!: string;

  /** Default: the latest. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  version?: number;
}

/** A saved definition. */
export interface WorkflowDefinitionView {
  name: string;
  version: number;
  description: string | null;
  priority: PriorityLevel;
  context_id: string | null;
  steps: WorkflowStepInput[];
  created_at: string;
}

/** Reply of {@link BRAIN_WORKFLOW_DEFINITIONS_LIST}. */
export interface WorkflowDefinitionList {
  definitions: WorkflowDefinitionView[];
}
