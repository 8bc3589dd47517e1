import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  RouteDecision,
  RouteRequest,
  ROUTER_POLICY_LIST,
  ROUTER_POLICY_SET,
  ROUTER_ROUTE,
  ROUTER_STATS,
  RoutingPolicyView,
  RoutingStats,
  SetRoutingPolicyRequest,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { RouteDecisionDto, RoutingPoliciesDto, RoutingPolicyViewDto, RoutingStatsDto } from '../openapi/routing-responses.dto';
import { RoutingPolicyBody, TaskTypeParams } from './routing.dto';

/**
 * Seed 002 component 2 "Routing Strategy", "Retry Strategies", "Load Balancing
 * Strategies": route inspection, statistics and per task-type policies.
 */
@Controller()
@ApiTags('routing')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class RoutingController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /**
   * `POST /route` `{ task_type, strategy?, priority?, model?, model_class? }`: the decision a task of
   * this type would get now, for inspection (not counted, no in-flight slot).
   * @throws 422 `NO_CAPABLE_SERVICE`, 503 `NO_HEALTHY_SERVICE`
   */
  @Post('route')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Route a task type (inspection)',
    description: 'Capable services → enabled → healthy → strategy → primary, fallbacks and retry strategy. Not counted in the statistics.',
  })
  @ApiOkResponse({ type: RouteDecisionDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'NO_CAPABLE_SERVICE', 'NO_HEALTHY_SERVICE')
  route(@Body() body: RouteRequest): Promise<RouteDecision> {
    const request: RouteRequest = {
      task_type: body.task_type, strategy: body.strategy, priority: body.priority, exclude: body.exclude, track: false,
      model: body.model, model_class: body.model_class,
    };
    return this.rpc.request<RouteDecision>(ROUTER_ROUTE, request);
  }

  /** `GET /routing/stats` (seed 002 `get_routing_stats`). */
  @Get('routing/stats')
  @ApiOperation({ summary: 'Routing statistics', description: 'Routes per service, failures, fallbacks used and breaker states.' })
  @ApiOkResponse({ type: RoutingStatsDto })
  stats(): Promise<RoutingStats> {
    return this.rpc.request<RoutingStats>(ROUTER_STATS, {});
  }

  /** `GET /routing/policies`: the default policy and every per-type one. */
  @Get('routing/policies')
  @ApiOperation({ summary: 'Routing policies (strategy and retry strategy per task type)' })
  @ApiOkResponse({ type: RoutingPoliciesDto })
  policies(): Promise<{ default: RoutingPolicyView; policies: RoutingPolicyView[] }> {
    return this.rpc.request(ROUTER_POLICY_LIST, {});
  }

  /** `PUT /routing/policies/{task_type}` (`*`: the default). Omitted fields keep their value. */
  @Put('routing/policies/:task_type')
  @ApiOperation({ summary: 'Set the routing policy of a task type (persisted)', description: 'Use `*` as the task type for the default policy.' })
  @ApiOkResponse({ type: RoutingPolicyViewDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  setPolicy(@Param() params: TaskTypeParams, @Body() body: RoutingPolicyBody): Promise<RoutingPolicyView> {
    const request: SetRoutingPolicyRequest = { ...body, task_type: params.task_type };
    return this.rpc.request<RoutingPolicyView>(ROUTER_POLICY_SET, request);
  }
}
