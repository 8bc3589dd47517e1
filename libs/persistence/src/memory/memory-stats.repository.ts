import { DataSource, EntityManager } from 'typeorm';
import { ErrorPatternCount, ErrorPatternCounter, normaliseErrorMessage } from './error-patterns';
import { LatencyHistogram } from './latency-histogram';
import type { ServiceStatSample } from './service-stats.repository';
import {
  bucketRanges,
  BucketResolution,
  bucketStart,
  HOUR_ROWS_RETENTION_MS,
  MINUTE_ROWS_RETENTION_MS,
  timeParser,
} from './stat-buckets';

/** `service` of the rows that describe a whole task type (one sample per stored result). */
export const ALL_SERVICES = '*';
/** Error code counted for a failure that carried none. */
export const UNKNOWN_ERROR_CODE = 'UNKNOWN';

/**
 * Sum of one batch's samples for one `memory_stats` row: (task type, service,
 * resolution, bucket). The histogram and error patterns are merged in memory
 * first, so each row is written once per batch.
 */
export interface MemoryStatDelta {
  task_type: string;
  /** Routed service or handler; {@link ALL_SERVICES} for the task type as a whole. */
  service: string;
  res: BucketResolution;
  /** Start of the bucket, ISO-8601. */
  bucket: string;
  count: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  /** Latest sample time, ISO-8601. */
  last_at: string;
  hist: LatencyHistogram;
  errors: ErrorPatternCounter;
}

/** One stored `memory_stats` row, as a window read returns it. */
export interface MemoryStatRow {
  task_type: string;
  service: string;
  res: BucketResolution;
  bucket: Date;
  count: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  last_at: Date;
  /** {@link LatencyHistogram} encoding. */
  latency_hist: string;
  errors: ErrorPatternCount[];
}

/** What long-term memory holds, counted over hour rows (see {@link MemoryStatsRepository.learned}). */
export interface LearnedCounts {
  /** Task types with at least one result. */
  types: number;
  /** (task type, service) pairs with at least the minimum number of results. */
  pairs: number;
}

function keyOf(taskType: string, service: string, res: string, bucketMs: number): string {
  return `${taskType}\u0000${service}\u0000${res}\u0000${bucketMs}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sums samples per (task type, service, resolution, bucket): every sample counts in
 * its minute row and in its hour row. A sample older than the retention of a
 * resolution ({@link MINUTE_ROWS_RETENTION_MS}, {@link HOUR_ROWS_RETENTION_MS}) is
 * not counted at that resolution (pruning would delete the row anyway; counting it
 * would recreate a pruned row). Samples with an unparsable time are skipped; a
 * failure counts as error pattern (code or `UNKNOWN`, normalised message).
 * Rows come out in key order (task type, service, resolution, bucket): the lock
 * order of every writer.
 * @param samples outcomes of one batch
 * @param nowMs now, ms (retention cut-offs)
 */
export function aggregateMemoryStats(samples: ServiceStatSample[], nowMs: number): MemoryStatDelta[] {
  // (task type, service) → bucket → delta, minute and hour buckets in separate maps:
  // one string key per sample, no per-sample date formatting.
  type Acc = MemoryStatDelta & { lastMs: number };
  const groups = new Map<string, { m: Map<number, Acc>; h: Map<number, Acc> }>();
  const deltas: Acc[] = [];
  const cutoff = { m: nowMs - MINUTE_ROWS_RETENTION_MS, h: nowMs - HOUR_ROWS_RETENTION_MS };
  const parse = timeParser();
  for (const s of samples) {
    const atMs = parse(s.at);
    if (!Number.isFinite(atMs)) continue;
    const groupKey = s.task_type + '\u0000' + s.service;
    let group = groups.get(groupKey);
    if (!group) {
      group = { m: new Map(), h: new Map() };
      groups.set(groupKey, group);
    }
    const latency = Number.isFinite(s.latency_ms) && s.latency_ms > 0 ? s.latency_ms : 0;
    const message = s.success ? '' : normaliseErrorMessage(s.error_message);
    for (const res of ['m', 'h'] as const) {
      const bucketMs = bucketStart(atMs, res);
      if (bucketMs < cutoff[res]) continue;
      let d = group[res].get(bucketMs);
      if (!d) {
        d = {
          task_type: s.task_type, service: s.service, res, bucket: new Date(bucketMs).toISOString(), count: 0, successes: 0, failures: 0,
          latency_sum_ms: 0, last_at: '', lastMs: -Infinity, hist: LatencyHistogram.empty(), errors: new ErrorPatternCounter(),
        };
        group[res].set(bucketMs, d);
        deltas.push(d);
      }
      d.count += 1;
      d.latency_sum_ms += latency;
      d.hist.recordMs(latency);
      if (s.success) d.successes += 1;
      else {
        d.failures += 1;
        d.errors.add(s.error_code || UNKNOWN_ERROR_CODE, message);
      }
      if (atMs > d.lastMs) d.lastMs = atMs;
    }
  }
  return deltas
    .map(({ lastMs, ...d }) => ({ ...d, last_at: new Date(lastMs).toISOString() }))
    .sort((a, b) => cmp(a.task_type, b.task_type) || cmp(a.service, b.service) || cmp(a.res, b.res) || cmp(a.bucket, b.bucket));
}

/**
 * SQL access to `memory_stats`: memory's long-term statistics per task type (rows
 * with service {@link ALL_SERVICES}, one sample per result) and per (task type,
 * service) (one sample per routed call or handler run), in minute and hour buckets,
 * each with a latency HDR histogram and its top error patterns.
 *
 * Writes, one batch at a time, in the transaction that stores the batch's results
 * (read-modify-write under the row lock):
 * 1. one multi-row `INSERT … ON CONFLICT DO NOTHING` creates the rows the batch
 *    needs that do not exist yet (empty, locked by the insert until commit);
 * 2. one `SELECT … ORDER BY key FOR UPDATE` locks every row of the batch in key
 *    order and reads its histogram and error patterns (a concurrent replica's
 *    transaction waits here, then reads what this one wrote);
 * 3. the histograms and error patterns are merged in memory with the batch's
 *    (decode, add, encode: ~0.2 ms a row) and one multi-row `UPDATE` writes them
 *    with the added counts: one new row version per row and batch.
 * A batch touches a handful of rows (task types × services × 2 resolutions, not
 * results), so the cost per result is a few microseconds at any rate: at 10,000
 * results/s in batches of ~2,000 (memory gathers 200 ms) that is five batches of
 * three statements per second.
 * Append-only partial rows merged at read time were rejected: reads would decode
 * one histogram per batch instead of one per bucket.
 */
export class MemoryStatsRepository {
  /**
   * @param db connected data source
   */
  constructor(private readonly db: DataSource) {}

  /**
   * Adds samples to their minute and hour rows (see the class comment).
   * @param q the transaction to run in (memory's result insert)
   * @param samples outcomes to count (per result with service {@link ALL_SERVICES}, per call otherwise)
   * @param nowMs now, ms (retention cut-offs)
   * @returns number of rows written
   */
  static async add(q: Pick<EntityManager, 'query'>, samples: ServiceStatSample[], nowMs: number): Promise<number> {
    const deltas = aggregateMemoryStats(samples, nowMs);
    if (deltas.length === 0) return 0;
    const keys = JSON.stringify(deltas.map((d) => ({ task_type: d.task_type, service: d.service, res: d.res, bucket: d.bucket })));
    // Step 1: missing rows created empty (locked by this insert until commit).
    await q.query(
      `INSERT INTO memory_stats (task_type, service, res, bucket, count, successes, failures, latency_sum_ms, last_at, latency_hist, errors)
       SELECT task_type, service, res, bucket, 0, 0, 0, 0, bucket, '', '[]'::jsonb
         FROM jsonb_to_recordset($1::jsonb) AS x(task_type text, service text, res text, bucket timestamptz)
        ORDER BY task_type, service, res, bucket
       ON CONFLICT (task_type, service, res, bucket) DO NOTHING`,
      [keys],
    );
    // Step 2: every row locked in key order and read.
    const stored = (await q.query(
      `SELECT t.task_type, t.service, t.res, t.bucket, t.latency_hist, t.errors
         FROM memory_stats t
         JOIN jsonb_to_recordset($1::jsonb) AS x(task_type text, service text, res text, bucket timestamptz)
           ON t.task_type = x.task_type AND t.service = x.service AND t.res = x.res AND t.bucket = x.bucket
        ORDER BY t.task_type, t.service, t.res, t.bucket
        FOR UPDATE OF t`,
      [keys],
    )) as { task_type: string; service: string; res: string; bucket: Date; latency_hist: string; errors: unknown }[];
    // Step 3: merged in memory and written back once, counts added.
    const byKey = new Map(deltas.map((d) => [keyOf(d.task_type, d.service, d.res, Date.parse(d.bucket)), d]));
    const merged: (Omit<MemoryStatDelta, 'hist' | 'errors'> & { latency_hist: string; errors: ErrorPatternCount[] })[] = [];
    for (const row of stored) {
      const d = byKey.get(keyOf(row.task_type, row.service, row.res, new Date(row.bucket).getTime()));
      if (!d) continue;
      const hist = decodeOrEmpty(row.latency_hist);
      hist.merge(d.hist);
      const errors = new ErrorPatternCounter();
      errors.addAll(row.errors);
      errors.addAll(d.errors.top(Number.MAX_SAFE_INTEGER));
      merged.push({
        task_type: d.task_type, service: d.service, res: d.res, bucket: d.bucket, count: d.count, successes: d.successes, failures: d.failures,
        latency_sum_ms: d.latency_sum_ms, last_at: d.last_at, latency_hist: hist.encode(), errors: errors.top(),
      });
    }
    await q.query(
      `UPDATE memory_stats AS t SET
         count = t.count + x.count,
         successes = t.successes + x.successes,
         failures = t.failures + x.failures,
         latency_sum_ms = t.latency_sum_ms + x.latency_sum_ms,
         last_at = CASE WHEN t.count = 0 THEN x.last_at ELSE greatest(t.last_at, x.last_at) END,
         latency_hist = x.latency_hist,
         errors = x.errors
         FROM jsonb_to_recordset($1::jsonb) AS x(task_type text, service text, res text, bucket timestamptz, count bigint, successes bigint,
              failures bigint, latency_sum_ms double precision, last_at timestamptz, latency_hist text, errors jsonb)
        WHERE t.task_type = x.task_type AND t.service = x.service AND t.res = x.res AND t.bucket = x.bucket`,
      [JSON.stringify(merged)],
    );
    return deltas.length;
  }

  /**
   * Rows of a window ({@link bucketRanges}: hour rows, plus minute rows before the
   * first whole hour).
   * @param opts `since`/`now` bound the window; `taskTypes` (all when undefined);
   *   `scope` `type` = rows of whole task types, `service` = rows per service
   * @returns the rows, in no particular order
   */
  async window(opts: { since: Date; now: Date; taskTypes?: string[]; scope: 'type' | 'service' }): Promise<MemoryStatRow[]> {
    const r = bucketRanges(opts.since.getTime(), opts.now.getTime());
    const rows = (await this.db.query(
      `SELECT task_type, service, res, bucket, count::float8 AS count, successes::float8 AS successes, failures::float8 AS failures,
              latency_sum_ms, last_at, latency_hist, errors
         FROM memory_stats
        WHERE ($1::text[] IS NULL OR task_type = ANY($1::text[]))
          AND ${opts.scope === 'type' ? 'service = $5' : 'service <> $5'}
          AND ((res = 'h' AND bucket >= $2::timestamptz)
               OR (res = 'm' AND bucket >= $3::timestamptz AND bucket < $4::timestamptz))`,
      [opts.taskTypes ?? null, r.hourFrom.toISOString(), r.minuteFrom?.toISOString() ?? null, r.minuteTo?.toISOString() ?? null, ALL_SERVICES],
    )) as (Omit<MemoryStatRow, 'count' | 'successes' | 'failures'> & { count: number | string; successes: number | string; failures: number | string })[];
    return rows.map((row) => ({
      ...row,
      bucket: new Date(row.bucket),
      last_at: new Date(row.last_at),
      count: Number(row.count),
      successes: Number(row.successes),
      failures: Number(row.failures),
      latency_sum_ms: Number(row.latency_sum_ms),
      errors: Array.isArray(row.errors) ? row.errors : [],
    }));
  }

  /**
   * Counts what long-term memory holds, from the hour rows since `since` (one row
   * per key and hour: cheap whatever the result rate).
   * @param since start of long-term memory (rounded down to its hour)
   * @param minResults results a (task type, service) pair needs to count
   */
  async learned(since: Date, minResults: number): Promise<LearnedCounts> {
    const [row] = (await this.db.query(
      `SELECT (SELECT count(DISTINCT task_type) FROM memory_stats
                WHERE res = 'h' AND bucket >= date_trunc('hour', $1::timestamptz) AND service = $3 AND count > 0)::int AS types,
              (SELECT count(*) FROM (SELECT 1 FROM memory_stats
                WHERE res = 'h' AND bucket >= date_trunc('hour', $1::timestamptz) AND service <> $3
                GROUP BY task_type, service HAVING sum(count) >= $2) p)::int AS pairs`,
      [since.toISOString(), minResults, ALL_SERVICES],
    )) as { types: number; pairs: number }[];
    return { types: Number(row?.types ?? 0), pairs: Number(row?.pairs ?? 0) };
  }

  /**
   * Deletes minute rows older than {@link MINUTE_ROWS_RETENTION_MS} and hour rows
   * older than {@link HOUR_ROWS_RETENTION_MS}.
   * @param now now
   * @returns number of rows deleted
   */
  async prune(now: Date): Promise<number> {
    const res = (await this.db.query(
      `DELETE FROM memory_stats
        WHERE (res = 'm' AND bucket < $1::timestamptz) OR (res = 'h' AND bucket < $2::timestamptz)`,
      [new Date(now.getTime() - MINUTE_ROWS_RETENTION_MS).toISOString(), new Date(now.getTime() - HOUR_ROWS_RETENTION_MS).toISOString()],
    )) as [unknown[], number];
    return res[1] ?? 0;
  }
}

/** Decodes a stored histogram; an unreadable one (never written by this code) restarts empty. */
function decodeOrEmpty(encoded: string | null): LatencyHistogram {
  if (!encoded) return LatencyHistogram.empty();
  try {
    return LatencyHistogram.decode(encoded);
  } catch {
    return LatencyHistogram.empty();
  }
}
