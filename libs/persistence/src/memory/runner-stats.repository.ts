import { DataSource, EntityManager } from 'typeorm';
import { bucketRanges, BucketResolution, bucketStart, HOUR_ROWS_RETENTION_MS, MINUTE_ROWS_RETENTION_MS, timeParser } from './stat-buckets';

/** One result as runner load: which replica produced it, its handler time and finish time. */
export interface RunnerSample {
  runner: string;
  /** Handler wall time, ms (non-finite or negative count as 0). */
  latency_ms: number;
  /** Finish time, ISO-8601. */
  at: string;
}

/** Sum of one batch's samples for one `runner_stats` row. */
export interface RunnerStatDelta {
  runner: string;
  res: BucketResolution;
  /** Start of the bucket, ISO-8601. */
  bucket: string;
  count: number;
  busy_ms: number;
  /** Latest finish time, ISO-8601. */
  last_at: string;
}

/** Load of one runner summed over a window. */
export interface RunnerTotals {
  runner: string;
  count: number;
  busy_ms: number;
  last_at: Date;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sums samples per (runner, resolution, bucket), minute and hour rows, skipping
 * resolutions whose retention the sample is past; rows in key order (the lock order).
 * @param samples results of one batch
 * @param nowMs now, ms
 */
export function aggregateRunnerStats(samples: RunnerSample[], nowMs: number): RunnerStatDelta[] {
  type Acc = RunnerStatDelta & { lastMs: number };
  const groups = new Map<string, { m: Map<number, Acc>; h: Map<number, Acc> }>();
  const deltas: Acc[] = [];
  const cutoff = { m: nowMs - MINUTE_ROWS_RETENTION_MS, h: nowMs - HOUR_ROWS_RETENTION_MS };
  const parse = timeParser();
  for (const s of samples) {
    const atMs = parse(s.at);
    if (!Number.isFinite(atMs) || typeof s.runner !== 'string') continue;
    let group = groups.get(s.runner);
    if (!group) {
      group = { m: new Map(), h: new Map() };
      groups.set(s.runner, group);
    }
    for (const res of ['m', 'h'] as const) {
      const bucketMs = bucketStart(atMs, res);
      if (bucketMs < cutoff[res]) continue;
      let d = group[res].get(bucketMs);
      if (!d) {
        d = { runner: s.runner, res, bucket: new Date(bucketMs).toISOString(), count: 0, busy_ms: 0, last_at: '', lastMs: -Infinity };
        group[res].set(bucketMs, d);
        deltas.push(d);
      }
      d.count += 1;
      d.busy_ms += Number.isFinite(s.latency_ms) && s.latency_ms > 0 ? s.latency_ms : 0;
      if (atMs > d.lastMs) d.lastMs = atMs;
    }
  }
  return deltas
    .map(({ lastMs, ...d }) => ({ ...d, last_at: new Date(lastMs).toISOString() }))
    .sort((a, b) => cmp(a.runner, b.runner) || cmp(a.res, b.res) || cmp(a.bucket, b.bucket));
}

/**
 * SQL access to `runner_stats`: results and busy time per bot-runtime replica in
 * minute and hour buckets (for "uneven load across replicas"). Writes are one
 * additive multi-row upsert per batch, in the transaction storing the results.
 */
export class RunnerStatsRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * @param q the transaction to run in
   * @param samples results newly stored
   * @param nowMs now, ms
   * @returns number of rows written
   */
  static async add(q: Pick<EntityManager, 'query'>, samples: RunnerSample[], nowMs: number): Promise<number> {
    const deltas = aggregateRunnerStats(samples, nowMs);
    if (deltas.length === 0) return 0;
    await q.query(
      `INSERT INTO runner_stats AS t (runner, res, bucket, count, busy_ms, last_at)
       SELECT runner, res, bucket, count, busy_ms, last_at
         FROM jsonb_to_recordset($1::jsonb) AS x(runner text, res text, bucket timestamptz, count bigint, busy_ms double precision,
              last_at timestamptz)
        ORDER BY runner, res, bucket
       ON CONFLICT (runner, res, bucket) DO UPDATE SET
         count = t.count + excluded.count,
         busy_ms = t.busy_ms + excluded.busy_ms,
         last_at = greatest(t.last_at, excluded.last_at)`,
      [JSON.stringify(deltas)],
    );
    return deltas.length;
  }

  /**
   * Sums each runner's rows over a window (hour rows plus minute rows before the
   * first whole hour, see `bucketRanges`).
   * @returns one row per runner with results in the window, by runner
   */
  async window(since: Date, now: Date): Promise<RunnerTotals[]> {
    const r = bucketRanges(since.getTime(), now.getTime());
    const rows = (await this.db.query(
      `SELECT runner, sum(count)::float8 AS count, sum(busy_ms) AS busy_ms, max(last_at) AS last_at
         FROM runner_stats
        WHERE (res = 'h' AND bucket >= $1::timestamptz) OR (res = 'm' AND bucket >= $2::timestamptz AND bucket < $3::timestamptz)
        GROUP BY runner
        ORDER BY runner`,
      [r.hourFrom.toISOString(), r.minuteFrom?.toISOString() ?? null, r.minuteTo?.toISOString() ?? null],
    )) as { runner: string; count: number; busy_ms: number; last_at: Date }[];
    return rows.map((row) => ({ runner: row.runner, count: Number(row.count), busy_ms: Number(row.busy_ms), last_at: new Date(row.last_at) }));
  }

  /**
   * Deletes rows past their resolution's retention.
   * @returns number of rows deleted
   */
  async prune(now: Date): Promise<number> {
    const res = (await this.db.query(
      `DELETE FROM runner_stats WHERE (res = 'm' AND bucket < $1::timestamptz) OR (res = 'h' AND bucket < $2::timestamptz)`,
      [new Date(now.getTime() - MINUTE_ROWS_RETENTION_MS).toISOString(), new Date(now.getTime() - HOUR_ROWS_RETENTION_MS).toISOString()],
    )) as [unknown[], number];
    return res[1] ?? 0;
  }
}
