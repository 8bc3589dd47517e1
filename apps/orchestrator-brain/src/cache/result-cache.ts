import { createHash } from 'node:crypto';
import { CacheStatsReply, canonicalJson } from '@apiary/contracts';
import type { ResultCacheRepository } from '@apiary/persistence';

/**
 * Cache key of a task (docs/ai-work.md "Result cache"): SHA-256 (hex) of its type
 * and the canonical JSON of its data (keys sorted), so the same work asked with
 * its fields in another order hits the same entry; the data includes the model.
 * @param type task type
 * @param data task data
 */
export function cacheKeyOf(type: string, data: Record<string, unknown> | undefined): string {
  return createHash('sha256').update(type).update('\n').update(canonicalJson(data ?? {})).digest('hex');
}

/**
 * What a cache hit answers: the stored result with `cached: true` and `cost_usd: 0`
 * (no provider was called). A non-object result is wrapped as `{ value }`.
 * @param stored the result stored when the first task succeeded
 */
export function cachedResult(stored: unknown): Record<string, unknown> {
  const base = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : { value: stored };
  return { ...base, cached: true, cost_usd: 0 };
}

/** The brain's read side of the result cache (lookups at intake, `GET /cache/stats`). */
export class ResultCache {
  /** @param repo `result_cache` rows and counters */
  constructor(private readonly repo: Pick<ResultCacheRepository, 'lookup' | 'counters' | 'purge'>) {}

  /** @returns key → stored result, for keys with a live entry */
  lookup(keys: string[]): Promise<Map<string, unknown>> {
    return this.repo.lookup(keys);
  }

  /** @returns `{ hits, misses, entries }` */
  stats(): Promise<CacheStatsReply> {
    return this.repo.counters();
  }

  /** Deletes expired entries. @returns how many */
  purge(): Promise<number> {
    return this.repo.purge();
  }
}
