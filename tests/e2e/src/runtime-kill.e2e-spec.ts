import { waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

// DESIGN.md "No accepted task is lost when any single process is killed with
// SIGKILL": bot-runtime dies with tasks in flight; a new replica takes over.
describe('bot-runtime killed with SIGKILL mid-run', () => {
  const h = useSuite({ APIARY_ACK_WAIT_MS: '2000', APIARY_RUNTIME_CONCURRENCY: '8', APIARY_LOG_LEVEL: 'warn' });

  it('loses no task and records each exactly once', async () => {
    const tasks = Array.from({ length: 40 }, () => ({ type: 'sleep', data: { ms: 600 } }));
    const res = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks } });
    expect(res.status).toBe(201);
    const ids: string[] = res.body.task_ids;

    await waitFor('8 tasks running', async () => {
      const [{ n }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE status = 'running'`);
      return Number(n) >= 8;
    }, 30_000, 20);
    const runtime = h.suite.services.find((s) => s.app === 'bot-runtime')!;
    await runtime.stop('SIGKILL');
    const [{ n: inFlightAtKill }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE status IN ('dispatched', 'running')`);
    expect(Number(inFlightAtKill)).toBeGreaterThan(0);

    await h.suite.add('bot-runtime');
    const done = await waitForTasks(h.suite, ids, 90_000);
    expect([...done.values()].map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));

    const succeeded = await h.db.query<{ task_id: string; n: string }>(
      `SELECT task_id, count(*) AS n FROM task_transitions WHERE task_id = ANY($1::uuid[]) AND to_status = 'succeeded' GROUP BY task_id`,
      [ids],
    );
    expect(succeeded).toHaveLength(40);
    expect(succeeded.every((r) => Number(r.n) === 1)).toBe(true);
    await waitFor('memory to record all 40', async () => {
      const rows = await h.db.query<{ n: string }>(`SELECT count(DISTINCT task_id) AS n FROM task_results WHERE task_id = ANY($1::uuid[])`, [ids]);
      return Number(rows[0].n) === 40;
    }, 15_000, 100);
    const results = await h.db.query<{ task_id: string; n: string }>(
      `SELECT task_id, count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[]) AND success GROUP BY task_id`,
      [ids],
    );
    expect(results.every((r) => Number(r.n) === 1)).toBe(true);
    // The replacement replica finished work the killed one had started.
    const byReplacement = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE id = ANY($1::uuid[]) AND runner = 'bot-runtime-1'`, [ids]);
    expect(Number(byReplacement[0].n)).toBeGreaterThan(0);
  });
});
