import { waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

// Seed 001 bots and swarms through the gateway, all services running, private
// NATS and database; capacity lowered to 300 bots so limits are cheap to reach.
describe('bots and swarms (seed 001)', () => {
  const h = useSuite({ APIARY_MAX_BOTS: '300', APIARY_LOG_LEVEL: 'warn' });

  const countBots = async () => Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM bots'))[0].n);

  it('creates a bot, runs its tasks one at a time, and keeps exact counters', async () => {
    const created = await h.suite.http('/bots', { method: 'POST', json: { name: 'bot-worker-1', tier: 'L20', capabilities: ['sleep', 'noop'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'bot-worker-1', tier: 'L20', status: 'active', tasks_completed: 0 });
    const botId = created.body.id;

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await h.suite.http(`/bots/${botId}/tasks`, { method: 'POST', json: { type: 'sleep', data: { ms: 150 } } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ bot_id: botId, task_type: 'sleep', status: 'assigned' });
      ids.push(r.body.task_id);
    }
    const pending = await h.suite.http(`/bots/${botId}`);
    expect(pending.body).toMatchObject({ total_tasks: 4 });
    const done = await waitForTasks(h.suite, ids);
    // One task per bot at a time: no two runs overlap.
    const spans = [...done.values()].map((t) => [Date.parse(t.started_at), Date.parse(t.finished_at)]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    // L20 tier weight: normal (2) × 1.5.
    expect([...done.values()][0].score).toBe(3);
    const bot = await h.suite.http(`/bots/${botId}`);
    expect(bot.body).toMatchObject({ tasks_completed: 4, completed_tasks: 4, total_tasks: 4, pending_tasks: 0 });
    expect(bot.body.last_active).not.toBeNull();
  });

  it('refuses a task outside the bot capabilities', async () => {
    const bot = await h.suite.http('/bots', { method: 'POST', json: { name: 'narrow', tier: 'standard', capabilities: ['noop'] } });
    const r = await h.suite.http(`/bots/${bot.body.id}/tasks`, { method: 'POST', json: { type: 'sleep', data: { ms: 1 } } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('CAPABILITY_MISMATCH');
  });

  it('creates a swarm with a paginated bot list, fans out, and fans in', async () => {
    const res = await h.suite.http('/swarms', { method: 'POST', json: { name: 'processing-swarm', count: 150, tier: 'advanced', capabilities: ['noop', 'text.sentiment'] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'processing-swarm', bot_count: 150, tier: 'advanced', status: 'active' });
    expect(res.body.bot_ids).toHaveLength(100);
    const rest = await h.suite.http(`/swarms/${res.body.id}/bots?cursor=${res.body.next_cursor}`);
    expect(rest.body.bot_ids).toHaveLength(50);
    expect(rest.body.next_cursor).toBeNull();
    expect(new Set([...res.body.bot_ids, ...rest.body.bot_ids]).size).toBe(150);

    const assign = await h.suite.http(`/swarms/${res.body.id}/tasks`, { method: 'POST', json: { type: 'noop', data: {} } });
    expect(assign.status).toBe(201);
    expect(assign.body).toMatchObject({ swarm_id: res.body.id, task_type: 'noop', assignments: 150, status: 'distributed' });
    const batch = await waitFor('batch done', async () => {
      const b = await h.suite.http(`/swarms/${res.body.id}/batches/${assign.body.batch_id}`);
      return b.body.status === 'done' && b.body;
    }, 60_000, 100);
    expect(batch).toMatchObject({ total: 150, succeeded: 150, failed: 0, result: { count: 150 } });

    // Chunked mass-action: 10 items in chunks of 3 → 4 tasks, results merged.
    const texts = ['good', 'bad', 'great', 'awful', 'fine', 'nice', 'terrible', 'love', 'hate', 'ok'];
    const chunked = await h.suite.http(`/swarms/${res.body.id}/tasks`, { method: 'POST', json: { type: 'text.sentiment', data: { text: texts.join(' '), items: texts, chunk_size: 3 } } });
    expect(chunked.body.assignments).toBe(4);
    const fanIn = await waitFor('chunked batch done', async () => {
      const b = await h.suite.http(`/swarms/${res.body.id}/batches/${chunked.body.batch_id}`);
      return b.body.status === 'done' && b.body;
    }, 60_000, 100);
    expect(fanIn.result).toMatchObject({ count: 4 });

    const swarm = await h.suite.http(`/swarms/${res.body.id}`);
    expect(swarm.body).toMatchObject({ bot_count: 150, active_bots: 150, total_tasks_completed: 154 });
  });

  it('resizes and deletes a swarm, and keeps fleet statistics', async () => {
    const res = await h.suite.http('/swarms', { method: 'POST', json: { name: 'elastic', count: 20, tier: 'standard', capabilities: ['noop'] } });
    const grown = await h.suite.http(`/swarms/${res.body.id}`, { method: 'PATCH', json: { count: 30 } });
    expect(grown.body).toMatchObject({ active_bots: 30 });
    const shrunk = await h.suite.http(`/swarms/${res.body.id}`, { method: 'PATCH', json: { count: 5 } });
    expect(shrunk.body).toMatchObject({ active_bots: 5, bot_count: 30 });
    const stats = await h.suite.http('/bots/stats');
    expect(stats.status).toBe(200);
    const activeRows = await h.db.query<{ tier: string; n: string }>(`SELECT tier, count(*) AS n FROM bots WHERE status = 'active' GROUP BY tier`);
    const active = activeRows.reduce((s, r) => s + Number(r.n), 0);
    expect(stats.body).toMatchObject({ active_bots: active, capacity_remaining: 300 - active, swarm_count: 2 });
    for (const r of activeRows) expect(stats.body.tier_distribution[r.tier]).toBe(Number(r.n));
    const deleted = await h.suite.http(`/swarms/${res.body.id}`, { method: 'DELETE' });
    expect(deleted.body).toMatchObject({ status: 'deleted', active_bots: 0 });
    expect((await h.suite.http('/bots/stats')).body.swarm_count).toBe(1);
  });

  it('fails the whole request past capacity with 409 and creates nothing', async () => {
    const before = await countBots();
    const stats = (await h.suite.http('/bots/stats')).body;
    const r = await h.suite.http('/swarms', { method: 'POST', json: { name: 'too-big', count: stats.capacity_remaining + 1, tier: 'standard', capabilities: ['noop'] } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('BOT_CAPACITY_EXCEEDED');
    expect(await countBots()).toBe(before);
  });

  it('retires a bot and cancels its queued tasks', async () => {
    const bot = await h.suite.http('/bots', { method: 'POST', json: { name: 'leaving', tier: 'standard', capabilities: ['sleep'] } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.suite.http(`/bots/${bot.body.id}/tasks`, { method: 'POST', json: { type: 'sleep', data: { ms: 400 } } })).body.task_id);
    await waitFor('first task running', async () => (await h.suite.http(`/tasks/${ids[0]}`)).body.status === 'running', 10_000, 20);
    const retired = await h.suite.http(`/bots/${bot.body.id}`, { method: 'DELETE' });
    expect(retired.body.status).toBe('retired');
    const done = await waitForTasks(h.suite, ids);
    expect(done.get(ids[0]).status).toBe('succeeded'); // in flight: finishes
    expect(done.get(ids[1])).toMatchObject({ status: 'cancelled', error: { code: 'BOT_RETIRED' } });
    expect(done.get(ids[2]).status).toBe('cancelled');
    const again = await h.suite.http(`/bots/${bot.body.id}/tasks`, { method: 'POST', json: { type: 'sleep', data: { ms: 1 } } });
    expect(again.status).toBe(409);
  });

  it('lets an external bot lease and complete tasks of a capability no runtime serves', async () => {
    const bot = await h.suite.http('/bots', { method: 'POST', json: { name: 'external', tier: 'advanced', capabilities: ['image_labeling'] } });
    const id = bot.body.id;
    const a = await h.suite.http(`/bots/${id}/tasks`, { method: 'POST', json: { type: 'image_labeling', data: { image: 'a.png' } } });
    const b = await h.suite.http(`/bots/${id}/tasks`, { method: 'POST', json: { type: 'image_labeling', data: { image: 'b.png' } } });
    expect(a.status).toBe(201);
    const leased = await h.suite.http(`/bots/${id}/tasks/next?lease_ms=1000`, { method: 'POST' });
    expect(leased.status).toBe(200);
    expect(leased.body).toMatchObject({ bot_id: id, type: 'image_labeling', attempt: 1 });
    const first = leased.body.task_id;
    const done = await h.suite.http(`/bots/${id}/tasks/${first}/complete`, { method: 'POST', json: { result: { rows: 42 } } });
    expect(done.body).toMatchObject({ status: 'succeeded', result: { rows: 42 } });
    const twice = await h.suite.http(`/bots/${id}/tasks/${first}/complete`, { method: 'POST', json: { result: { rows: 1 } } });
    expect(twice.status).toBe(409);

    // The second lease expires; the task goes back to the queue and is leased again.
    const second = await h.suite.http(`/bots/${id}/tasks/next?lease_ms=1000`, { method: 'POST' });
    const other = second.body.task_id;
    expect(other).toBe(first === a.body.task_id ? b.body.task_id : a.body.task_id);
    const again = await waitFor('lease to expire and the task to be re-leased', async () => {
      const r = await h.suite.http(`/bots/${id}/tasks/next?lease_ms=5000`, { method: 'POST' });
      return r.status === 200 && r.body;
    }, 15_000, 250);
    expect(again).toMatchObject({ task_id: other, attempt: 2 });
    const failed = await h.suite.http(`/bots/${id}/tasks/${other}/complete`, { method: 'POST', json: { error: { code: 'BAD_CSV', message: 'no header row' } } });
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'BAD_CSV' } });
    const none = await h.suite.http(`/bots/${id}/tasks/next`, { method: 'POST' });
    expect(none.status).toBe(204);
    await waitFor('memory to record the external results', async () => {
      const rows = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE handler = 'external'`);
      return Number(rows[0].n) >= 2;
    }, 10_000, 100);
  });

  it('lists bots with filters and cursor pagination', async () => {
    const page1 = await h.suite.http('/bots?tier=advanced&limit=100');
    expect(page1.status).toBe(200);
    expect(page1.body.bots.every((b: any) => b.tier === 'advanced')).toBe(true);
    const all: string[] = page1.body.bots.map((b: any) => b.id);
    let cursor = page1.body.next_cursor;
    while (cursor) {
      const next = await h.suite.http(`/bots?tier=advanced&limit=100&cursor=${cursor}`);
      all.push(...next.body.bots.map((b: any) => b.id));
      cursor = next.body.next_cursor;
    }
    const [{ n }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM bots WHERE tier = 'advanced'`);
    expect(new Set(all).size).toBe(Number(n));
    const bad = await h.suite.http('/bots?tier=gold');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('tier');
  });
});
