import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CapacityPlan,
  ScalingDecision,
  SCALER_CAPACITY_PLAN,
  SCALER_EVALUATE,
  SCALER_HISTORY,
  SCALER_METRICS,
  SCALER_RECOMMENDATION,
  SCALER_RULES_DELETE,
  SCALER_RULES_SET,
  SCALER_STATUS,
  ScalingHistoryPage,
  ScalingMetricsView,
  ScalingRuleView,
  ScalingStatus,
  VerticalRecommendation,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { CapacityPlanBodyDto, EvaluateScalingBodyDto, ScalingHistoryQuery, ScalingRuleBodyDto, ScalingRuleNameParams } from './scaling.dto';
import {
  CapacityPlanDto,
  ScalingDecisionDto,
  ScalingHistoryPageDto,
  ScalingMetricsViewDto,
  ScalingRuleDeletedDto,
  ScalingRuleViewDto,
  ScalingStatusDto,
  VerticalRecommendationDto,
} from './scaling-responses.dto';

/**
 * The scaler's HTTP API (issue 7; seed 003 auto-scaler, seed 000 policies and
 * tiers, seed 004 capacity planning): one NATS request to `apiary.scaler.*` each.
 */
@Controller()
@ApiTags('scaling')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class ScalingController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `GET /scaling/metrics`: every replica and the pool in total, backlog, lanes, the values rules see. */
  @Get('scaling/metrics')
  @ApiOperation({ summary: 'Scaling signals: replicas (heartbeats), backlog, lanes, task latency and error rate' })
  @ApiOkResponse({ type: ScalingMetricsViewDto })
  metrics(): Promise<ScalingMetricsView> {
    return this.rpc.request<ScalingMetricsView>(SCALER_METRICS, {});
  }

  /**
   * `POST /scaling/rules`: create or replace a rule (seed 003 `ScalingRule`).
   * @throws 400 `VALIDATION_FAILED` (also for scale_up ≤ scale_down or min > max)
   */
  @Post('scaling/rules')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create or replace a scaling rule',
    description: 'Votes up above scale_up_threshold, down below scale_down_threshold (mean over evaluation_period s), abstains cooldown_period s after any scaling action. Once a rule is stored the policy’s default rules no longer apply.',
  })
  @ApiCreatedResponse({ type: ScalingRuleViewDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  setRule(@Body() body: ScalingRuleBodyDto): Promise<ScalingRuleView> {
    return this.rpc.request<ScalingRuleView>(SCALER_RULES_SET, body);
  }

  /** `DELETE /scaling/rules/{name}`. @throws 404 `NOT_FOUND` */
  @Delete('scaling/rules/:name')
  @ApiOperation({ summary: 'Delete a scaling rule' })
  @ApiOkResponse({ type: ScalingRuleDeletedDto })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  deleteRule(@Param() params: ScalingRuleNameParams): Promise<{ name: string; deleted: true }> {
    return this.rpc.request(SCALER_RULES_DELETE, { name: params.name });
  }

  /** `GET /scaling/status` (seed 003 `get_scaling_status`). */
  @Get('scaling/status')
  @ApiOperation({ summary: 'Scaling status: replicas, rules with their statistics, recent events, last decision' })
  @ApiOkResponse({ type: ScalingStatusDto })
  status(): Promise<ScalingStatus> {
    return this.rpc.request<ScalingStatus>(SCALER_STATUS, {});
  }

  /** `GET /scaling/history?limit&before`: applied scaling events, newest first, each with its reasons and metrics. */
  @Get('scaling/history')
  @ApiOperation({ summary: 'Scaling history (each decision with its reasons and the metrics behind it)' })
  @ApiOkResponse({ type: ScalingHistoryPageDto })
  @ApiErrors('VALIDATION_FAILED')
  history(@Query() query: ScalingHistoryQuery): Promise<ScalingHistoryPage> {
    return this.rpc.request<ScalingHistoryPage>(SCALER_HISTORY, { limit: query.limit, before: query.before });
  }

  /** `POST /scaling/evaluate`: the decision now (dry run), optionally with another policy or rules. */
  @Post('scaling/evaluate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Evaluate scaling now without applying (dry run)' })
  @ApiOkResponse({ type: ScalingDecisionDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  evaluate(@Body() body: EvaluateScalingBodyDto): Promise<ScalingDecision> {
    return this.rpc.request<ScalingDecision>(SCALER_EVALUATE, body);
  }

  /** `GET /scaling/recommendation`: the resource tier (micro … xlarge) replicas need; never applied. */
  @Get('scaling/recommendation')
  @ApiOperation({ summary: 'Vertical scaling recommendation (seed 000 tiers; never applied)' })
  @ApiOkResponse({ type: VerticalRecommendationDto })
  recommendation(): Promise<VerticalRecommendation> {
    return this.rpc.request<VerticalRecommendation>(SCALER_RECOMMENDATION, {});
  }

  /** `POST /capacity/plan` (seed 004 formula; its example gives 6.25 and 7). */
  @Post('capacity/plan')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Capacity plan',
    description: 'required = (tasks_per_hour × avg_task_duration_hours) / (concurrency × efficiency); with_headroom = ceil(required ÷ (1 − headroom)); for_peak = ceil(required × peak_factor).',
  })
  @ApiOkResponse({ type: CapacityPlanDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  capacityPlan(@Body() body: CapacityPlanBodyDto): Promise<CapacityPlan> {
    return this.rpc.request<CapacityPlan>(SCALER_CAPACITY_PLAN, body);
  }
}
