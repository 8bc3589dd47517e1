import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/**
 * Scaling rules (seed 003 `ScalingRule`: `scale_up_threshold`,
 * `scale_down_threshold`, `min_instances`, `max_instances`, `cooldown_period`,
 * `evaluation_period`) on any signal of the scaler, and the policies of seed 000
 * (`HorizontalScalingManager.scaling_policies`).
 */

/**
 * Signals a rule can watch. Units: `*_percent` 0..100 (CPU may exceed 100: % of
 * one core), `*_ms` milliseconds, `*_s` seconds, `queue_depth` and
 * `backlog_per_replica` tasks, `throughput_per_s` tasks per second.
 * - `cpu_percent`, `memory_percent`, `event_loop_lag_ms`: mean over running replicas (lag: worst replica);
 * - `utilisation_percent`: tasks running ÷ task slots of the running replicas;
 * - `queue_depth`: tasks waiting for a replica: `queued` + `retrying` in the brain plus work messages
 *   the brain dispatched to JetStream that no replica has taken (`num_pending` of the lanes);
 *   `backlog_per_replica` the same ÷ replicas;
 * - `backlog_age_s`: age of the oldest queued task;
 * - `backlog_drain_s`: queue depth ÷ the pool's measured capacity (time to drain at full speed);
 * - `avg_response_time_ms`, `p95_response_time_ms`, `error_rate_percent`: memory's task statistics over the last minute;
 * - `throughput_per_s`: tasks finished per second by the pool.
 */
export const SCALING_METRICS = [
  'cpu_percent',
  'memory_percent',
  'event_loop_lag_ms',
  'utilisation_percent',
  'queue_depth',
  'backlog_per_replica',
  'backlog_age_s',
  'backlog_drain_s',
  'avg_response_time_ms',
  'p95_response_time_ms',
  'error_rate_percent',
  'throughput_per_s',
] as const;
/** One of {@link SCALING_METRICS}. */
export type ScalingMetric = (typeof SCALING_METRICS)[number];

/**
 * Scaling policies (seed 000): `aggressive` doubles on scale-up and drops straight
 * to the computed target on scale-down (at most 10 replicas); `conservative`
 * grows by half and shrinks by one (at most 5); `auto` computes the target from
 * backlog and measured throughput, scales up predictively on a rising backlog and
 * halves at most per scale-down (no limit of its own).
 */
export const SCALING_POLICIES = ['aggressive', 'conservative', 'auto'] as const;
/** One of {@link SCALING_POLICIES}. */
export type ScalingPolicyName = (typeof SCALING_POLICIES)[number];

/** Pattern of a rule name. */
export const SCALING_RULE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Subject: create or replace a rule (by name). {@link ScalingRuleBody} → {@link ScalingRuleView}; `VALIDATION_FAILED`. */
export const SCALER_RULES_SET = 'apiary.scaler.rules.set';
/** Subject: delete a rule. {@link DeleteScalingRuleRequest} → `{ name, deleted: true }`; `NOT_FOUND`. */
export const SCALER_RULES_DELETE = 'apiary.scaler.rules.delete';

/**
 * A scaling rule (seed 003 `ScalingRule`). It votes `up` when the mean of its
 * metric over the last `evaluation_period` seconds is above `scale_up_threshold`,
 * `down` when below `scale_down_threshold`, and abstains for `cooldown_period`
 * seconds after any scaling action. Rules are combined by majority vote.
 */
export class ScalingRuleBody {
  /** Name, `^[a-z0-9][a-z0-9_.-]{0,63}$`; a rule with the same name is replaced. */
  @IsDefined() @IsString() @Matches(SCALING_RULE_NAME_PATTERN, { message: 'name must match ^[a-z0-9][a-z0-9_.-]{0,63}$' })
  name!: string;

  /** Signal watched, one of {@link SCALING_METRICS}. */
  @IsDefined() @IsIn(SCALING_METRICS)
  metric!: ScalingMetric;

  /** Vote up above this value (in the metric's unit). Must be greater than `scale_down_threshold`. */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false })
  scale_up_threshold!: number;

  /** Vote down below this value. */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false })
  scale_down_threshold!: number;

  /** Fewest replicas this rule allows (default 1; 0..10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  min_instances?: number;

  /** Most replicas this rule allows (default 10; 1..10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  max_instances?: number;

  /** Seconds after a scaling action during which the rule abstains (default 300, as the seed; 0..86,400). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  cooldown_period?: number;

  /** Seconds of samples the metric is averaged over (default 60, as the seed; 1..86,400). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400)
  evaluation_period?: number;

  /** A disabled rule is kept but never votes (default true). */
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}

/** A stored rule with every default filled in. Times ISO-8601. */
export interface ScalingRuleView {
  name: string;
  metric: ScalingMetric;
  scale_up_threshold: number;
  scale_down_threshold: number;
  min_instances: number;
  max_instances: number;
  /** Seconds. */
  cooldown_period: number;
  /** Seconds. */
  evaluation_period: number;
  enabled: boolean;
  /** `stored` (set through the API) or `default` (derived from the policy while no rule is stored). */
  source: 'stored' | 'default';
  created_at: string | null;
  updated_at: string | null;
}

/** Request of {@link SCALER_RULES_DELETE}. */
export class DeleteScalingRuleRequest {
  @IsDefined() @IsString() @Matches(SCALING_RULE_NAME_PATTERN, { message: 'name must match ^[a-z0-9][a-z0-9_.-]{0,63}$' })
  name!: string;
}
