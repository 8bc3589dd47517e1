import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CapacityPlan,
  CapacityPlanRequest,
  DeleteScalingRuleRequest,
  EvaluateScalingRequest,
  SCALER_CAPACITY_PLAN,
  SCALER_EVALUATE,
  SCALER_HISTORY,
  SCALER_METRICS,
  SCALER_RECOMMENDATION,
  SCALER_RULES_DELETE,
  SCALER_RULES_SET,
  SCALER_STATUS,
  ScalingDecision,
  ScalingHistoryPage,
  ScalingHistoryRequest,
  ScalingMetricsView,
  ScalingRuleBody,
  ScalingRuleView,
  ScalingStatus,
  VerticalRecommendation,
} from '@apiary/contracts';
import { capacityPlan } from '../capacity/capacity-plan';
import { AUTOSCALER } from '../tokens';
import type { Autoscaler } from './autoscaler';

/** NATS entry of the scaler (`apiary.scaler.*`): validated DTO in, one call, reply out. */
@Controller()
export class ScalingHandler {
  /** @param scaler the scaler */
  constructor(@Inject(AUTOSCALER) private readonly scaler: Autoscaler) {}

  /** Replicas, backlog, lanes and the values rules see. */
  @MessagePattern(SCALER_METRICS)
  metrics(): Promise<ScalingMetricsView> {
    return this.scaler.metrics();
  }

  /** @throws ApiaryError VALIDATION_FAILED (inverted thresholds or bounds) */
  @MessagePattern(SCALER_RULES_SET)
  setRule(@Payload() body: ScalingRuleBody): Promise<ScalingRuleView> {
    return this.scaler.setRule(body);
  }

  /** @throws ApiaryError NOT_FOUND */
  @MessagePattern(SCALER_RULES_DELETE)
  deleteRule(@Payload() req: DeleteScalingRuleRequest): Promise<{ name: string; deleted: true }> {
    return this.scaler.deleteRule(req.name);
  }

  /** Seed 003 `get_scaling_status`. */
  @MessagePattern(SCALER_STATUS)
  status(): Promise<ScalingStatus> {
    return this.scaler.status();
  }

  /** Applied scaling events, newest first. */
  @MessagePattern(SCALER_HISTORY)
  history(@Payload() req: ScalingHistoryRequest): Promise<ScalingHistoryPage> {
    return this.scaler.history(req);
  }

  /** Dry run: the decision now, nothing applied. @throws ApiaryError VALIDATION_FAILED */
  @MessagePattern(SCALER_EVALUATE)
  evaluate(@Payload() req: EvaluateScalingRequest): Promise<ScalingDecision> {
    return this.scaler.evaluate(req);
  }

  /** Vertical tier advice (never applied). */
  @MessagePattern(SCALER_RECOMMENDATION)
  recommendation(): VerticalRecommendation {
    return this.scaler.recommendation();
  }

  /** Seed 004 capacity plan. */
  @MessagePattern(SCALER_CAPACITY_PLAN)
  capacityPlan(@Payload() req: CapacityPlanRequest): CapacityPlan {
    return capacityPlan(req);
  }
}
