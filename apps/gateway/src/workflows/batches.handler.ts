import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BatchCompletionView, BRAIN_BATCHES_GET, GetBatchRequest } from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import type { GatewayEnv } from '../config/gateway.env';
import { API_KEY_ROUTE_ERRORS, ApiErrors } from '../openapi/api-docs.decorators';
import { BatchCompletionViewDto } from './workflow-responses.dto';
import { BatchIdParams, BatchWaitQuery } from './workflows.dto';

/** Seed 003 `wait_for_batch_completion` for batches of `POST /tasks/batch` and swarm fan-outs. */
@Controller('batches')
@ApiTags('tasks')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class BatchesController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /**
   * `GET /batches/{batch_id}?wait_s=&limit=&cursor=`: held until the batch's last
   * task finishes or `wait_s` (0..60) passes (the brain is woken by completions; it
   * does not poll). The RPC timeout is `wait_s` plus `APIARY_RPC_TIMEOUT_MS`.
   * @throws 404 `BATCH_NOT_FOUND`
   */
  @Get(':batch_id')
  @ApiOperation({
    summary: 'Batch completion, optionally waiting for it',
    description:
      '`{ completed_tasks, total_tasks, completion_rate, results, timeout_exceeded }` (seed 003). `results` maps task id → outcome for one page of finished tasks ' +
      '(`limit`, `next_cursor`). With `wait_s` the request is held until every task finished or the wait ends (`timeout_exceeded: true`).',
  })
  @ApiOkResponse({ type: BatchCompletionViewDto })
  @ApiErrors('VALIDATION_FAILED', 'BATCH_NOT_FOUND')
  get(@Param() params: BatchIdParams, @Query() query: BatchWaitQuery): Promise<BatchCompletionView> {
    const request: GetBatchRequest = { batch_id: params.batch_id, wait_s: query.wait_s, limit: query.limit, cursor: query.cursor };
    return this.rpc.request<BatchCompletionView>(BRAIN_BATCHES_GET, request, { timeoutMs: (query.wait_s ?? 0) * 1000 + this.env.APIARY_RPC_TIMEOUT_MS });
  }
}
