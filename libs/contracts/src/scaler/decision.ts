import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { SCALING_POLICIES, ScalingMetric, ScalingPolicyName, ScalingRuleBody } from './rules';

/**
 * A scaling decision (seed 003 `AutoScaler.evaluate_scaling`: rule evaluations,
 * majority vote, predictive scaling, reasoning), extended with a target replica
 * count computed from backlog and measured throughput (issue 7 "Decisions").
 */

/** Subject: evaluate now without applying (dry run). {@link EvaluateScalingRequest} → {@link ScalingDecision}. */
export const SCALER_EVALUATE = 'apiary.scaler.evaluate';

/** Actions of a decision. */
export const SCALING_ACTIONS = ['scale_up', 'scale_down', 'hold'] as const;
/** One of {@link SCALING_ACTIONS}. */
export type ScalingAction = (typeof SCALING_ACTIONS)[number];

/**
 * A rule's vote: `up`/`down`/`hold`, or an abstention: `cooldown` (a scaling
 * action happened less than `cooldown_period` ago), `no_data` (the metric has no
 * value), `warming_up` (the scaler has observed less than `evaluation_period`),
 * `disabled`.
 */
export type RuleVote = 'up' | 'down' | 'hold' | 'cooldown' | 'no_data' | 'warming_up' | 'disabled';

/** How one rule voted. */
export interface RuleEvaluation {
  rule: string;
  metric: ScalingMetric;
  /** Mean of the metric over the evaluation window; null without data. */
  value: number | null;
  /** Samples averaged. */
  samples: number;
  evaluation_period: number;
  scale_up_threshold: number;
  scale_down_threshold: number;
  min_instances: number;
  max_instances: number;
  vote: RuleVote;
  /** Seconds of cooldown left (0 when none). */
  cooldown_remaining_s: number;
  /** In words, e.g. `queue_depth 5210 > 100`. */
  reason: string;
}

/** One line of a decision's reasoning. */
export interface ScalingReason {
  type: 'rule' | 'vote' | 'predictive' | 'target' | 'policy' | 'bounds' | 'activation' | 'hold';
  rule?: string;
  reason: string;
}

/** Backlog trend: least-squares slope of the queue depth over the evaluation window (seed 003 `_predict_future_load`). */
export interface BacklogPrediction {
  /** Tasks per second; positive when the backlog grows. */
  slope_per_s: number;
  /**
   * R² of the fit, 0..1. The projection is used only when it is at least 0.9: a
   * steadily rising backlog, not a single jump (a burst is a step, not a trend).
   */
  r_squared: number;
  samples: number;
  window_s: number;
  horizon_s: number;
  /** Queue depth now + slope × horizon (never below 0). */
  projected_queue_depth: number;
  /** Replicas the projected backlog needs (null when capacity is unknown or the trend is not trusted). */
  replicas_needed: number | null;
}

/** Target replica count from backlog and measured throughput per replica. */
export interface ReplicaTarget {
  queue_depth: number | null;
  /** Arrivals per second over the backlog window. */
  arrivals_per_s: number | null;
  /** Tasks one replica finishes per second with every slot busy. */
  capacity_per_replica_per_s: number | null;
  /** Where the capacity comes from: replicas' heartbeats, memory's mean latency × concurrency, or unknown. */
  capacity_source: 'heartbeats' | 'latency' | 'unknown';
  /** Time the backlog should take to drain, s (`APIARY_SCALER_DRAIN_TARGET_S`). */
  drain_target_s: number;
  /** arrivals_per_s + max(queue depth, projected) ÷ drain_target_s. */
  required_per_s: number | null;
  /** ceil(required ÷ capacity) (null when either is unknown). */
  replicas: number | null;
}

/** A decision: what the scaler would do (or did) and why. */
export interface ScalingDecision {
  at: string;
  /** True for `POST /scaling/evaluate`: nothing was applied. */
  dry_run: boolean;
  policy: ScalingPolicyName;
  driver: string;
  action: ScalingAction;
  current_instances: number;
  recommended_instances: number;
  /** Replica bounds in force: the tighter of the policy's, the rules' and the scaler's settings. */
  bounds: { min: number; max: number };
  votes: { up: number; down: number; hold: number; abstain: number };
  rule_evaluations: RuleEvaluation[];
  prediction: BacklogPrediction | null;
  target: ReplicaTarget;
  reasoning: ScalingReason[];
  /** The values behind the decision, by metric (null where there was no data). */
  metrics: Record<ScalingMetric, number | null>;
}

/** Request of {@link SCALER_EVALUATE}: try another policy or other rules against the current signals. */
export class EvaluateScalingRequest {
  /** Policy to evaluate with (default: the scaler's). */
  @IsOptional() @IsIn(SCALING_POLICIES)
  policy?: ScalingPolicyName;

  /** Rules to evaluate instead of the stored ones (at most 50). */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ScalingRuleBody)
  rules?: ScalingRuleBody[];
}
