import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { laneOf, PriorityLevel, TypeRoute, workSubject } from '@apiary/contracts';
import { createDataSource, migrateDatabase, NewTaskRow, TaskRepository } from '@apiary/persistence';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { PriorityPolicy } from '../priority/priority.service';
import { TaskWriter } from '../tasks/task-writer';
import { Dispatcher } from './dispatcher';
import { LaneResolver } from './lane-resolver';

// Real PostgreSQL (own database); JetStream replaced by a recorder of publish
// order, since the order of publishing is what this spec is about.
describe('dispatch order (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: TaskRepository;
  const lanes: LaneResolver = {
    resolve: async (types) => ({
      routes: new Map<string, TypeRoute>(types.map((t) => [t, { task_type: t, lane: laneOf(t), subject: workSubject(laneOf(t)), handler: t, kind: 'builtin' as const }])),
      unknown: [],
      disabled: [],
    }),
  };

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    repo = new TaskRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    await ds.query(`UPDATE tasks SET status = 'succeeded'`);
  });

  function row(type: string, priority: PriorityLevel, policy: PriorityPolicy): NewTaskRow {
    const score = policy.score(priority, type);
    return {
      id: randomUUID(), type, data: { priority }, priority, score, rank: score, max_attempts: 3, idempotency_key: null,
      batch_id: null, fairness_key: null, trace_carrier: null, created_at: new Date().toISOString(),
    };
  }

  async function publishOrder(window: number): Promise<string[]> {
    const order: string[] = [];
    const js = { publish: async (_subject: string, data: Uint8Array) => { order.push(JSON.parse(Buffer.from(data).toString()).data.priority); return {} as never; } };
    const dispatcher = new Dispatcher(repo, lanes, js, { window, batch: window, intervalMs: 10, leaseMs: 60_000 }, pino({ level: 'silent' }));
    while ((await dispatcher.round()) > 0) {
      await ds.query(`UPDATE tasks SET status = 'succeeded' WHERE status = 'dispatched'`); // free the window
    }
    return order;
  }

  it('publishes higher scores first, one window at a time', async () => {
    const policy = new PriorityPolicy({ agingPerMinute: 0 });
    const writer = new TaskWriter(repo, policy, { idempotencyTtlS: 86_400, fairShareS: 0 });
    for (const p of ['low', 'normal', 'critical', 'high', 'low', 'critical'] as PriorityLevel[]) {
      await writer.write([row('noop', p, policy)], 'tenant');
    }
    expect(await publishOrder(1)).toEqual(['critical', 'critical', 'high', 'normal', 'low', 'low']);
  });

  it('ages a long-waiting low task past a fresh critical one, and not a recent one', async () => {
    const policy = new PriorityPolicy({ agingPerMinute: 0.5 });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const writer = new TaskWriter(repo, policy, { idempotencyTtlS: 86_400, fairShareS: 0 }, () => now);
    await writer.write([row('noop', 'low', policy)], 'aging');
    now += 7 * 60_000; // 7 minutes later: low has gained 3.5 points → 4.5 > 4
    await writer.write([row('noop', 'critical', policy)], 'aging');
    now += 60_000; // a fresh low does not jump the queue
    await writer.write([row('noop', 'low', policy)], 'aging');
    expect(await publishOrder(1)).toEqual(['low', 'critical', 'low']);
  });

  it('interleaves a tenant behind another tenant\'s big batch (fair share)', async () => {
    const policy = new PriorityPolicy({ agingPerMinute: 0.5 });
    const now = Date.parse('2026-02-01T00:00:00Z');
    const writer = new TaskWriter(repo, policy, { idempotencyTtlS: 86_400, fairShareS: 0.001 }, () => now);
    await writer.write(Array.from({ length: 200 }, () => row('noop', 'normal', policy)), 'big');
    const single = row('noop', 'normal', policy);
    single.data = { priority: 'single' };
    await writer.write([single], 'small');
    const order = await publishOrder(10);
    expect(order.indexOf('single')).toBeLessThan(10);
  });
});
