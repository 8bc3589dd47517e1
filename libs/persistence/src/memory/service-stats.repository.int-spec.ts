import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { ServiceStatSample, ServiceStatsRepository } from './service-stats.repository';
import { TaskResultRepository, TaskResultRow } from './task-result.repository';

// Real PostgreSQL, own database.
describe('service statistics (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let results: TaskResultRepository;
  let stats: ServiceStatsRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 8);
    await ds.initialize();
    results = new TaskResultRepository(ds);
    stats = new ServiceStatsRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const row = (type: string, finished_at: string, success = true): TaskResultRow => ({
    task_id: randomUUID(), attempt: 1, type, handler: 'noop', service: null, bot_id: null, swarm_id: null, context_id: null, success,
    error_code: null, error_message: null, latency_ms: 10, runner: 'spec', result: null, params: null, started_at: finished_at, finished_at,
    model: null, prompt_tokens: null, completion_tokens: null, cost_usd: null, cached: false, api_key: null,
  });
  const samplesOf = (rows: TaskResultRow[]): ServiceStatSample[] =>
    rows.map((r) => ({ task_type: r.type, service: r.handler, success: r.success, latency_ms: r.latency_ms, at: r.finished_at }));

  it('counts only newly stored results, also when overlapping batches race', async () => {
    const at = new Date().toISOString();
    const rows = Array.from({ length: 200 }, (_, i) => row('race', at, i % 4 !== 0));
    const first = rows.slice(0, 150);
    const second = [...rows.slice(50)].reverse();
    const [a, b] = await Promise.all([results.insertMany(first, samplesOf), results.insertMany(second, samplesOf)]);
    expect(a + b).toBe(200);
    expect(await results.insertMany(rows, samplesOf)).toBe(0);
    const [total] = await stats.window(new Date(Date.now() - 3_600_000), ['race']);
    expect(total).toMatchObject({ service: 'noop', count: 200, successes: 150, failures: 50, latency_sum_ms: 2000 });
  });

  it('sums buckets from the window start on and prunes old buckets', async () => {
    const now = Date.now();
    const ago = (min: number) => new Date(now - min * 60_000).toISOString();
    await results.insertMany([row('aged', ago(0)), row('aged', ago(30)), row('aged', ago(90), false)], samplesOf);
    expect((await stats.window(new Date(now - 60 * 60_000), ['aged']))[0]).toMatchObject({ count: 2, failures: 0 });
    expect((await stats.window(new Date(now - 120 * 60_000), ['aged']))[0]).toMatchObject({ count: 3, failures: 1 });
    expect(await stats.prune(new Date(now - 60 * 60_000))).toBe(1);
    expect((await stats.window(new Date(now - 120 * 60_000), ['aged']))[0]).toMatchObject({ count: 2 });
  });
});
