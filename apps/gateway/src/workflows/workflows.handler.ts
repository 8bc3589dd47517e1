import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BRAIN_WORKFLOW_DEFINITIONS_GET,
  BRAIN_WORKFLOW_DEFINITIONS_LIST,
  BRAIN_WORKFLOW_DEFINITIONS_SAVE,
  BRAIN_WORKFLOWS_CANCEL,
  BRAIN_WORKFLOWS_GET,
  BRAIN_WORKFLOWS_LIST,
  BRAIN_WORKFLOWS_START,
  ListWorkflowsRequest,
  SaveWorkflowDefinitionRequest,
  StartWorkflowRequest,
  WorkflowDefinitionList,
  WorkflowDefinitionView,
  WorkflowIdRequest,
  WorkflowPage,
  WorkflowRunInput,
  WorkflowView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { WorkflowDefinitionListDto, WorkflowDefinitionViewDto, WorkflowPageDto, WorkflowViewDto } from './workflow-responses.dto';
import { DefinitionNameParams, DefinitionVersionQuery } from './workflows.dto';

/** Errors of submitting a workflow: the step is named in the message, e.g. `steps.2.type`. */
const WORKFLOW_SUBMIT_ERRORS = [
  'INVALID_WORKFLOW',
  'UNKNOWN_TASK_TYPE',
  'INVALID_TASK_DATA',
  'CAPABILITY_MISMATCH',
  'MODULE_DISABLED',
  'BOT_NOT_FOUND',
  'BOT_RETIRED',
  'SWARM_NOT_FOUND',
] as const;

/**
 * Issue 6, seed 000 `_execute_cross_bot_workflow`: workflow runs (a DAG of steps
 * run as tasks). Each route makes one request to the brain.
 */
@Controller('workflows')
@ApiTags('workflows')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class WorkflowsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /**
   * `POST /workflows`: inline `{ name, steps, parameters?, priority?, context_id? }` or
   * `{ definition, version?, parameters? }` → 201 the run. The API key's fairness key
   * is added for the step tasks.
   * @throws 422 `INVALID_WORKFLOW` (cycle, unknown or duplicate step id),
   *   `UNKNOWN_TASK_TYPE` naming the step, 404 `WORKFLOW_NOT_FOUND` (unknown definition)
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a workflow',
    description:
      'Steps form a DAG: a step starts when its `depends_on` and `use_previous_results` steps succeeded; the named results are merged into its parameters (later wins). ' +
      '`parameters` of the run are merged into every step\'s parameters first (overriding the definition\'s). A failed step runs its `recovery` ' +
      '(`{ type, parameters }`: a recovery task whose success stands in for the step; `{ retry: { max_attempts, delay_ms } }`: re-run); otherwise the run fails ' +
      'with `failed_step`, `error` and `partial_results`. Checked at submit, all or nothing.',
  })
  @ApiCreatedResponse({ type: WorkflowViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, ...WORKFLOW_SUBMIT_ERRORS, 'WORKFLOW_NOT_FOUND')
  start(@Body() body: WorkflowRunInput, @FairnessKey() fairnessKey: string): Promise<WorkflowView> {
    const request: StartWorkflowRequest = { ...body, fairness_key: fairnessKey };
    return this.rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, request);
  }

  /** `GET /workflows?status=&name=&limit=&cursor=`: runs, newest first. */
  @Get()
  @ApiOperation({ summary: 'List workflow runs' })
  @ApiOkResponse({ type: WorkflowPageDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListWorkflowsRequest): Promise<WorkflowPage> {
    return this.rpc.request<WorkflowPage>(BRAIN_WORKFLOWS_LIST, query);
  }

  /** `GET /workflows/{workflow_id}`: status, per-step status, result and timings, `execution_time` (s). */
  @Get(':workflow_id')
  @ApiOperation({ summary: 'Get a workflow run' })
  @ApiOkResponse({ type: WorkflowViewDto })
  @ApiErrors('VALIDATION_FAILED', 'WORKFLOW_NOT_FOUND')
  get(@Param() params: WorkflowIdRequest): Promise<WorkflowView> {
    return this.rpc.request<WorkflowView>(BRAIN_WORKFLOWS_GET, { workflow_id: params.workflow_id });
  }

  /** `POST /workflows/{workflow_id}/cancel`: queued step tasks and pending steps are cancelled. */
  @Post(':workflow_id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a workflow run',
    description: 'Queued step tasks are cancelled; tasks already running finish but their results are ignored; pending steps are cancelled. A finished run is returned unchanged.',
  })
  @ApiOkResponse({ type: WorkflowViewDto })
  @ApiErrors('VALIDATION_FAILED', 'WORKFLOW_NOT_FOUND')
  cancel(@Param() params: WorkflowIdRequest): Promise<WorkflowView> {
    return this.rpc.request<WorkflowView>(BRAIN_WORKFLOWS_CANCEL, { workflow_id: params.workflow_id });
  }
}

/** Saved workflow definitions (versioned by name), started with `POST /workflows { definition }`. */
@Controller('workflow-definitions')
@ApiTags('workflows')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class WorkflowDefinitionsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `POST /workflow-definitions` → 201 the definition; saving a name again adds a version. */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Save a workflow definition',
    description: 'Checked like `POST /workflows`. Saving an existing name adds a new version (1, 2, ...); `POST /workflows { definition }` starts the latest.',
  })
  @ApiCreatedResponse({ type: WorkflowDefinitionViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, ...WORKFLOW_SUBMIT_ERRORS)
  save(@Body() body: SaveWorkflowDefinitionRequest): Promise<WorkflowDefinitionView> {
    return this.rpc.request<WorkflowDefinitionView>(BRAIN_WORKFLOW_DEFINITIONS_SAVE, body);
  }

  /** `GET /workflow-definitions`: the latest version of each. */
  @Get()
  @ApiOperation({ summary: 'List workflow definitions (latest versions)' })
  @ApiOkResponse({ type: WorkflowDefinitionListDto })
  list(): Promise<WorkflowDefinitionList> {
    return this.rpc.request<WorkflowDefinitionList>(BRAIN_WORKFLOW_DEFINITIONS_LIST, {});
  }

  /** `GET /workflow-definitions/{name}?version=`. */
  @Get(':name')
  @ApiOperation({ summary: 'Get a workflow definition (latest version unless `version`)' })
  @ApiOkResponse({ type: WorkflowDefinitionViewDto })
  @ApiErrors('VALIDATION_FAILED', 'WORKFLOW_NOT_FOUND')
  get(@Param() params: DefinitionNameParams, @Query() query: DefinitionVersionQuery): Promise<WorkflowDefinitionView> {
    return this.rpc.request<WorkflowDefinitionView>(BRAIN_WORKFLOW_DEFINITIONS_GET, { name: params.name, version: query.version });
  }
}
