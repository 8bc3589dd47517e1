import { createTestDatabase, RunningSuite, startNatsServer, startSuite, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { waitForTasks } from './helpers';

// DESIGN.md "No accepted task is lost when any single process is killed with
// SIGKILL": bot-runtime dies with tasks in flight; a new replica takes over.
describe('bot-runtime killed with SIGKILL mid-run', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let suite: RunningSuite;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    suite = await startSuite({
      natsUrl: nats.url,
      databaseUrl: db.url,
      env: { APIARY_ACK_WAIT_MS: '2000', APIARY_RUNTIME_CONCURRENCY: '8', APIARY_LOG_LEVEL: 'warn' },
    });
  }, 120_000);

  afterAll(async () => {
    await suite?.stop();
    await db?.drop();
    await nats?.stop();
  });

  it('loses no task and records each exactly once', async () => {
    const tasks = Array.from({ length: 40 }, () => ({ type: 'sleep', data: { ms: 600 } }));
    const res = await suite.http('/tasks/batch', { method: 'POST', json: { tasks } });
    expect(res.status).toBe(201);
    const ids: string[] = res.body.task_ids;

    await waitFor('8 tasks running', async () => {
      const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE status = 'running'`);
      return Number(n) >= 8;
    }, 30_000, 20);
    const runtime = suite.services.find((s) => s.app === 'bot-runtime')!;
    await runtime.stop('SIGKILL');
    const [{ n: inFlightAtKill }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE status IN ('dispatched', 'running')`);
    expect(Number(inFlightAtKill)).toBeGreaterThan(0);

    await suite.add('bot-runtime');
    const done = await waitForTasks(suite, ids, 90_000);
    expect([...done.values()].map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));

    const succeeded = await db.query<{ task_id: string; n: string }>(
      `SELECT task_id, count(*) AS n FROM task_transitions WHERE task_id = ANY($1::uuid[]) AND to_status = 'succeeded' GROUP BY task_id`,
      [ids],
    );
    expect(succeeded).toHaveLength(40);
    expect(succeeded.every((r) => Number(r.n) === 1)).toBe(true);
    await waitFor('memory to record all 40', async () => {
      const rows = await db.query<{ n: string }>(`SELECT count(DISTINCT task_id) AS n FROM task_results WHERE task_id = ANY($1::uuid[])`, [ids]);
      return Number(rows[0].n) === 40;
    }, 15_000, 100);
    const results = await db.query<{ task_id: string; n: string }>(
      `SELECT task_id, count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[]) AND success GROUP BY task_id`,
      [ids],
    );
    expect(results.every((r) => Number(r.n) === 1)).toBe(true);
    // The replacement replica finished work the killed one had started.
    const byReplacement = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE id = ANY($1::uuid[]) AND runner = 'bot-runtime-1'`, [ids]);
    expect(Number(byReplacement[0].n)).toBeGreaterThan(0);
  });
});
