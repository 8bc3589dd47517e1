/**
 * The result cache (docs/ai-work.md "Result cache"): a task whose type's routing
 * policy sets `cache_ttl_s`, with the same canonical `data` as a task that
 * succeeded within the TTL, succeeds at submit with the stored result
 * (`cached: true`, `cost_usd: 0`) and calls no provider. Kept in PostgreSQL by the
 * brain, keyed by SHA-256 of the type and the canonical JSON of the data.
 */

/** Subject: cache counters. `{}` → {@link CacheStatsReply}. */
export const BRAIN_CACHE_STATS = 'apiary.brain.cache.stats';

/** Reply of {@link BRAIN_CACHE_STATS} (`GET /cache/stats`). */
export class CacheStatsReply {
  /** Tasks served from the cache since the counters began. */
  hits!: number;
  /** Cacheable tasks that found no entry (and ran). */
  misses!: number;
  /** Entries not yet expired. */
  entries!: number;
}

/**
 * Canonical JSON (RFC 8785 style for JSON data): object keys sorted, no
 * whitespace; arrays keep their order. Two values with the same content give the
 * same text whatever their key order.
 * @param value a JSON value
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
