import { DataSource, EntityManager } from 'typeorm';
import { timeParser } from './stat-buckets';

/** Bucket width of `service_stats`, ms (one minute). */
export const SERVICE_STATS_BUCKET_MS = 60_000;

/**
 * One outcome to count: a result of a built-in handler, or one call of the `http`
 * handler to a routed service.
 */
export interface ServiceStatSample {
  task_type: string;
  /** Routed service, or the built-in handler's name. */
  service: string;
  success: boolean;
  /** Wall time, ms (non-finite or negative values count as 0). */
  latency_ms: number;
  /** When it finished, ISO-8601; decides the minute bucket. */
  at: string;
  /** Error code of a failure (`HTTP_503`, `HANDLER_ERROR`, ...); learned as an error pattern by `memory_stats`. */
  error_code?: string | null;
  /** Error message of a failure (normalised before it is counted). */
  error_message?: string | null;
  /** Price of the call, USD (priced `openai` models). */
  cost_usd?: number;
  /** Prompt + completion tokens of the call. */
  tokens?: number;
}

/** Sum of samples of one (task type, service, minute bucket): one upserted row. */
export interface ServiceStatDelta {
  task_type: string;
  service: string;
  /** Start of the minute, ISO-8601. */
  bucket: string;
  count: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  /** Latest `at` of the samples, ISO-8601. */
  last_at: string;
  /** Sum of the samples' cost, USD. */
  cost_usd_sum: number;
  /** Sum of the samples' tokens. */
  tokens_sum: number;
}

/** Statistics of one (task type, service) summed over a window. */
export interface ServiceStatTotals {
  task_type: string;
  service: string;
  count: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  last_at: Date;
  cost_usd_sum: number;
  tokens_sum: number;
}

/**
 * Sums samples per (task type, service, minute bucket), so a batch becomes one
 * row per key (an upsert may touch each row once). Samples with an unparsable
 * time are skipped. Rows come out in key order (`task_type`, `bucket`, `service`),
 * the lock order every writer uses.
 * @param samples outcomes of one batch
 */
export function aggregateServiceStats(samples: ServiceStatSample[]): ServiceStatDelta[] {
  // (task type, service) → minute bucket → delta: one string key per sample, no per-sample date formatting.
  const groups = new Map<string, Map<number, ServiceStatDelta & { lastMs: number }>>();
  const deltas: (ServiceStatDelta & { lastMs: number })[] = [];
  const parse = timeParser();
  for (const s of samples) {
    const atMs = parse(s.at);
    if (!Number.isFinite(atMs)) continue;
    const bucketMs = Math.floor(atMs / SERVICE_STATS_BUCKET_MS) * SERVICE_STATS_BUCKET_MS;
    const groupKey = s.task_type + '\u0000' + s.service;
    let group = groups.get(groupKey);
    if (!group) {
      group = new Map();
      groups.set(groupKey, group);
    }
    let d = group.get(bucketMs);
    if (!d) {
      d = {
        task_type: s.task_type, service: s.service, bucket: new Date(bucketMs).toISOString(), count: 0, successes: 0, failures: 0,
        latency_sum_ms: 0, last_at: '', lastMs: -Infinity, cost_usd_sum: 0, tokens_sum: 0,
      };
      group.set(bucketMs, d);
      deltas.push(d);
    }
    d.count += 1;
    if (s.success) d.successes += 1;
    else d.failures += 1;
    d.latency_sum_ms += Number.isFinite(s.latency_ms) && s.latency_ms > 0 ? s.latency_ms : 0;
    if (typeof s.cost_usd === 'number' && Number.isFinite(s.cost_usd) && s.cost_usd > 0) d.cost_usd_sum += s.cost_usd;
    if (typeof s.tokens === 'number' && Number.isFinite(s.tokens) && s.tokens > 0) d.tokens_sum += Math.round(s.tokens);
    if (atMs > d.lastMs) d.lastMs = atMs;
  }
  return deltas
    .map(({ lastMs, ...d }) => ({ ...d, last_at: new Date(lastMs).toISOString() }))
    .sort((a, b) => cmp(a.task_type, b.task_type) || cmp(a.bucket, b.bucket) || cmp(a.service, b.service));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SQL access to `service_stats` (memory). Writes are one multi-row upsert per
 * batch; reads sum minute buckets over a window.
 */
export class ServiceStatsRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Adds samples to their buckets: aggregated in memory, then one
   * `INSERT … ON CONFLICT DO UPDATE SET count = t.count + excluded.count …`.
   * @param q the transaction to run in (memory's result insert), or the data source
   * @param samples outcomes to count
   * @returns number of bucket rows written
   */
  static async add(q: Pick<EntityManager, 'query'>, samples: ServiceStatSample[]): Promise<number> {
    const deltas = aggregateServiceStats(samples);
    if (deltas.length === 0) return 0;
    await q.query(
      `INSERT INTO service_stats AS t (task_type, bucket, service, count, successes, failures, latency_sum_ms, last_at, cost_usd_sum, tokens_sum)
       SELECT task_type, bucket, service, count, successes, failures, latency_sum_ms, last_at, cost_usd_sum, tokens_sum
         FROM jsonb_to_recordset($1::jsonb) AS x(task_type text, bucket timestamptz, service text, count bigint,
              successes bigint, failures bigint, latency_sum_ms double precision, last_at timestamptz,
              cost_usd_sum double precision, tokens_sum bigint)
        ORDER BY task_type, bucket, service
       ON CONFLICT (task_type, bucket, service) DO UPDATE SET
         count = t.count + excluded.count,
         successes = t.successes + excluded.successes,
         failures = t.failures + excluded.failures,
         latency_sum_ms = t.latency_sum_ms + excluded.latency_sum_ms,
         last_at = greatest(t.last_at, excluded.last_at),
         cost_usd_sum = t.cost_usd_sum + excluded.cost_usd_sum,
         tokens_sum = t.tokens_sum + excluded.tokens_sum`,
      [JSON.stringify(deltas)],
    );
    return deltas.length;
  }

  /**
   * Sums the buckets from `since` (rounded down to its minute) on.
   * @param since start of the window
   * @param taskTypes only these task types (all when undefined)
   * @returns one row per (task type, service) with at least one result, ordered by both
   */
  async window(since: Date, taskTypes?: string[]): Promise<ServiceStatTotals[]> {
    const rows = (await this.db.query(
      `SELECT task_type, service, sum(count)::float8 AS count, sum(successes)::float8 AS successes,
              sum(failures)::float8 AS failures, sum(latency_sum_ms) AS latency_sum_ms, max(last_at) AS last_at,
              sum(cost_usd_sum) AS cost_usd_sum, sum(tokens_sum)::float8 AS tokens_sum
         FROM service_stats
        WHERE bucket >= date_trunc('minute', $1::timestamptz)
          AND ($2::text[] IS NULL OR task_type = ANY($2::text[]))
        GROUP BY task_type, service
        ORDER BY task_type, service`,
      [since.toISOString(), taskTypes ?? null],
    )) as {
      task_type: string; service: string; count: number; successes: number; failures: number; latency_sum_ms: number; last_at: Date;
      cost_usd_sum: number; tokens_sum: number;
    }[];
    return rows.map((r) => ({
      task_type: r.task_type,
      service: r.service,
      count: Number(r.count),
      successes: Number(r.successes),
      failures: Number(r.failures),
      latency_sum_ms: Number(r.latency_sum_ms),
      last_at: new Date(r.last_at),
      cost_usd_sum: Number(r.cost_usd_sum ?? 0),
      tokens_sum: Number(r.tokens_sum ?? 0),
    }));
  }

  /**
   * Deletes buckets that started before `before` (retention).
   * @returns number of bucket rows deleted
   */
  async prune(before: Date): Promise<number> {
    const res = (await this.db.query(`DELETE FROM service_stats WHERE bucket < $1::timestamptz`, [before.toISOString()])) as [unknown[], number];
    return res[1] ?? 0;
  }
}
