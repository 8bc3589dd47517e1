import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BRAIN_SUBMIT_BATCH, SubmitBatchReply, SubmitBatchRequest } from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import type { GatewayEnv } from '../config/gateway.env';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { OrchestrateReplyDto } from '../openapi/responses.dto';
import { OrchestrateBody, OrchestrateReply, toTaskInputs } from './orchestrate.dto';

/** Seed 001 "Orchestrate Workflow": `POST /orchestrate`, a batch of independent tasks. */
@Controller()
@ApiTags('tasks')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class OrchestrateController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /**
   * Submits every step as one all-or-nothing batch (RPC timeout
   * `APIARY_BATCH_RPC_TIMEOUT_MS`).
   * @returns 201 `{ batch_id, task_ids, status: "queued" }`
   * @throws ApiaryError `VALIDATION_FAILED` (400, e.g. `tasks.2.type`),
   *   `BATCH_TOO_LARGE` (413), `UNKNOWN_TASK_TYPE` (422) from the brain
   */
  @Post('orchestrate')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Orchestrate a workflow: a batch of independent tasks',
    description:
      'Each step `{ type, params }` becomes a task `{ type, data: params }`, all with the same priority; submitted all or nothing.',
  })
  @ApiCreatedResponse({ type: OrchestrateReplyDto, description: 'The batch and its task ids, in step order, all queued.' })
  @ApiErrors(...JSON_BODY_ERRORS, 'BATCH_TOO_LARGE', 'UNKNOWN_TASK_TYPE', 'INVALID_TASK_DATA')
  async orchestrate(@Body() body: OrchestrateBody, @FairnessKey() fairnessKey: string): Promise<OrchestrateReply> {
    const request: SubmitBatchRequest = { tasks: toTaskInputs(body), fairness_key: fairnessKey };
    const reply = await this.rpc.request<SubmitBatchReply>(BRAIN_SUBMIT_BATCH, request, {
      timeoutMs: this.env.APIARY_BATCH_RPC_TIMEOUT_MS,
    });
    return { batch_id: reply.batch_id, task_ids: reply.task_ids, status: 'queued' };
  }
}
