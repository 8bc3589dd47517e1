import type { ReplicaState } from './heartbeat';
import type { ScalingMetric } from './rules';

/**
 * What the scaler sees (issue 7 "Signals"; seed 003 `ResourceMetrics`, seed 004
 * "Per-Instance Metrics" and "Cluster Metrics"): every bot-runtime replica from its
 * heartbeats, the brain's backlog per task type, JetStream's per-lane counts, and
 * memory's latency and error rate per task type.
 */

/** Subject: current signals. `{}` → {@link ScalingMetricsView}. */
export const SCALER_METRICS = 'apiary.scaler.metrics';

/** How the scaler sees a replica: its own report, or `lost` when its heartbeats stopped. */
export type InstanceStatus = ReplicaState | 'lost';

/** One bot-runtime replica (seed 004 per-instance metrics). */
export interface InstanceMetrics {
  instance_id: string;
  host: string;
  pid: number;
  status: InstanceStatus;
  /** Started by this scaler's `local` driver (it may stop only those). */
  managed: boolean;
  started_at: string;
  last_heartbeat_at: string;
  /** Time since the last heartbeat, ms. */
  heartbeat_age_ms: number;
  /** When the scaler marked it lost (null otherwise), ISO-8601. */
  lost_at: string | null;
  cpu_percent: number;
  rss_bytes: number;
  memory_limit_bytes: number;
  /** rss ÷ limit × 100. */
  memory_percent: number;
  cpus: number;
  event_loop_lag_ms: number;
  event_loop_lag_p99_ms: number;
  in_flight: number;
  concurrency: number;
  /** in_flight ÷ concurrency × 100. */
  utilisation_percent: number;
  capabilities: string[];
  lanes: string[];
  completed: number;
  failed: number;
  /** Runs finished per second over the scaler's measuring window (null until two heartbeats). */
  throughput_per_s: number | null;
  /**
   * Runs per second it could finish with every slot busy: concurrency ÷ mean run
   * time over the window (Little's law); null until it has finished a run.
   */
  capacity_per_s: number | null;
}

/** The pool in total (seed 004 cluster metrics), over `running` replicas. */
export interface PoolTotals {
  running: number;
  draining: number;
  lost: number;
  /** Mean over running replicas. */
  cpu_percent: number | null;
  rss_bytes: number;
  memory_percent: number | null;
  /** Worst replica. */
  event_loop_lag_ms: number | null;
  in_flight: number;
  concurrency: number;
  utilisation_percent: number | null;
  throughput_per_s: number | null;
  /** Mean of the replicas' {@link InstanceMetrics.capacity_per_s}. */
  capacity_per_replica_per_s: number | null;
}

/** Backlog of one task type (from `apiary.brain.backlog`) with memory's statistics for it. */
export interface TaskTypeSignal {
  task_type: string;
  queued: number;
  retrying: number;
  in_flight: number;
  /** Tasks created per second over the backlog window. */
  arrivals_per_s: number;
  /** Tasks finished per second over the backlog window. */
  completions_per_s: number;
  /** Age of the oldest queued task, s; null when none. */
  oldest_queued_age_s: number | null;
  /** From memory's statistics over the last minute; null without results. */
  mean_latency_ms: number | null;
  p95_latency_ms: number | null;
  error_rate_percent: number | null;
}

/** Backlog in total (from `apiary.brain.backlog`). */
export interface BacklogSignal {
  /** Window of the flow counts, s. */
  window_s: number;
  queued: number;
  retrying: number;
  in_flight: number;
  arrivals_per_s: number;
  completions_per_s: number;
  oldest_queued_age_s: number | null;
  by_type: TaskTypeSignal[];
}

/** One JetStream work lane (consumer `runtime-<lane>` of `APIARY_WORK`). */
export interface LaneSignal {
  lane: string;
  consumer: string;
  /** Messages not yet delivered. */
  num_pending: number;
  /** Delivered, not yet acknowledged (held by replicas). */
  num_ack_pending: number;
  /** Delivered more than once, not yet acknowledged. */
  num_redelivered: number;
  /** AckWait: how long a held message waits before redelivery, ms. */
  ack_wait_ms: number;
}

/** Reply of {@link SCALER_METRICS}. */
export interface ScalingMetricsView {
  at: string;
  driver: string;
  instances: InstanceMetrics[];
  totals: PoolTotals;
  /** Null when the brain did not answer (see {@link signal_errors}). */
  backlog: BacklogSignal | null;
  /** Null when JetStream could not be read. */
  lanes: LaneSignal[] | null;
  /** The flat values the rules see, by metric; null where there is no data. */
  values: Record<ScalingMetric, number | null>;
  /** Why a signal is missing, e.g. `backlog: SERVICE_UNAVAILABLE ...`. */
  signal_errors: string[];
}
