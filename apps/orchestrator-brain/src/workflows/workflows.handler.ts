import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BRAIN_WORKFLOW_DEFINITIONS_GET,
  BRAIN_WORKFLOW_DEFINITIONS_LIST,
  BRAIN_WORKFLOW_DEFINITIONS_SAVE,
  BRAIN_WORKFLOWS_CANCEL,
  BRAIN_WORKFLOWS_GET,
  BRAIN_WORKFLOWS_LIST,
  BRAIN_WORKFLOWS_START,
  GetWorkflowDefinitionRequest,
  ListWorkflowsRequest,
  SaveWorkflowDefinitionRequest,
  StartWorkflowRequest,
  WorkflowDefinitionList,
  WorkflowDefinitionView,
  WorkflowIdRequest,
  WorkflowPage,
  WorkflowView,
} from '@apiary/contracts';
import { WorkflowService } from './workflow.service';

/** NATS entry of workflows and their definitions (`apiary.brain.workflows.*`, `apiary.brain.workflow-definitions.*`). */
@Controller()
export class WorkflowsHandler {
  constructor(private readonly workflows: WorkflowService) {}

  /**
   * Starts a run (inline steps or a saved definition).
   * @throws ApiaryError INVALID_WORKFLOW | UNKNOWN_TASK_TYPE | INVALID_TASK_DATA | CAPABILITY_MISMATCH (422),
   *   WORKFLOW_NOT_FOUND | BOT_NOT_FOUND | SWARM_NOT_FOUND (404), MODULE_DISABLED | BOT_RETIRED (409), naming the step
   */
  @MessagePattern(BRAIN_WORKFLOWS_START)
  start(@Payload() req: StartWorkflowRequest): Promise<WorkflowView> {
    return this.workflows.start(req);
  }

  /** One run with its steps. @throws ApiaryError WORKFLOW_NOT_FOUND */
  @MessagePattern(BRAIN_WORKFLOWS_GET)
  get(@Payload() req: WorkflowIdRequest): Promise<WorkflowView> {
    return this.workflows.get(req.workflow_id);
  }

  /** Runs newest first. */
  @MessagePattern(BRAIN_WORKFLOWS_LIST)
  list(@Payload() req: ListWorkflowsRequest): Promise<WorkflowPage> {
    return this.workflows.list(req);
  }

  /** Cancels a running run (a finished one is returned as it is). @throws ApiaryError WORKFLOW_NOT_FOUND */
  @MessagePattern(BRAIN_WORKFLOWS_CANCEL)
  cancel(@Payload() req: WorkflowIdRequest): Promise<WorkflowView> {
    return this.workflows.cancel(req.workflow_id);
  }

  /** Saves a definition as the next version of its name. @throws as start */
  @MessagePattern(BRAIN_WORKFLOW_DEFINITIONS_SAVE)
  saveDefinition(@Payload() req: SaveWorkflowDefinitionRequest): Promise<WorkflowDefinitionView> {
    return this.workflows.saveDefinition(req);
  }

  /** One definition (latest version by default). @throws ApiaryError WORKFLOW_NOT_FOUND */
  @MessagePattern(BRAIN_WORKFLOW_DEFINITIONS_GET)
  getDefinition(@Payload() req: GetWorkflowDefinitionRequest): Promise<WorkflowDefinitionView> {
    return this.workflows.getDefinition(req.name, req.version);
  }

  /** The latest version of every definition. */
  @MessagePattern(BRAIN_WORKFLOW_DEFINITIONS_LIST)
  listDefinitions(): Promise<WorkflowDefinitionList> {
    return this.workflows.listDefinitions();
  }
}
