import type { DataSource, EntityManager } from 'typeorm';

/** Counters of the result cache. */
export interface CacheCounters {
  hits: number;
  misses: number;
  entries: number;
}

/**
 * SQL of the result cache (docs/ai-work.md "Result cache"): `result_cache` rows keyed
 * by SHA-256 of the task type and canonical data, with an expiry; hit and miss
 * counters in `fleet_counters`. Entries are written by the task-update statement
 * when a cacheable task succeeds (see `TaskRepository.applyUpdates`).
 */
export class ResultCacheRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns key → stored result, for keys with an entry not yet expired */
  async lookup(keys: string[]): Promise<Map<string, unknown>> {
    if (keys.length === 0) return new Map();
    const rows = (await this.db.query(`SELECT key, result FROM result_cache WHERE key = ANY($1::text[]) AND expires_at > now()`, [
      [...new Set(keys)],
    ])) as { key: string; result: unknown }[];
    return new Map(rows.map((r) => [r.key, r.result]));
  }

  /** Adds to the hit and miss counters. */
  static async count(q: Pick<EntityManager, 'query'>, hits: number, misses: number): Promise<void> {
    if (hits === 0 && misses === 0) return;
    await q.query(
      `UPDATE fleet_counters SET value = value + CASE key WHEN 'cache.hits' THEN $1::bigint ELSE $2::bigint END
        WHERE key IN ('cache.hits', 'cache.misses')`,
      [hits, misses],
    );
  }

  /** @returns hits and misses since the counters began, entries not yet expired */
  async counters(): Promise<CacheCounters> {
    const [row] = (await this.db.query(
      `SELECT (SELECT value FROM fleet_counters WHERE key = 'cache.hits')::bigint AS hits,
              (SELECT value FROM fleet_counters WHERE key = 'cache.misses')::bigint AS misses,
              (SELECT count(*) FROM result_cache WHERE expires_at > now())::bigint AS entries`,
    )) as { hits: string; misses: string; entries: string }[];
    return { hits: Number(row?.hits ?? 0), misses: Number(row?.misses ?? 0), entries: Number(row?.entries ?? 0) };
  }

  /** Deletes expired entries. @returns how many */
  async purge(limit = 10_000): Promise<number> {
    const rows = (await this.db.query(
      `WITH d AS (DELETE FROM result_cache WHERE key IN (SELECT key FROM result_cache WHERE expires_at <= now() LIMIT $1) RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [limit],
    )) as { n: number }[];
    return rows[0]?.n ?? 0;
  }
}
