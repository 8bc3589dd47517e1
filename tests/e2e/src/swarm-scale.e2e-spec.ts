import { waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

// Fairness at full scale and counters under failure, through the gateway.
describe('swarms at scale', () => {
  const h = useSuite({ APIARY_LOG_LEVEL: 'warn', APIARY_ACK_WAIT_MS: '2000' });

  it('runs a high task submitted behind a 50,000-task low-priority swarm batch within a few seconds', async () => {
    const swarm = await h.suite.http('/swarms', { method: 'POST', json: { name: 'flood', count: 50_000, tier: 'standard', capabilities: ['noop'] } });
    expect(swarm.status).toBe(201);
    const batch = await h.suite.http(`/swarms/${swarm.body.id}/tasks`, { method: 'POST', json: { type: 'noop', data: {}, priority: 'low' } });
    expect(batch.body.assignments).toBe(50_000);

    try {
      const t0 = Date.now();
      const urgent = await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', data: {}, priority: 'high' } });
      const done = (await waitForTasks(h.suite, [urgent.body.task_id], 10_000)).get(urgent.body.task_id);
      const elapsed = Date.now() - t0;
      expect(done.status).toBe('succeeded');
      expect(elapsed).toBeLessThan(5000);
      const progress = await h.suite.http(`/swarms/${swarm.body.id}/batches/${batch.body.batch_id}`);
      expect(progress.body.queued).toBeGreaterThan(0); // the batch was still draining

      // Same priority, another tenant: fairness (not priority) lets it through too.
      const normal = await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', data: {}, priority: 'low' } });
      const n = (await waitForTasks(h.suite, [normal.body.task_id], 10_000)).get(normal.body.task_id);
      expect(n.status).toBe('succeeded');
    } finally {
      // Tear the flood down (also when an expectation failed, so the next test has its
      // bot capacity back): deleting the swarm cancels what is still queued.
      const deleted = await h.suite.http(`/swarms/${swarm.body.id}`, { method: 'DELETE' });
      expect(deleted.body.status).toBe('deleted');
      await waitFor('the batch to settle', async () => (await h.suite.http(`/swarms/${swarm.body.id}/batches/${batch.body.batch_id}`)).body.status === 'done', 60_000, 250);
    }
  }, 180_000);

  it('keeps every counter exact when bot-runtime is killed mid-batch', async () => {
    const before = (await h.suite.http('/bots/stats')).body.tasks_executed;
    const swarm = await h.suite.http('/swarms', { method: 'POST', json: { name: 'steady', count: 200, tier: 'advanced', capabilities: ['sleep'] } });
    const batch = await h.suite.http(`/swarms/${swarm.body.id}/tasks`, { method: 'POST', json: { type: 'sleep', data: { ms: 100 } } });
    expect(batch.body.assignments).toBe(200);
    await waitFor('some progress', async () => (await h.suite.http(`/swarms/${swarm.body.id}/batches/${batch.body.batch_id}`)).body.succeeded >= 20, 30_000, 20);
    const runtime = h.suite.services.find((s) => s.app === 'bot-runtime' && s.child.exitCode === null)!;
    await runtime.stop('SIGKILL');
    await h.suite.add('bot-runtime');
    const view = await waitFor('batch done', async () => {
      const b = await h.suite.http(`/swarms/${swarm.body.id}/batches/${batch.body.batch_id}`);
      return b.body.status === 'done' && b.body;
    }, 90_000, 200);
    expect(view).toMatchObject({ total: 200, succeeded: 200, failed: 0, result: { count: 200, slept_ms: 20_000 } });
    const s = await h.suite.http(`/swarms/${swarm.body.id}`);
    expect(s.body).toMatchObject({ total_tasks_completed: 200, average_tasks_per_bot: 1 });
    let cursor: string | null = null;
    let bots = 0;
    do {
      const page: any = await h.suite.http(`/bots?swarm=${swarm.body.id}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      for (const b of page.body.bots) {
        expect(b).toMatchObject({ tasks_completed: 1, total_tasks: 1, pending_tasks: 0 });
        bots++;
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(bots).toBe(200);
    const after = (await h.suite.http('/bots/stats')).body.tasks_executed;
    expect(after - before).toBe(200);
  }, 180_000);
});
