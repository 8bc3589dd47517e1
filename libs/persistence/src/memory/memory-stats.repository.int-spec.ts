import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { LatencyHistogram } from './latency-histogram';
import { MemoryContextRepository } from './memory-context.repository';
import { MemoryStatsRepository } from './memory-stats.repository';
import { RunnerStatsRepository } from './runner-stats.repository';
import { ServiceStatSample } from './service-stats.repository';
import { TaskResultRepository, TaskResultRow } from './task-result.repository';

// Real PostgreSQL, own database.
describe('memory long-term statistics, runner load and contexts (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let results: TaskResultRepository;
  let stats: MemoryStatsRepository;
  let runners: RunnerStatsRepository;
  let contexts: MemoryContextRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 8);
    await ds.initialize();
    results = new TaskResultRepository(ds);
    stats = new MemoryStatsRepository(ds);
    runners = new RunnerStatsRepository(ds);
    contexts = new MemoryContextRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const row = (type: string, finished_at: string, over: Partial<TaskResultRow> = {}): TaskResultRow => ({
    task_id: randomUUID(), attempt: 1, type, handler: 'noop', service: null, bot_id: null, swarm_id: null, context_id: null, success: true,
    error_code: null, error_message: null, latency_ms: 10, runner: 'spec', result: null, params: null, started_at: finished_at, finished_at,
    model: null, prompt_tokens: null, completion_tokens: null, cost_usd: null, cached: false, api_key: null,
    ...over,
  });
  const callsOf = (rows: TaskResultRow[]): ServiceStatSample[] =>
    rows.map((r) => ({ task_type: r.type, service: r.handler, success: r.success, latency_ms: r.latency_ms, at: r.finished_at, error_code: r.error_code }));

  it('merges histograms and error patterns exactly once per stored result, also when overlapping batches race', async () => {
    const at = new Date().toISOString();
    const rows = Array.from({ length: 400 }, (_, i) =>
      row('race', at, {
        latency_ms: 1 + i,
        success: i % 4 !== 0,
        runner: i % 2 === 0 ? 'r-even' : 'r-odd',
        ...(i % 4 === 0 ? { error_code: i % 8 === 0 ? 'HTTP_503' : 'HTTP_TIMEOUT', error_message: `failed after ${i} ms` } : {}),
      }),
    );
    // Overlapping batches from two "replicas" at once, then a full redelivery.
    const batches = [rows.slice(0, 150), rows.slice(100, 300).reverse(), rows.slice(250), rows.slice(50, 120)];
    const stored = await Promise.all(batches.map((b) => results.insertMany(b, callsOf)));
    expect(stored.reduce((a, b) => a + b, 0)).toBe(400);
    expect(await results.insertMany(rows, callsOf)).toBe(0);

    const now = new Date();
    const window = await stats.window({ since: new Date(now.getTime() - 3_600_000), now, taskTypes: ['race'], scope: 'type' });
    const merged = LatencyHistogram.empty();
    let count = 0;
    for (const r of window) {
      count += r.count;
      merged.merge(LatencyHistogram.decode(r.latency_hist));
    }
    // Minute rows before the first whole hour plus hour rows: each result exactly once.
    expect(count).toBe(400);
    expect(merged.count).toBe(400);
    const p50 = merged.quantileMs(50)!;
    expect(Math.abs(p50 - 200) / 200).toBeLessThanOrEqual(0.01);
    const errors = window.flatMap((r) => r.errors);
    const sum = (code: string) => errors.filter((e) => e.code === code).reduce((n, e) => n + e.count, 0);
    expect(sum('HTTP_503') + sum('HTTP_TIMEOUT')).toBe(100);
    expect(errors.every((e) => e.message === 'failed after # ms')).toBe(true);
    // Per service (here the handler) too, and per runner.
    const perService = await stats.window({ since: new Date(now.getTime() - 3_600_000), now, taskTypes: ['race'], scope: 'service' });
    expect(perService.reduce((n, r) => n + r.count, 0)).toBe(400);
    expect(new Set(perService.map((r) => r.service))).toEqual(new Set(['noop']));
    const load = await runners.window(new Date(now.getTime() - 3_600_000), now);
    expect(load.map((r) => [r.runner, r.count])).toEqual([['r-even', 200], ['r-odd', 200]]);
    expect(load.reduce((n, r) => n + r.busy_ms, 0)).toBe((400 * 401) / 2);
  });

  it('answers windows from hour rows plus the minute rows before the first whole hour, and prunes by resolution', async () => {
    const now = Date.now();
    const ago = (min: number) => new Date(now - min * 60_000).toISOString();
    await results.insertMany([row('aged', ago(0)), row('aged', ago(30)), row('aged', ago(150), { success: false })], callsOf);
    const count = async (minutes: number) =>
      (await stats.window({ since: new Date(now - minutes * 60_000), now: new Date(now), taskTypes: ['aged'], scope: 'type' })).reduce((n, r) => n + r.count, 0);
    expect(await count(60)).toBe(2);
    expect(await count(180)).toBe(3);
    // Minute rows go after 49 h, hour rows after 30 days + 1 h: nothing here is that old.
    expect(await stats.prune(new Date(now))).toBe(0);
    const later = new Date(now + 50 * 3_600_000);
    expect(await stats.prune(later)).toBeGreaterThan(0);
    expect(await db.query(`SELECT DISTINCT res FROM memory_stats WHERE task_type = 'aged'`)).toEqual([{ res: 'h' }]);
  });

  it('counts learned types and pairs with enough results', async () => {
    const at = new Date().toISOString();
    await results.insertMany(
      [...Array.from({ length: 12 }, () => row('learned.a', at, { handler: 'svc-1' })), ...Array.from({ length: 3 }, () => row('learned.a', at, { handler: 'svc-2' }))],
      callsOf,
    );
    const before = await stats.learned(new Date(Date.now() - 30 * 86_400_000), 10);
    await results.insertMany(Array.from({ length: 7 }, () => row('learned.a', at, { handler: 'svc-2' })), callsOf);
    const after = await stats.learned(new Date(Date.now() - 30 * 86_400_000), 10);
    expect(after.pairs - before.pairs).toBe(1);
    expect(after.types).toBe(before.types);
  });

  it('ranks relevant results: context first, then successful, then newest; bounded to the newest candidates', async () => {
    const t = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    const failedNewest = row('relevant', t(9), { success: false, error_code: 'X' });
    const okOld = row('relevant', t(1));
    const okNew = row('relevant', t(5), { result: { big: 'y'.repeat(20_000) } });
    const inContext = row('relevant', t(0), { success: false, context_id: 'ctx-1' });
    await results.insertMany([failedNewest, okOld, okNew, inContext], callsOf);
    const ids = (rs: { task_id: string }[]) => rs.map((r) => r.task_id);
    const base = { taskType: 'relevant', since: new Date(Date.now() - 3_600_000), limit: 10, candidates: 1000, maxResultBytes: 16_384 };
    const ranked = await results.relevant(base);
    expect(ids(ranked)).toEqual(ids([okNew, okOld, failedNewest, inContext]));
    expect(ranked[0]).toMatchObject({ result: null, result_truncated: true });
    expect(ids(await results.relevant({ ...base, contextId: 'ctx-1', limit: 2 }))).toEqual(ids([inContext, okNew]));
    // Only the 2 newest are candidates: the older successes are not considered.
    expect(ids(await results.relevant({ ...base, candidates: 2 }))).toEqual(ids([okNew, failedNewest]));
  });

  it('stores contexts with an expiry: put replaces, patch merges shallowly, expired is absent and purged', async () => {
    const first = await contexts.put('campaign_2024', { campaign_name: 'Q1 Launch', nested: { a: 1 } }, 60, 1000);
    expect(first).toMatchObject({ context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch', nested: { a: 1 } } });
    const patched = await contexts.patch('campaign_2024', { target_audience: 'tech_enthusiasts', nested: { b: 2 } }, undefined, 1000);
    expect(patched).toMatchObject({
      status: 'updated',
      context: { data: { campaign_name: 'Q1 Launch', target_audience: 'tech_enthusiasts', nested: { b: 2 } }, expires_at: first!.expires_at },
    });
    expect(await contexts.patch('campaign_2024', { filler: 'z'.repeat(2000) }, undefined, 1000)).toEqual({ status: 'too_large' });
    expect(await contexts.put('too-big', { filler: 'z'.repeat(2000) }, 60, 1000)).toBeUndefined();
    const replaced = await contexts.put('campaign_2024', { only: true }, 120, 1000);
    expect(replaced!.data).toEqual({ only: true });

    await contexts.put('short-lived', { x: 1 }, 1, 1000);
    await db.query(`UPDATE memory_contexts SET expires_at = now() - interval '1 second' WHERE context_id = 'short-lived'`);
    expect(await contexts.get('short-lived')).toBeUndefined();
    expect(await contexts.patch('short-lived', { y: 2 }, 60, 1000)).toEqual({ status: 'not_found' });
    const live = await contexts.countLive();
    expect(await contexts.purgeExpired()).toBe(1);
    expect(await contexts.countLive()).toBe(live);
    expect(await contexts.delete('campaign_2024')).toBe(true);
    expect(await contexts.delete('campaign_2024')).toBe(false);
  });
});
