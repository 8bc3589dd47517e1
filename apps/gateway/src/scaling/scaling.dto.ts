import { ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import {
  CapacityPlanRequest,
  EvaluateScalingRequest,
  SCALING_RULE_NAME_PATTERN,
  ScalingMetric,
  ScalingPolicyName,
  ScalingRuleBody,
} from '@apiary/contracts';

/*
 * HTTP request shapes of the scaling routes. Bodies extend the contract classes
 * (libs/contracts/src/scaler/), whose class-validator rules they inherit; the
 * fields are redeclared here only so the @nestjs/swagger plugin (`*.dto.ts`)
 * documents them.
 */

/** `POST /scaling/rules` body (seed 003 `ScalingRule`). */
@ApiSchema({ name: 'ScalingRuleBody' })
export class ScalingRuleBodyDto extends ScalingRuleBody {
  /** Name, `^[a-z0-9][a-z0-9_.-]{0,63}$`; a rule with the same name is replaced. */
  declare name: string;
  /** Signal watched: `cpu_percent`, `memory_percent`, `event_loop_lag_ms`, `utilisation_percent`, `queue_depth`, `backlog_per_replica`, `backlog_age_s`, `backlog_drain_s`, `avg_response_time_ms`, `p95_response_time_ms`, `error_rate_percent`, `throughput_per_s`. */
  declare metric: ScalingMetric;
  /** Vote up when the metric's mean over `evaluation_period` is above this (its unit); greater than `scale_down_threshold`. */
  declare scale_up_threshold: number;
  /** Vote down below this. */
  declare scale_down_threshold: number;
  /** Fewest replicas this rule allows (default 1). */
  declare min_instances?: number;
  /** Most replicas this rule allows (default 10). */
  declare max_instances?: number;
  /** Seconds after any scaling action during which the rule abstains (default 300). */
  declare cooldown_period?: number;
  /** Seconds of samples the metric is averaged over (default 60). */
  declare evaluation_period?: number;
  /** A disabled rule is kept but never votes (default true). */
  declare enabled?: boolean;
}

/** `POST /scaling/evaluate` body: try another policy or other rules (dry run). */
@ApiSchema({ name: 'EvaluateScalingRequest' })
export class EvaluateScalingBodyDto extends EvaluateScalingRequest {
  /** `auto`, `aggressive` or `conservative` (default: the scaler's policy). */
  declare policy?: ScalingPolicyName;
  /** Rules to evaluate instead of the stored ones (at most 50). */
  declare rules?: ScalingRuleBodyDto[];
}

/** `POST /capacity/plan` body (seed 004 "Capacity Planning"). */
@ApiSchema({ name: 'CapacityPlanRequest' })
export class CapacityPlanBodyDto extends CapacityPlanRequest {
  /** Tasks arriving per hour (> 0). */
  declare tasks_per_hour: number;
  /** Mean task duration in hours (0.1 = 6 minutes). */
  declare avg_task_duration_hours: number;
  /** Tasks one instance runs at once (≥ 1). */
  declare concurrency: number;
  /** Share of capacity doing useful work, (0, 1] (0.8 = 20 % overhead). */
  declare efficiency: number;
  /** Share of the provisioned capacity kept spare, [0, 0.95] (default 0.3). */
  declare headroom?: number;
  /** Peak load as a multiple of the average, [1, 100] (default 2). */
  declare peak_factor?: number;
}

/** Path of `/scaling/rules/{name}`. */
export class ScalingRuleNameParams {
  @IsDefined() @IsString() @Matches(SCALING_RULE_NAME_PATTERN, { message: 'name must match ^[a-z0-9][a-z0-9_.-]{0,63}$' })
  name!: string;
}

/** `GET /scaling/history` query. */
export class ScalingHistoryQuery {
  /** Events per page (default 50; 1..500). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
  /** Only events with an id below this (the previous page's `next_before`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  before?: number;
}
