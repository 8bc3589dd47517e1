import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ScalingDecision } from './decision';
import type { ScalingPolicyName, ScalingRuleView } from './rules';

/**
 * Scaling status and history (seed 003 `AutoScaler.get_scaling_status`,
 * `ScalingRule.get_scaling_statistics`, `_record_scaling_event`).
 */

/** Subject: status. `{}` → {@link ScalingStatus}. */
export const SCALER_STATUS = 'apiary.scaler.status';
/** Subject: applied scaling events, newest first. {@link ScalingHistoryRequest} → {@link ScalingHistoryPage}. */
export const SCALER_HISTORY = 'apiary.scaler.history';

/** A scaling event: a decision that changed (or tried to change) the replica count. */
export interface ScalingEvent extends ScalingDecision {
  /** Sequence number of the event (ascending with time). */
  id: number;
  /** Replicas before (seed 003 `old_instances`). */
  old_instances: number;
  /** Replicas asked for (seed 003 `new_instances`). */
  new_instances: number;
  /** Whether the driver applied it; false with `error` when it failed. */
  applied: boolean;
  error: string | null;
}

/** Seed 003 `get_scaling_statistics` of one rule, with the rule itself. */
export interface RuleStatistics extends ScalingRuleView {
  rule_name: string;
  /** Applied scale-ups this rule voted for. */
  scale_up_events: number;
  /** Applied scale-downs this rule voted for. */
  scale_down_events: number;
  total_scale_events: number;
  /** Last applied scaling action of the scaler, ISO-8601; null when none. */
  last_scale_time: string | null;
  /** Seconds of cooldown left. */
  current_cooldown_remaining: number;
}

/** Reply of {@link SCALER_STATUS} (seed 003 `get_scaling_status`). */
export interface ScalingStatus {
  driver: string;
  policy: ScalingPolicyName;
  /** Replicas running now (heartbeats; draining and lost ones excluded). */
  active_instances: number;
  /** Replicas the driver is asked to keep. */
  desired_instances: number;
  draining_instances: number;
  lost_instances: number;
  bounds: { min: number; max: number };
  /** By rule name. */
  scaling_rules: Record<string, RuleStatistics>;
  /** The last 5 events, newest first. */
  recent_scaling_events: ScalingEvent[];
  total_scaling_events: number;
  /** Seconds since the last applied scaling action (since the scaler started when none). */
  uptime_since_last_scale: number;
  /** The last decision the control loop took (null before the first). */
  last_decision: ScalingDecision | null;
  /** Control loop interval, ms. */
  interval_ms: number;
}

/** Request of {@link SCALER_HISTORY}. */
export class ScalingHistoryRequest {
  /** Events per page (default 50; 1..500). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
  /** Only events with an id below this (the previous page's `next_before`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  before?: number;
}

/** Reply of {@link SCALER_HISTORY}. */
export interface ScalingHistoryPage {
  events: ScalingEvent[];
  total: number;
  /** Pass as `before` for the next page; null on the last. */
  next_before: number | null;
}
