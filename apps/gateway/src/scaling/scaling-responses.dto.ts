import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  BacklogPrediction,
  BacklogSignal,
  CapacityPlan,
  InstanceMetrics,
  InstanceStatus,
  LaneSignal,
  PoolTotals,
  ReplicaTarget,
  ResourceTier,
  ResourceTierName,
  RuleEvaluation,
  RuleStatistics,
  RuleVote,
  ScalingAction,
  ScalingDecision,
  ScalingEvent,
  ScalingHistoryPage,
  ScalingMetric,
  ScalingMetricsView,
  ScalingPolicyName,
  ScalingReason,
  ScalingRuleView,
  ScalingStatus,
  TaskTypeSignal,
  VerticalRecommendation,
} from '@apiary/contracts';

/*
 * OpenAPI shapes of the scaler's replies (issue 7), in the style of
 * openapi/responses.dto.ts: each class `implements` the contract interface, so a
 * changed field fails to compile until it is documented here.
 */

const NULLABLE_NUMBER_MAP = { type: 'object', additionalProperties: { type: 'number', nullable: true } } as const;

/** One bot-runtime replica (seed 004 per-instance metrics). */
@ApiSchema({ name: 'ScalingInstance' })
export class InstanceMetricsDto implements InstanceMetrics {
  instance_id!: string;
  host!: string;
  pid!: number;
  /** `running`, `draining`, `stopped` as the replica reports, or `lost` when its heartbeats stopped. */
  status!: InstanceStatus;
  /** Started by this scaler's local driver. */
  managed!: boolean;
  started_at!: string;
  last_heartbeat_at!: string;
  heartbeat_age_ms!: number;
  lost_at!: string | null;
  /** % of one core. */
  cpu_percent!: number;
  rss_bytes!: number;
  memory_limit_bytes!: number;
  memory_percent!: number;
  cpus!: number;
  event_loop_lag_ms!: number;
  event_loop_lag_p99_ms!: number;
  in_flight!: number;
  concurrency!: number;
  utilisation_percent!: number;
  capabilities!: string[];
  lanes!: string[];
  completed!: number;
  failed!: number;
  /** Runs finished per second over the window. */
  throughput_per_s!: number | null;
  /** concurrency ÷ mean run time: runs per second with every slot busy. */
  capacity_per_s!: number | null;
}

/** The pool in total, over running replicas. */
@ApiSchema({ name: 'ScalingPoolTotals' })
export class PoolTotalsDto implements PoolTotals {
  running!: number;
  draining!: number;
  lost!: number;
  cpu_percent!: number | null;
  rss_bytes!: number;
  memory_percent!: number | null;
  event_loop_lag_ms!: number | null;
  in_flight!: number;
  concurrency!: number;
  utilisation_percent!: number | null;
  throughput_per_s!: number | null;
  capacity_per_replica_per_s!: number | null;
}

/** Backlog and task statistics of one task type. */
@ApiSchema({ name: 'ScalingTaskTypeSignal' })
export class TaskTypeSignalDto implements TaskTypeSignal {
  task_type!: string;
  queued!: number;
  retrying!: number;
  in_flight!: number;
  arrivals_per_s!: number;
  completions_per_s!: number;
  oldest_queued_age_s!: number | null;
  mean_latency_ms!: number | null;
  p95_latency_ms!: number | null;
  error_rate_percent!: number | null;
}

/** The brain's backlog. */
@ApiSchema({ name: 'ScalingBacklog' })
export class BacklogSignalDto implements BacklogSignal {
  /** Flow window, s. */
  window_s!: number;
  queued!: number;
  retrying!: number;
  in_flight!: number;
  arrivals_per_s!: number;
  completions_per_s!: number;
  oldest_queued_age_s!: number | null;
  by_type!: TaskTypeSignalDto[];
}

/** One JetStream work lane. */
@ApiSchema({ name: 'ScalingLane' })
export class LaneSignalDto implements LaneSignal {
  lane!: string;
  consumer!: string;
  num_pending!: number;
  num_ack_pending!: number;
  num_redelivered!: number;
  ack_wait_ms!: number;
}

/** `GET /scaling/metrics`. */
@ApiSchema({ name: 'ScalingMetrics' })
export class ScalingMetricsViewDto implements ScalingMetricsView {
  at!: string;
  driver!: string;
  instances!: InstanceMetricsDto[];
  totals!: PoolTotalsDto;
  backlog!: BacklogSignalDto | null;
  lanes!: LaneSignalDto[] | null;
  /** The values rules see, by metric. */
  @ApiProperty(NULLABLE_NUMBER_MAP)
  values!: Record<ScalingMetric, number | null>;
  signal_errors!: string[];
}

/** A scaling rule. */
@ApiSchema({ name: 'ScalingRule' })
export class ScalingRuleViewDto implements ScalingRuleView {
  name!: string;
  metric!: ScalingMetric;
  scale_up_threshold!: number;
  scale_down_threshold!: number;
  min_instances!: number;
  max_instances!: number;
  /** Seconds. */
  cooldown_period!: number;
  /** Seconds. */
  evaluation_period!: number;
  enabled!: boolean;
  source!: 'stored' | 'default';
  created_at!: string | null;
  updated_at!: string | null;
}

/** `DELETE /scaling/rules/{name}`. */
@ApiSchema({ name: 'ScalingRuleDeleted' })
export class ScalingRuleDeletedDto {
  name!: string;
  @ApiProperty({ enum: [true] })
  deleted!: true;
}

/** How one rule voted. */
@ApiSchema({ name: 'RuleEvaluation' })
export class RuleEvaluationDto implements RuleEvaluation {
  rule!: string;
  metric!: ScalingMetric;
  value!: number | null;
  samples!: number;
  evaluation_period!: number;
  scale_up_threshold!: number;
  scale_down_threshold!: number;
  min_instances!: number;
  max_instances!: number;
  vote!: RuleVote;
  cooldown_remaining_s!: number;
  reason!: string;
}

/** One line of a decision's reasoning. */
@ApiSchema({ name: 'ScalingReason' })
export class ScalingReasonDto implements ScalingReason {
  type!: 'rule' | 'vote' | 'predictive' | 'target' | 'policy' | 'bounds' | 'activation' | 'hold';
  rule?: string;
  reason!: string;
}

/** Least-squares trend of the backlog. */
@ApiSchema({ name: 'BacklogPrediction' })
export class BacklogPredictionDto implements BacklogPrediction {
  /** Tasks per second. */
  slope_per_s!: number;
  /** R² of the fit; the projection is acted on only from 0.9 (a steady rise, not one jump). */
  r_squared!: number;
  samples!: number;
  window_s!: number;
  horizon_s!: number;
  projected_queue_depth!: number;
  replicas_needed!: number | null;
}

/** Target replica count from backlog and throughput. */
@ApiSchema({ name: 'ReplicaTarget' })
export class ReplicaTargetDto implements ReplicaTarget {
  queue_depth!: number | null;
  arrivals_per_s!: number | null;
  capacity_per_replica_per_s!: number | null;
  capacity_source!: 'heartbeats' | 'latency' | 'unknown';
  drain_target_s!: number;
  required_per_s!: number | null;
  replicas!: number | null;
}

/** Replica bounds in force. */
@ApiSchema({ name: 'ScalingBounds' })
export class ScalingBoundsDto {
  min!: number;
  max!: number;
}

/** Votes of a decision. */
@ApiSchema({ name: 'ScalingVotes' })
export class ScalingVotesDto {
  up!: number;
  down!: number;
  hold!: number;
  abstain!: number;
}

/** `POST /scaling/evaluate`: a decision and why. */
@ApiSchema({ name: 'ScalingDecision' })
export class ScalingDecisionDto implements ScalingDecision {
  at!: string;
  dry_run!: boolean;
  policy!: ScalingPolicyName;
  driver!: string;
  action!: ScalingAction;
  current_instances!: number;
  recommended_instances!: number;
  bounds!: ScalingBoundsDto;
  votes!: ScalingVotesDto;
  rule_evaluations!: RuleEvaluationDto[];
  prediction!: BacklogPredictionDto | null;
  target!: ReplicaTargetDto;
  reasoning!: ScalingReasonDto[];
  @ApiProperty(NULLABLE_NUMBER_MAP)
  metrics!: Record<ScalingMetric, number | null>;
}

/** A scaling event (seed 003 `_record_scaling_event`). */
@ApiSchema({ name: 'ScalingEvent' })
export class ScalingEventDto extends ScalingDecisionDto implements ScalingEvent {
  id!: number;
  old_instances!: number;
  new_instances!: number;
  applied!: boolean;
  error!: string | null;
}

/** `GET /scaling/history`. */
@ApiSchema({ name: 'ScalingHistory' })
export class ScalingHistoryPageDto implements ScalingHistoryPage {
  events!: ScalingEventDto[];
  total!: number;
  next_before!: number | null;
}

/** Seed 003 `get_scaling_statistics` of a rule. */
@ApiSchema({ name: 'RuleStatistics' })
export class RuleStatisticsDto extends ScalingRuleViewDto implements RuleStatistics {
  rule_name!: string;
  scale_up_events!: number;
  scale_down_events!: number;
  total_scale_events!: number;
  last_scale_time!: string | null;
  current_cooldown_remaining!: number;
}

/** `GET /scaling/status` (seed 003 `get_scaling_status`). */
@ApiSchema({ name: 'ScalingStatus' })
export class ScalingStatusDto implements ScalingStatus {
  driver!: string;
  policy!: ScalingPolicyName;
  active_instances!: number;
  desired_instances!: number;
  draining_instances!: number;
  lost_instances!: number;
  bounds!: ScalingBoundsDto;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/RuleStatistics' } })
  scaling_rules!: Record<string, RuleStatisticsDto>;
  recent_scaling_events!: ScalingEventDto[];
  total_scaling_events!: number;
  /** Seconds. */
  uptime_since_last_scale!: number;
  last_decision!: ScalingDecisionDto | null;
  interval_ms!: number;
}

/** A resource tier of seed 000. */
@ApiSchema({ name: 'ResourceTier' })
export class ResourceTierDto implements ResourceTier {
  name!: ResourceTierName;
  cpu!: number;
  memory_gib!: number;
  gpu!: boolean;
}

/** What the tier advice is based on. */
@ApiSchema({ name: 'VerticalRecommendationBasis' })
export class VerticalBasisDto {
  replicas!: number;
  samples!: number;
  window_s!: number;
  cpu_cores_p95!: number | null;
  rss_bytes_max!: number | null;
  event_loop_lag_p95_ms!: number | null;
  cpus_available!: number | null;
  memory_limit_bytes!: number | null;
}

/** `GET /scaling/recommendation` (never applied). */
@ApiSchema({ name: 'VerticalRecommendation' })
export class VerticalRecommendationDto implements VerticalRecommendation {
  at!: string;
  @ApiProperty({ enum: [false] })
  applied!: false;
  current_tier!: ResourceTierName | null;
  recommended_tier!: ResourceTierName | null;
  advice!: 'upgrade' | 'downgrade' | 'keep' | 'scale_out' | 'no_data';
  basis!: VerticalBasisDto;
  tiers!: ResourceTierDto[];
  reasons!: string[];
}

/** Inputs of a capacity plan, defaults filled in. */
@ApiSchema({ name: 'CapacityPlanInputs' })
export class CapacityPlanInputsDto {
  tasks_per_hour!: number;
  avg_task_duration_hours!: number;
  concurrency!: number;
  efficiency!: number;
  headroom!: number;
  peak_factor!: number;
}

/** `POST /capacity/plan` (seed 004). */
@ApiSchema({ name: 'CapacityPlan' })
export class CapacityPlanDto implements CapacityPlan {
  /** (tasks_per_hour × avg_task_duration_hours) ÷ (concurrency × efficiency). */
  required_instances_exact!: number;
  /** ceil(required_instances_exact). */
  required_instances!: number;
  /** ceil(exact ÷ (1 − headroom)). */
  with_headroom!: number;
  /** ceil(exact × peak_factor). */
  for_peak!: number;
  concurrent_tasks!: number;
  inputs!: CapacityPlanInputsDto;
  formula!: string;
}
