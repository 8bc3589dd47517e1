/**
 * A per-key cache whose entries live `ttlMs`, with one load in flight per key:
 * concurrent callers of a key that is missing or stale share the same load. A
 * load that rejects is not cached (the next call loads again). Holds at most
 * `maxEntries` keys, dropping the least recently loaded first.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAt: number }>();
  private readonly inflight = new Map<string, Promise<V>>();

  /**
   * @param ttlMs how long a loaded value is served, ms (0: every call loads, but
   *   concurrent calls still share one load)
   * @param now clock, ms (injected for tests)
   * @param maxEntries most keys kept
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * @param key cache key
   * @param load produces the value when the key is missing or stale
   * @returns the fresh cached value, the in-flight load's, or a new load's
   */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.loadedAt < this.ttlMs) return Promise.resolve(entry.value);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const loading = (async () => {
      try {
        const value = await load();
        this.entries.delete(key);
        this.entries.set(key, { value, loadedAt: this.now() });
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, loading);
    return loading;
  }
}
