import type { DataSource } from 'typeorm';

/** A counter increment: `metric` (e.g. `failures`), `label` (service, strategy or ''), delta. */
export interface CounterDelta {
  metric: string;
  label: string;
  delta: number;
}

/** A stored counter value. */
export interface CounterValue {
  metric: string;
  label: string;
  value: number;
}

/** Metric holding the epoch ms since which the counters run. */
const ORIGIN = 'origin';

/**
 * SQL access to `router_counters`: routing statistics summed over every router
 * replica. Replicas buffer increments and add them in one multi-row upsert per flush.
 */
export class RoutingCounterRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Adds the deltas in one statement (`value = value + delta`).
   * @param deltas increments; rows with the same (metric, label) must be merged first
   */
  async add(deltas: CounterDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.db.query(
      `INSERT INTO router_counters AS c (metric, label, value)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
       ON CONFLICT (metric, label) DO UPDATE SET value = c.value + excluded.value`,
      [deltas.map((d) => d.metric), deltas.map((d) => d.label), deltas.map((d) => d.delta)],
    );
  }

  /** @returns every counter except the origin */
  async all(): Promise<CounterValue[]> {
    const rows: { metric: string; label: string; value: string }[] = await this.db.query(
      `SELECT metric, label, value::text AS value FROM router_counters WHERE metric <> $1`,
      [ORIGIN],
    );
    return rows.map((r) => ({ metric: r.metric, label: r.label, value: Number(r.value) }));
  }

  /**
   * Records `nowMs` as the counters' origin unless one is stored.
   * @returns the stored origin, epoch ms
   */
  async origin(nowMs: number): Promise<number> {
    await this.db.query(
      `INSERT INTO router_counters (metric, label, value) VALUES ($1, '', $2) ON CONFLICT (metric, label) DO NOTHING`,
      [ORIGIN, nowMs],
    );
    const rows: { value: string }[] = await this.db.query(`SELECT value::text AS value FROM router_counters WHERE metric = $1 AND label = ''`, [ORIGIN]);
    return Number(rows[0]?.value ?? nowMs);
  }
}
