import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BRAIN_DECIDE, BRAIN_PERFORMANCE, BrainPerformance, Decision, DecisionRequest } from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { BrainPerformanceDto, DecisionDto } from '../openapi/routing-responses.dto';

/** Seed 002 component 1 "AI Brain": `make_decision` and `get_performance_summary`. */
@Controller()
@ApiTags('brain')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class DecisionsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /**
   * `POST /decisions` `{ task_type, priority?, resources? }` → `{ selected_service,
   * priority_level, confidence, reasoning, alternatives, ... }`.
   * @throws 422 `NO_CAPABLE_SERVICE` when no enabled, healthy service offers the type
   */
  @Post('decisions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Decide which service should run a task type',
    description:
      'Thompson sampling over what memory learned per (task type, service): success rate and latency. Confidence is 0.7 with no history and grows with evidence.',
  })
  @ApiOkResponse({ type: DecisionDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'NO_CAPABLE_SERVICE')
  decide(@Body() body: DecisionRequest): Promise<Decision> {
    return this.rpc.request<Decision>(BRAIN_DECIDE, body);
  }

  /** `GET /brain/performance` (seed 002 `get_performance_summary`). */
  @Get('brain/performance')
  @ApiOperation({ summary: 'Decision and learning summary' })
  @ApiOkResponse({ type: BrainPerformanceDto })
  performance(): Promise<BrainPerformance> {
    return this.rpc.request<BrainPerformance>(BRAIN_PERFORMANCE, {});
  }
}
