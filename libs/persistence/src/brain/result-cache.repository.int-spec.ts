// Proves the result cache on real PostgreSQL: a cacheable task's success writes its entry in applyUpdates (one key
// twice in a batch is fine), lookup skips expired entries, the counters, and insertMany of a cache hit.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { ResultCacheRepository } from './result-cache.repository';
import { NewTaskRow, TaskRepository, TaskUpdate, TransitionRow } from './task.repository';

describe('ResultCacheRepository and the cache writes of TaskRepository (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let tasks: TaskRepository;
  let cache: ResultCacheRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    tasks = new TaskRepository(ds);
    cache = new ResultCacheRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  function row(overrides: Partial<NewTaskRow> = {}): NewTaskRow {
    return {
      id: randomUUID(), type: 'llm.chat', data: { prompt: 'hi' }, priority: 'normal', score: 2, rank: 2, max_attempts: 3,
      idempotency_key: null, batch_id: null, fairness_key: 'tenant-a', trace_carrier: null, created_at: new Date().toISOString(), ...overrides,
    };
  }

  const key = () => `k-${randomUUID()}`;

  /** Inserts the tasks, dispatches them (attempt 1) and applies `to` with `result` to each, as the lifecycle does. */
  async function finish(rows: NewTaskRow[], to: 'succeeded' | 'failed', result: (r: NewTaskRow) => unknown, attempt = 1): Promise<string[]> {
    await tasks.insertMany(rows);
    await tasks.markDispatched(rows.map((r) => ({ id: r.id, lane: 'llm', attempt: 1 })), 60_000);
    const updates: TaskUpdate[] = rows.map((r) => ({
      id: r.id, from_status: 'dispatched', to_status: to, attempt, reason: 'completed', finished_at: new Date().toISOString(),
      ...(to === 'succeeded' ? { result: result(r), error: null } : { error: { code: 'HTTP_400', message: 'bad', retryable: false } }),
    }));
    const transitions: TransitionRow[] = rows.map((r) => ({ task_id: r.id, from_status: 'dispatched', to_status: to, attempt, reason: 'completed' }));
    return tasks.applyUpdates(updates, transitions);
  }

  const entry = async (k: string) =>
    (await db.query<{ key: string; task_type: string; result: unknown; ttl_s: number }>(
      `SELECT key, task_type, result, extract(epoch FROM expires_at - created_at)::float AS ttl_s FROM result_cache WHERE key = $1`,
      [k],
    ))[0];

  it('a cacheable task that succeeds writes its entry with its TTL; lookup answers it', async () => {
    const k = key();
    const t = row({ cache_key: k, cache_ttl_s: 600 });
    expect(await finish([t], 'succeeded', () => ({ text: 'hello', cost_usd: 0.001 }))).toEqual([t.id]);
    const e = await entry(k);
    expect(e).toMatchObject({ key: k, task_type: 'llm.chat', result: { text: 'hello', cost_usd: 0.001 } });
    expect(e.ttl_s).toBeCloseTo(600, 0);
    expect(await cache.lookup([k, 'k-none', k])).toEqual(new Map([[k, { text: 'hello', cost_usd: 0.001 }]]));
  });

  it('two tasks with one key succeeding in one batch write one entry without an error', async () => {
    const k = key();
    const a = row({ cache_key: k, cache_ttl_s: 60 });
    const b = row({ cache_key: k, cache_ttl_s: 60 });
    const applied = await finish([a, b], 'succeeded', (r) => ({ text: r.id === a.id ? 'from a' : 'from b' }));
    expect(applied.sort()).toEqual([a.id, b.id].sort());
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM result_cache WHERE key = $1`, [k]);
    expect(Number(n)).toBe(1);
    expect(['from a', 'from b']).toContain(((await entry(k)).result as { text: string }).text);
  });

  it('a later success of the same key replaces the entry and its expiry', async () => {
    const k = key();
    await finish([row({ cache_key: k, cache_ttl_s: 60 })], 'succeeded', () => ({ text: 'old' }));
    await finish([row({ cache_key: k, cache_ttl_s: 3600 })], 'succeeded', () => ({ text: 'new' }));
    const e = await entry(k);
    expect(e.result).toEqual({ text: 'new' });
    expect(e.ttl_s).toBeCloseTo(3600, 0);
  });

  it('writes nothing for a failure, a zero TTL, no key, or an update of a superseded attempt', async () => {
    const keys = [key(), key(), key()];
    await finish([row({ cache_key: keys[0], cache_ttl_s: 60 })], 'failed', () => null);
    await finish([row({ cache_key: keys[1], cache_ttl_s: 0 })], 'succeeded', () => ({ text: 'x' }));
    const before = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM result_cache`))[0].n);
    await finish([row({ cache_key: null, cache_ttl_s: 60 })], 'succeeded', () => ({ text: 'x' }));
    expect(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM result_cache`))[0].n)).toBe(before);
    expect(await finish([row({ cache_key: keys[2], cache_ttl_s: 60 })], 'succeeded', () => ({ text: 'late' }), 2)).toEqual([]);
    expect(await cache.lookup(keys)).toEqual(new Map());
  });

  it('lookup and the entry count ignore expired entries; purge deletes them', async () => {
    const live = key();
    const expired = key();
    await db.query(
      `INSERT INTO result_cache (key, task_type, result, expires_at) VALUES ($1, 'llm.chat', '{"v":1}', now() + interval '1 hour'), ($2, 'llm.chat', '{"v":2}', now() - interval '1 second')`,
      [live, expired],
    );
    expect(await cache.lookup([live, expired])).toEqual(new Map([[live, { v: 1 }]]));
    const { entries } = await cache.counters();
    const [{ all }] = await db.query<{ all: string }>(`SELECT count(*) AS all FROM result_cache`);
    expect(entries).toBe(Number(all) - 1);
    expect(await cache.purge()).toBe(1);
    expect(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM result_cache WHERE key = $1`, [expired]))[0].n)).toBe(0);
    expect(await cache.lookup([])).toEqual(new Map());
  });

  it('count adds hits and misses to the counters, in the caller\'s transaction', async () => {
    const before = await cache.counters();
    await ResultCacheRepository.count(ds, 2, 3);
    await ResultCacheRepository.count(ds, 0, 0);
    await ds.transaction((em) => ResultCacheRepository.count(em, 0, 4));
    await expect(
      ds.transaction(async (em) => {
        await ResultCacheRepository.count(em, 100, 100);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const after = await cache.counters();
    expect({ hits: after.hits - before.hits, misses: after.misses - before.misses }).toEqual({ hits: 2, misses: 7 });
  });

  it('insertMany writes a cache hit succeeded with the stored result and a cache_hit transition; it is never claimed', async () => {
    const batch = randomUUID();
    const hit = row({ batch_id: batch, cache_key: key(), cache_ttl_s: 60, cached_result: { text: 'cached', cached: true, cost_usd: 0 } });
    const miss = row({ batch_id: batch, cache_key: key(), cache_ttl_s: 60 });
    expect(await tasks.insertMany([hit, miss])).toEqual(new Set([hit.id, miss.id]));
    const rows = await db.query<{ id: string; status: string; result: unknown; started_at: Date | null; finished_at: Date | null; cache_key: string }>(
      `SELECT id, status, result, started_at, finished_at, cache_key FROM tasks WHERE id = ANY($1::uuid[])`,
      [[hit.id, miss.id]],
    );
    const by = new Map(rows.map((r) => [r.id, r]));
    expect(by.get(hit.id)).toMatchObject({ status: 'succeeded', result: { text: 'cached', cached: true, cost_usd: 0 }, cache_key: hit.cache_key });
    expect(by.get(hit.id)!.started_at).toBeInstanceOf(Date);
    expect(by.get(hit.id)!.finished_at).toBeInstanceOf(Date);
    expect(by.get(miss.id)).toMatchObject({ status: 'queued', result: null, started_at: null, finished_at: null });
    const transitions = await db.query<{ task_id: string; from_status: string | null; to_status: string; attempt: number; reason: string }>(
      `SELECT task_id, from_status, to_status, attempt, reason FROM task_transitions WHERE task_id = ANY($1::uuid[])`,
      [[hit.id, miss.id]],
    );
    expect(transitions).toEqual(
      expect.arrayContaining([
        { task_id: hit.id, from_status: null, to_status: 'succeeded', attempt: 0, reason: 'cache_hit' },
        { task_id: miss.id, from_status: null, to_status: 'queued', attempt: 0, reason: 'submitted' },
      ]),
    );
    expect(transitions).toHaveLength(2);
    const [counters] = await db.query<{ total: string; queued: string; succeeded: string }>(`SELECT total, queued, succeeded FROM batch_counters WHERE batch_id = $1`, [batch]);
    expect([counters.total, counters.queued, counters.succeeded].map(Number)).toEqual([2, 1, 1]);
    const claimed = await tasks.transaction((tx) => tx.lockQueued(10_000));
    expect(claimed.map((c) => c.id)).not.toContain(hit.id);
    expect(claimed.map((c) => c.id)).toContain(miss.id);
  });
});
