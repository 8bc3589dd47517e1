import type { InstanceMetrics, InstanceStatus, PoolTotals, ReplicaHeartbeat } from '@apiary/contracts';

/** Tunables of {@link ReplicaRegistry}. */
export interface ReplicaRegistryOptions {
  /** A replica with no heartbeat for this long is `lost`, ms. */
  lostAfterMs: number;
  /** A lost replica is forgotten after this long, ms. */
  forgetAfterMs: number;
  /** Window throughput and capacity are measured over, ms. */
  windowMs: number;
}

interface Observation {
  /** Receive time, epoch ms (the scaler's clock, not the replica's). */
  at: number;
  hb: ReplicaHeartbeat;
}

interface Entry {
  id: string;
  history: Observation[];
  lostAt: number | null;
}

/**
 * The bot-runtime replicas as their heartbeats (`apiary.runtime.heartbeat`) show
 * them (issue 7 "Signals"). A replica is `running` or `draining` as it reports,
 * `lost` once no heartbeat arrived for `lostAfterMs`, and removed when it says
 * `stopped`. Per replica it measures, over `windowMs`, the throughput (runs
 * finished per second) and the capacity: concurrency ÷ mean run time (Little's
 * law), the rate it would reach with every slot busy. All times come from the
 * injected clock.
 */
export class ReplicaRegistry {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param clock epoch ms
   * @param options lost/forget thresholds and the measuring window
   */
  constructor(
    private readonly clock: () => number,
    private readonly options: ReplicaRegistryOptions,
  ) {}

  /**
   * Records a heartbeat. A `stopped` one removes the replica; a heartbeat from a
   * lost replica brings it back.
   * @returns whether the replica was new to the registry
   */
  record(hb: ReplicaHeartbeat): boolean {
    const now = this.clock();
    if (hb.state === 'stopped') {
      this.entries.delete(hb.instance_id);
      return false;
    }
    let entry = this.entries.get(hb.instance_id);
    const isNew = !entry;
    if (!entry || entry.history.at(-1)?.hb.pid !== hb.pid) {
      // New replica, or the same id in a new process: start over.
      entry = { id: hb.instance_id, history: [], lostAt: null };
      this.entries.set(hb.instance_id, entry);
    }
    entry.lostAt = null;
    entry.history.push({ at: now, hb });
    const keepFrom = now - this.options.windowMs;
    // Keep one observation older than the window as the measuring baseline.
    while (entry.history.length > 2 && entry.history[1].at <= keepFrom) entry.history.shift();
    return isNew;
  }

  /**
   * Marks replicas lost whose heartbeats stopped, forgets long-lost ones.
   * @returns the replicas that became lost in this call
   */
  sweep(): InstanceMetrics[] {
    const now = this.clock();
    const lost: InstanceMetrics[] = [];
    for (const entry of [...this.entries.values()]) {
      const last = entry.history[entry.history.length - 1];
      if (entry.lostAt === null && now - last.at > this.options.lostAfterMs) {
        entry.lostAt = now;
        lost.push(this.view(entry, now, () => false));
      } else if (entry.lostAt !== null && now - entry.lostAt > this.options.forgetAfterMs) {
        this.entries.delete(entry.id);
      }
    }
    return lost;
  }

  /** Forgets a replica (e.g. a local child known to have exited). */
  forget(instanceId: string): void {
    this.entries.delete(instanceId);
  }

  /**
   * Every known replica, ordered by id.
   * @param isManaged whether the scaler's driver started a replica
   */
  instances(isManaged: (instanceId: string) => boolean = () => false): InstanceMetrics[] {
    const now = this.clock();
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id)).map((e) => this.view(e, now, isManaged));
  }

  /** Latest heartbeats of replicas not lost, within the window (for tier advice). */
  observations(): ReplicaHeartbeat[] {
    const from = this.clock() - this.options.windowMs;
    return [...this.entries.values()].filter((e) => e.lostAt === null).flatMap((e) => e.history.filter((o) => o.at >= from).map((o) => o.hb));
  }

  private view(entry: Entry, now: number, isManaged: (id: string) => boolean): InstanceMetrics {
    const last = entry.history[entry.history.length - 1];
    const hb = last.hb;
    const first = entry.history[0];
    const status: InstanceStatus = entry.lostAt !== null ? 'lost' : hb.state;
    let throughput: number | null = null;
    let capacity: number | null = null;
    if (entry.history.length >= 2 && last.at > first.at) {
      throughput = round3((hb.completed - first.hb.completed) / ((last.at - first.at) / 1000));
    }
    const doneInWindow = entry.history.length >= 2 ? hb.completed - first.hb.completed : 0;
    const busyInWindow = entry.history.length >= 2 ? hb.busy_ms - first.hb.busy_ms : 0;
    if (doneInWindow > 0 && busyInWindow > 0) capacity = round3((hb.concurrency * doneInWindow * 1000) / busyInWindow);
    else if (hb.completed > 0 && hb.busy_ms > 0) capacity = round3((hb.concurrency * hb.completed * 1000) / hb.busy_ms);
    return {
      instance_id: entry.id,
      host: hb.host,
      pid: hb.pid,
      status,
      managed: isManaged(entry.id),
      started_at: hb.started_at,
      last_heartbeat_at: new Date(last.at).toISOString(),
      heartbeat_age_ms: Math.max(0, now - last.at),
      lost_at: entry.lostAt === null ? null : new Date(entry.lostAt).toISOString(),
      cpu_percent: hb.cpu_percent,
      rss_bytes: hb.rss_bytes,
      memory_limit_bytes: hb.memory_limit_bytes,
      memory_percent: hb.memory_limit_bytes > 0 ? round3((hb.rss_bytes / hb.memory_limit_bytes) * 100) : 0,
      cpus: hb.cpus,
      event_loop_lag_ms: hb.event_loop_lag_ms,
      event_loop_lag_p99_ms: hb.event_loop_lag_p99_ms,
      in_flight: hb.in_flight,
      concurrency: hb.concurrency,
      utilisation_percent: hb.concurrency > 0 ? round3((hb.in_flight / hb.concurrency) * 100) : 0,
      capabilities: hb.capabilities,
      lanes: hb.lanes,
      completed: hb.completed,
      failed: hb.failed,
      throughput_per_s: throughput,
      capacity_per_s: capacity,
    };
  }
}

/**
 * Pool totals over `running` replicas (seed 004 cluster metrics): means of CPU and
 * memory, worst event-loop lag, summed slots, in-flight tasks and throughput, mean
 * capacity per replica.
 */
export function poolTotals(instances: readonly InstanceMetrics[]): PoolTotals {
  const running = instances.filter((i) => i.status === 'running');
  const mean = (xs: number[]) => (xs.length ? round3(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
  const inFlight = running.reduce((a, i) => a + i.in_flight, 0);
  const slots = running.reduce((a, i) => a + i.concurrency, 0);
  const throughputs = running.map((i) => i.throughput_per_s).filter((x): x is number => x !== null);
  return {
    running: running.length,
    draining: instances.filter((i) => i.status === 'draining').length,
    lost: instances.filter((i) => i.status === 'lost').length,
    cpu_percent: mean(running.map((i) => i.cpu_percent)),
    rss_bytes: running.reduce((a, i) => a + i.rss_bytes, 0),
    memory_percent: mean(running.map((i) => i.memory_percent)),
    event_loop_lag_ms: running.length ? Math.max(...running.map((i) => i.event_loop_lag_ms)) : null,
    in_flight: inFlight,
    concurrency: slots,
    utilisation_percent: slots > 0 ? round3((inFlight / slots) * 100) : null,
    throughput_per_s: throughputs.length ? round3(throughputs.reduce((a, b) => a + b, 0)) : null,
    capacity_per_replica_per_s: mean(running.map((i) => i.capacity_per_s).filter((x): x is number => x !== null)),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
