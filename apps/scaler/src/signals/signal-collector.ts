import type { BacklogSignal, InstanceMetrics, LaneSignal, PoolTotals, ServiceStat, TaskTypeSignal } from '@apiary/contracts';
import { emptyValues } from '../decisions/scaling-engine';
import type { MetricValues } from '../decisions/sample-window';
import type { ReplicaTarget } from '@apiary/contracts';
import type { BacklogSource, LaneSource, TaskStatsSource } from './signal-sources';
import { poolTotals } from './replica-registry';

/** Everything one control-loop tick knows. */
export interface SignalSnapshot {
  /** Epoch ms. */
  at: number;
  instances: InstanceMetrics[];
  totals: PoolTotals;
  backlog: BacklogSignal | null;
  lanes: LaneSignal[] | null;
  /** The flat values rules see. */
  values: MetricValues;
  /** Tasks arriving per second (brain's backlog window), null when unknown. */
  arrivalsPerS: number | null;
  /** Tasks one replica finishes per second with all slots busy. */
  capacity: { perReplica: number | null; source: ReplicaTarget['capacity_source'] };
  errors: string[];
}

/** Tunables of {@link SignalCollector}. */
export interface SignalCollectorOptions {
  /** Flow window asked of the brain, s. */
  backlogWindowS: number;
  /** Window of memory's statistics, s (≥ 60). */
  statsWindowS: number;
  /** Concurrency assumed when no replica reports one (for the latency-based capacity). */
  defaultConcurrency: number;
}

/**
 * Gathers the signals of one tick (issue 7 "Signals"): the replicas (heartbeats),
 * the brain's backlog per task type, JetStream's lanes, memory's latency and error
 * rate per task type; the three remote reads run in parallel and each may fail on
 * its own (its part is null and the error is listed). Turns them into the flat
 * values of `SCALING_METRICS`.
 */
export class SignalCollector {
  /**
   * @param backlog brain backlog
   * @param lanes JetStream lanes
   * @param stats memory task statistics
   * @param options windows and defaults
   */
  constructor(
    private readonly backlog: BacklogSource,
    private readonly lanes: LaneSource,
    private readonly stats: TaskStatsSource,
    private readonly options: SignalCollectorOptions,
  ) {}

  /**
   * @param instances the replicas now (from the registry)
   * @param now epoch ms
   */
  async collect(instances: InstanceMetrics[], now: number): Promise<SignalSnapshot> {
    const errors: string[] = [];
    const fail = (what: string) => (err: unknown) => {
      const e = err as { code?: string; message?: string };
      errors.push(`${what}: ${[e?.code, e?.message ?? String(err)].filter(Boolean).join(' ')}`);
      return null;
    };
    const [backlogReply, lanes, stats] = await Promise.all([
      this.backlog.backlog(this.options.backlogWindowS).catch(fail('backlog')),
      this.lanes.lanes().catch(fail('lanes')),
      this.stats.stats(this.options.statsWindowS).catch(fail('task statistics')),
    ]);
    const totals = poolTotals(instances);
    const statsByType = new Map((stats ?? []).map((s) => [s.task_type, s]));
    let backlog: BacklogSignal | null = null;
    if (backlogReply) {
      const w = backlogReply.window_s;
      const byType: TaskTypeSignal[] = backlogReply.by_type.map((t) => {
        const s = statsByType.get(t.task_type);
        return {
          task_type: t.task_type,
          queued: t.queued,
          retrying: t.retrying,
          in_flight: t.in_flight,
          arrivals_per_s: round3(t.arrivals / w),
          completions_per_s: round3(t.completions / w),
          oldest_queued_age_s: t.oldest_queued_age_ms === null ? null : round3(t.oldest_queued_age_ms / 1000),
          mean_latency_ms: s && s.count > 0 ? round3(s.mean_latency_ms) : null,
          p95_latency_ms: s?.p95_ms ?? null,
          error_rate_percent: s && s.count > 0 ? round3((s.failures / s.count) * 100) : null,
        };
      });
      backlog = {
        window_s: w,
        queued: backlogReply.queued,
        retrying: backlogReply.retrying,
        in_flight: backlogReply.in_flight,
        arrivals_per_s: round3(backlogReply.arrivals / w),
        completions_per_s: round3(backlogReply.completions / w),
        oldest_queued_age_s: backlogReply.oldest_queued_age_ms === null ? null : round3(backlogReply.oldest_queued_age_ms / 1000),
        by_type: byType,
      };
    }
    const latency = weightedLatency(stats);
    const capacity = capacityOf(totals, instances, latency.mean, this.options.defaultConcurrency);
    const values = valuesOf(totals, backlog, lanes, stats, latency, capacity.perReplica);
    return { at: now, instances, totals, backlog, lanes, values, arrivalsPerS: backlog?.arrivals_per_s ?? null, capacity, errors };
  }
}

/** Count-weighted mean latency and the worst p95 over task types (null without results). */
function weightedLatency(stats: ServiceStat[] | null): { mean: number | null; p95: number | null; errorRate: number | null } {
  const withData = (stats ?? []).filter((s) => s.count > 0);
  const count = withData.reduce((a, s) => a + s.count, 0);
  if (count === 0) return { mean: null, p95: null, errorRate: null };
  const mean = withData.reduce((a, s) => a + s.mean_latency_ms * s.count, 0) / count;
  const p95s = withData.map((s) => s.p95_ms).filter((x): x is number => typeof x === 'number');
  const failures = withData.reduce((a, s) => a + s.failures, 0);
  return { mean, p95: p95s.length ? Math.max(...p95s) : null, errorRate: (failures / count) * 100 };
}

/**
 * Capacity per replica: measured from heartbeats when any replica finished runs;
 * else mean concurrency ÷ memory's mean latency; else unknown.
 */
function capacityOf(totals: PoolTotals, instances: InstanceMetrics[], meanLatencyMs: number | null, defaultConcurrency: number): SignalSnapshot['capacity'] {
  if (totals.capacity_per_replica_per_s !== null && totals.capacity_per_replica_per_s > 0) return { perReplica: totals.capacity_per_replica_per_s, source: 'heartbeats' };
  if (meanLatencyMs !== null && meanLatencyMs > 0) {
    const running = instances.filter((i) => i.status === 'running');
    const concurrency = running.length ? running.reduce((a, i) => a + i.concurrency, 0) / running.length : defaultConcurrency;
    return { perReplica: round3(concurrency / (meanLatencyMs / 1000)), source: 'latency' };
  }
  return { perReplica: null, source: 'unknown' };
}

function valuesOf(
  totals: PoolTotals,
  backlog: BacklogSignal | null,
  lanes: LaneSignal[] | null,
  stats: ServiceStat[] | null,
  latency: { mean: number | null; p95: number | null; errorRate: number | null },
  capacityPerReplica: number | null,
): MetricValues {
  const v = emptyValues();
  v.cpu_percent = totals.cpu_percent;
  v.memory_percent = totals.memory_percent;
  v.event_loop_lag_ms = totals.event_loop_lag_ms;
  v.utilisation_percent = totals.utilisation_percent;
  v.throughput_per_s = totals.throughput_per_s ?? backlog?.completions_per_s ?? null;
  // Waiting work: queued and retrying in the brain, plus what the brain already
  // dispatched into its JetStream window (up to APIARY_DISPATCH_WINDOW) that no
  // replica has taken yet.
  const pending = lanes ? lanes.reduce((a, l) => a + l.num_pending, 0) : null;
  if (backlog || pending !== null) {
    const queue = (backlog ? backlog.queued + backlog.retrying : 0) + (pending ?? 0);
    v.queue_depth = queue;
    v.backlog_per_replica = round3(queue / Math.max(1, totals.running));
    v.backlog_age_s = backlog ? (backlog.oldest_queued_age_s ?? 0) : null;
    const poolCapacity = capacityPerReplica !== null && totals.running > 0 ? capacityPerReplica * totals.running : (totals.throughput_per_s ?? 0);
    v.backlog_drain_s = queue === 0 ? 0 : poolCapacity > 0 ? round3(queue / poolCapacity) : null;
  }
  if (stats) {
    v.avg_response_time_ms = latency.mean === null ? null : round3(latency.mean);
    v.p95_response_time_ms = latency.p95;
    v.error_rate_percent = latency.errorRate === null ? null : round3(latency.errorRate);
  }
  return v;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
