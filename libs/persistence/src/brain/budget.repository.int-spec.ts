// Proves budgets on real PostgreSQL: addSpend accumulates per batch and swarm scope and returns the spent ones;
// cancelNotStarted cancels queued/retrying/dispatched tasks of a scope (BUDGET_EXCEEDED), not running or finished ones.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { BudgetRepository } from './budget.repository';
import { NewTaskRow, TaskRepository } from './task.repository';

describe('BudgetRepository (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let tasks: TaskRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    tasks = new TaskRepository(ds);
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

  const spent = async (scope: string) => (await BudgetRepository.get(ds, [scope]))[0];

  it('adds each completion\'s cost to its batch and swarm budgets and returns the scopes whose limit is reached', async () => {
    const batch = randomUUID();
    const swarm = randomUUID();
    const t1 = row({ batch_id: batch, swarm_id: swarm });
    const t2 = row({ batch_id: batch });
    const t3 = row({ swarm_id: swarm });
    const t4 = row({ batch_id: randomUUID() }); // a batch without a budget
    await tasks.insertMany([t1, t2, t3, t4]);
    await BudgetRepository.upsert(ds, `batch:${batch}`, 1);
    await BudgetRepository.upsert(ds, `swarm:${swarm}`, 0.5);

    expect(await BudgetRepository.addSpend(ds, [
      { task_id: t1.id, cost_usd: 0.2 }, { task_id: t2.id, cost_usd: 0.1 }, { task_id: t3.id, cost_usd: 0.25 }, { task_id: t4.id, cost_usd: 9 },
    ])).toEqual([]);
    expect(await spent(`batch:${batch}`)).toMatchObject({ max_cost_usd: 1, exceeded_at: null });
    expect((await spent(`batch:${batch}`)).spent_usd).toBeCloseTo(0.3, 12);
    expect((await spent(`swarm:${swarm}`)).spent_usd).toBeCloseTo(0.45, 12);

    // reaching the limit exactly spends it
    expect(await BudgetRepository.addSpend(ds, [{ task_id: t3.id, cost_usd: 0.05 }])).toEqual([`swarm:${swarm}`]);
    const swarmBudget = await spent(`swarm:${swarm}`);
    expect(swarmBudget.spent_usd).toBeCloseTo(0.5, 12);
    expect(swarmBudget.exceeded_at).toBeInstanceOf(Date);
    // only the scopes this call touches are answered; one already spent stays spent, its time kept
    expect(await BudgetRepository.addSpend(ds, [{ task_id: t2.id, cost_usd: 0.01 }])).toEqual([]);
    expect(await BudgetRepository.addSpend(ds, [{ task_id: t1.id, cost_usd: 0.01 }])).toEqual([`swarm:${swarm}`]);
    expect((await spent(`swarm:${swarm}`)).exceeded_at).toEqual(swarmBudget.exceeded_at);
    expect((await spent(`batch:${batch}`)).spent_usd).toBeCloseTo(0.32, 12);
    // free completions change nothing and ask nothing
    expect(await BudgetRepository.addSpend(ds, [{ task_id: t1.id, cost_usd: 0 }])).toEqual([]);
    expect((await spent(`batch:${batch}`)).spent_usd).toBeCloseTo(0.32, 12);
    expect(await BudgetRepository.get(ds, [`batch:${t4.batch_id}`])).toEqual([]);
  });

  it('sums several completions of one scope in one call and returns scopes in key order', async () => {
    const b1 = randomUUID();
    const b2 = randomUUID();
    const rows = [row({ batch_id: b1 }), row({ batch_id: b1 }), row({ batch_id: b2 })];
    await tasks.insertMany(rows);
    await BudgetRepository.upsert(ds, `batch:${b1}`, 0.3);
    await BudgetRepository.upsert(ds, `batch:${b2}`, 0.1);
    const out = await BudgetRepository.addSpend(ds, rows.map((r) => ({ task_id: r.id, cost_usd: 0.2 })));
    expect(out).toEqual([`batch:${b1}`, `batch:${b2}`].sort());
    expect((await spent(`batch:${b1}`)).spent_usd).toBeCloseTo(0.4, 12);
  });

  it('upsert replaces the limit: a limit at or under the spend marks it spent, a higher one lifts that', async () => {
    const batch = randomUUID();
    const t = row({ batch_id: batch });
    await tasks.insertMany([t]);
    await BudgetRepository.upsert(ds, `batch:${batch}`, 1);
    await BudgetRepository.addSpend(ds, [{ task_id: t.id, cost_usd: 0.6 }]);
    await BudgetRepository.upsert(ds, `batch:${batch}`, 0.5);
    expect((await spent(`batch:${batch}`)).exceeded_at).toBeInstanceOf(Date);
    await BudgetRepository.upsert(ds, `batch:${batch}`, 2);
    expect(await spent(`batch:${batch}`)).toMatchObject({ max_cost_usd: 2, exceeded_at: null });
  });

  it('runs inside the caller\'s transaction: a rollback leaves the spend as it was', async () => {
    const batch = randomUUID();
    const t = row({ batch_id: batch });
    await tasks.insertMany([t]);
    await BudgetRepository.upsert(ds, `batch:${batch}`, 1);
    await expect(
      ds.transaction(async (em) => {
        await BudgetRepository.addSpend(em, [{ task_id: t.id, cost_usd: 0.7 }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await spent(`batch:${batch}`)).spent_usd).toBe(0);
  });

  it('cancelNotStarted cancels the scope\'s queued, retrying and dispatched tasks with BUDGET_EXCEEDED; running and finished ones stay', async () => {
    const batch = randomUUID();
    const other = randomUUID();
    const [queued, retrying, dispatched, running, succeeded, elsewhere] = [0, 1, 2, 3, 4, 5].map((i) => row({ batch_id: i === 5 ? other : batch }));
    await tasks.insertMany([queued, retrying, dispatched, running, succeeded, elsewhere]);
    // move them through the lifecycle the way the brain does, so every step is a recorded transition
    await tasks.markDispatched([retrying, dispatched, running, succeeded].map((t) => ({ id: t.id, lane: 'llm', attempt: 1 })), 60_000);
    const tr = (id: string, from: 'dispatched' | 'running', to: 'running' | 'retrying' | 'succeeded') => ({ task_id: id, from_status: from, to_status: to, attempt: 1, reason: 'test' });
    await tasks.applyUpdates(
      [
        { id: retrying.id, from_status: 'dispatched', to_status: 'retrying', attempt: 1, reason: 'retry_scheduled', not_before: new Date(Date.now() + 60_000).toISOString() },
        { id: running.id, from_status: 'dispatched', to_status: 'running', attempt: 1, reason: 'started', lease_expires_at: new Date(Date.now() + 60_000).toISOString() },
        { id: succeeded.id, from_status: 'dispatched', to_status: 'succeeded', attempt: 1, reason: 'completed', result: { text: 'x' }, finished_at: new Date().toISOString() },
      ],
      [tr(retrying.id, 'dispatched', 'retrying'), tr(running.id, 'dispatched', 'running'), tr(succeeded.id, 'dispatched', 'succeeded')],
    );

    const cancelled = await BudgetRepository.cancelNotStarted(ds, [`batch:${batch}`]);
    expect(cancelled.map((c) => [c.id, c.from_status, c.attempts]).sort()).toEqual(
      [[queued.id, 'queued', 0], [retrying.id, 'retrying', 1], [dispatched.id, 'dispatched', 1]].sort(),
    );
    const rows = await db.query<{ id: string; status: string; error: { code: string; message: string; retryable: boolean } | null; finished_at: Date | null; not_before: Date | null; lease_expires_at: Date | null }>(
      `SELECT id, status, error, finished_at, not_before, lease_expires_at FROM tasks WHERE id = ANY($1::uuid[])`,
      [[queued, retrying, dispatched, running, succeeded, elsewhere].map((t) => t.id)],
    );
    const by = new Map(rows.map((r) => [r.id, r]));
    for (const t of [queued, retrying, dispatched]) {
      expect(by.get(t.id)).toMatchObject({
        status: 'cancelled', not_before: null, lease_expires_at: null,
        error: { code: 'BUDGET_EXCEEDED', message: `the budget of batch:${batch} is spent; the task was not started`, retryable: false },
      });
      expect(by.get(t.id)!.finished_at).toBeInstanceOf(Date);
    }
    expect(by.get(running.id)).toMatchObject({ status: 'running', error: null });
    expect(by.get(succeeded.id)).toMatchObject({ status: 'succeeded', error: null });
    expect(by.get(elsewhere.id)).toMatchObject({ status: 'queued', error: null });

    const transitions = await db.query<{ task_id: string; from_status: string; attempt: number }>(
      `SELECT task_id, from_status, attempt FROM task_transitions WHERE to_status = 'cancelled' AND reason = 'budget_exceeded' AND task_id = ANY($1::uuid[])`,
      [[queued, retrying, dispatched, running, succeeded, elsewhere].map((t) => t.id)],
    );
    expect(transitions.map((t) => [t.task_id, t.from_status, t.attempt]).sort()).toEqual(
      [[queued.id, 'queued', 0], [retrying.id, 'retrying', 1], [dispatched.id, 'dispatched', 1]].sort(),
    );
    // the batch's counters moved with the transitions: 1 running, 1 succeeded, 3 cancelled (failed bucket)
    const [counters] = await db.query<{ queued: string; running: string; succeeded: string; failed: string }>(
      `SELECT queued, running, succeeded, failed FROM batch_counters WHERE batch_id = $1`,
      [batch],
    );
    expect(Object.values(counters).map(Number)).toEqual([0, 1, 1, 3]);
    // a second call finds nothing left to cancel
    expect(await BudgetRepository.cancelNotStarted(ds, [`batch:${batch}`])).toEqual([]);
  });

  it('cancelNotStarted by swarm scope reaches the swarm\'s tasks of every batch; no scopes cancel nothing', async () => {
    const swarm = randomUUID();
    const inSwarm = [row({ swarm_id: swarm, batch_id: randomUUID() }), row({ swarm_id: swarm })];
    const outside = row({ swarm_id: randomUUID() });
    await tasks.insertMany([...inSwarm, outside]);
    expect(await BudgetRepository.cancelNotStarted(ds, [])).toEqual([]);
    const cancelled = await BudgetRepository.cancelNotStarted(ds, [`swarm:${swarm}`, `workflow:${randomUUID()}`]);
    expect(cancelled.map((c) => c.id).sort()).toEqual(inSwarm.map((t) => t.id).sort());
    const [{ status }] = await db.query<{ status: string }>(`SELECT status FROM tasks WHERE id = $1`, [outside.id]);
    expect(status).toBe('queued');
    // The message names the scope that was spent, not the task's batch.
    const errors = await db.query<{ message: string }>(`SELECT error->>'message' AS message FROM tasks WHERE id = ANY($1::uuid[])`, [inSwarm.map((t) => t.id)]);
    expect(errors.map((e) => e.message)).toEqual(inSwarm.map(() => `the budget of swarm:${swarm} is spent; the task was not started`));
  });
});
