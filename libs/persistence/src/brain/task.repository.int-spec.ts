import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { NewTaskRow, TaskRepository } from './task.repository';

// Real PostgreSQL: a database of its own, migrated, dropped afterwards.
describe('TaskRepository (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: TaskRepository;

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

  function row(overrides: Partial<NewTaskRow> = {}): NewTaskRow {
    return {
      id: randomUUID(), type: 'noop', data: {}, priority: 'normal', score: 2, rank: 2, max_attempts: 3,
      idempotency_key: null, batch_id: null, fairness_key: 'tenant-a', trace_carrier: null,
      created_at: new Date().toISOString(), ...overrides,
    };
  }

  it('inserts a batch in one statement and records a submitted transition per task', async () => {
    const rows = Array.from({ length: 50 }, () => row());
    const inserted = await repo.insertMany(rows);
    expect(inserted.size).toBe(50);
    const [{ n }] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM task_transitions WHERE task_id = ANY($1::uuid[]) AND to_status = 'queued'`,
      [rows.map((r) => r.id)],
    );
    expect(Number(n)).toBe(50);
  });

  it('skips a live idempotency key per tenant, but not across tenants', async () => {
    const first = row({ idempotency_key: 'same' });
    expect((await repo.insertMany([first])).has(first.id)).toBe(true);
    const again = row({ idempotency_key: 'same' });
    expect((await repo.insertMany([again])).size).toBe(0);
    expect((await repo.findByIdempotencyKeys('tenant-a', ['same'], 86_400)).get('same')).toBe(first.id);
    const other = row({ idempotency_key: 'same', fairness_key: 'tenant-b' });
    expect((await repo.insertMany([other])).has(other.id)).toBe(true);
  });

  it('locks queued tasks highest rank first and skips rows another transaction holds', async () => {
    await ds.query(`UPDATE tasks SET status = 'succeeded'`);
    const low = row({ rank: 1 });
    const high = row({ rank: 10 });
    const mid = row({ rank: 5 });
    await repo.insertMany([low, high, mid]);
    await repo.transaction(async (tx1) => {
      const firstTwo = await tx1.lockQueued(2);
      expect(firstTwo.map((t) => t.id)).toEqual([high.id, mid.id]);
      // A concurrent claimer sees only what is not locked.
      const other = await repo.transaction((tx2) => tx2.lockQueued(10));
      expect(other.map((t) => t.id)).toEqual([low.id]);
    });
  });

  it('applies an update only while the task is in the expected state and attempt', async () => {
    const t = row();
    await repo.insertMany([t]);
    await repo.markDispatched([{ id: t.id, lane: 'noop', attempt: 1 }], 60_000);
    const stale = await repo.applyUpdates(
      [{ id: t.id, from_status: 'dispatched', to_status: 'succeeded', attempt: 2, reason: 'completed', result: { x: 1 } }],
      [{ task_id: t.id, from_status: 'dispatched', to_status: 'succeeded', attempt: 2, reason: 'completed' }],
    );
    expect(stale).toEqual([]);
    const applied = await repo.applyUpdates(
      [{ id: t.id, from_status: 'dispatched', to_status: 'succeeded', attempt: 1, reason: 'completed', result: { x: 1 }, finished_at: new Date().toISOString() }],
      [{ task_id: t.id, from_status: 'dispatched', to_status: 'succeeded', attempt: 1, reason: 'completed' }],
    );
    expect(applied).toEqual([t.id]);
    const view = await repo.findView(t.id);
    expect(view).toMatchObject({ status: 'succeeded', attempts: 1, result: { x: 1 } });
    const transitions = await db.query<{ to_status: string }>(
      `SELECT to_status FROM task_transitions WHERE task_id = $1 ORDER BY id`,
      [t.id],
    );
    expect(transitions.map((r) => r.to_status)).toEqual(['queued', 'dispatched', 'succeeded']);
  });
});
