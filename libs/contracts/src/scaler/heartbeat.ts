/**
 * Replica heartbeats of bot-runtime (issue 7 "Signals"; seed 004 "Per-Instance
 * Metrics": instance id, active work, CPU/memory per instance). Every replica
 * publishes one on core NATS every `APIARY_REPLICA_HEARTBEAT_MS` (default 2 s);
 * the scaler keeps the latest per replica and marks a replica `lost` when none
 * arrived for `APIARY_SCALER_LOST_AFTER_MS`.
 */

/** Subject (core NATS, fire-and-forget, not a JetStream stream). Payload {@link ReplicaHeartbeat}. */
export const RUNTIME_HEARTBEAT = 'apiary.runtime.heartbeat';

/**
 * Life of a replica as it reports it: `running` pulls work; `draining` got
 * SIGTERM, pulls nothing more and finishes what it holds; `stopped` is its last
 * heartbeat (work finished or handed back), sent just before it exits.
 */
export const REPLICA_STATES = ['running', 'draining', 'stopped'] as const;
/** One of {@link REPLICA_STATES}. */
export type ReplicaState = (typeof REPLICA_STATES)[number];

/** Payload of {@link RUNTIME_HEARTBEAT}. Counters are cumulative since the replica started. */
export interface ReplicaHeartbeat {
  /** Replica id (`APIARY_INSTANCE_ID` or `hostname:pid`). */
  instance_id: string;
  host: string;
  pid: number;
  state: ReplicaState;
  /** Sequence number, 1 for the first heartbeat of this process. */
  seq: number;
  /** When the replica started, ISO-8601. */
  started_at: string;
  /** When this heartbeat was taken, ISO-8601. */
  at: string;
  /** Interval the replica publishes at, ms. */
  interval_ms: number;
  /** Process CPU time over the last interval, % of one core (user + system; may exceed 100). */
  cpu_percent: number;
  /** Resident set size, bytes. */
  rss_bytes: number;
  /** V8 heap in use, bytes. */
  heap_used_bytes: number;
  /** Memory the replica may use (cgroup limit, else the host's memory), bytes. */
  memory_limit_bytes: number;
  /** CPUs the replica may use (cgroup quota, else `availableParallelism()`). */
  cpus: number;
  /** Event-loop delay over the last interval, mean and 99th percentile, ms. */
  event_loop_lag_ms: number;
  event_loop_lag_p99_ms: number;
  /** Tasks running now. */
  in_flight: number;
  /** Most tasks it runs at once (`APIARY_RUNTIME_CONCURRENCY`). */
  concurrency: number;
  /** Task types (handlers) it serves. */
  capabilities: string[];
  /** JetStream lanes it pulls. */
  lanes: string[];
  /** Handler runs finished (success or failure) since start. */
  completed: number;
  /** Of {@link completed}, those that failed. */
  failed: number;
  /** Handler wall time of the finished runs, summed, ms (busy time since start). */
  busy_ms: number;
}
