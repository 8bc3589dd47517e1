import type { CounterDelta } from '@apiary/persistence';

/** Names of the persisted routing counters (`router_counters.metric`). */
export const METRICS = {
  totalRoutes: 'total_routes',
  serviceDistribution: 'service_distribution',
  failures: 'failures',
  fallbacksUsed: 'fallbacks_used',
  byStrategy: 'by_strategy',
} as const;

/**
 * Counter increments of this replica not yet written to PostgreSQL. Increments
 * are merged per (metric, label), so a flush is one row per counter touched, not
 * one per event.
 */
export class CounterBuffer {
  private pending = new Map<string, CounterDelta>();
  private flushing: CounterDelta[] = [];

  /** Adds `n` to a counter. */
  add(metric: string, label: string, n = 1): void {
    const key = `${metric}\u0000${label}`;
    const hit = this.pending.get(key);
    if (hit) hit.delta += n;
    else this.pending.set(key, { metric, label, delta: n });
  }

  /**
   * Takes the pending increments for a flush; they stay visible in {@link unflushed}
   * until {@link settle} is called.
   */
  take(): CounterDelta[] {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = batch;
    return batch;
  }

  /**
   * Ends a flush started by {@link take}.
   * @param stored whether the batch was written; if not, it is merged back
   */
  settle(stored: boolean): void {
    const batch = this.flushing;
    this.flushing = [];
    if (!stored) for (const d of batch) this.add(d.metric, d.label, d.delta);
  }

  /** @returns increments not yet stored (pending and being flushed) */
  unflushed(): CounterDelta[] {
    return [...this.flushing, ...this.pending.values()];
  }
}
