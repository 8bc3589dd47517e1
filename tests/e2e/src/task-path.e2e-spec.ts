import { readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, JSONCodec } from 'nats';
import { TASK_COMPLETIONS, TaskCompletedEvent } from '@apiary/contracts';
import { waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

// All seven services as real processes, a private nats-server and a private
// PostgreSQL database; every request goes through the gateway over HTTP.
describe('task path through the gateway', () => {
  const traceFile = join(mkdtempSync(join(tmpdir(), 'apiary-trace-')), 'spans.jsonl');
  const h = useSuite({ OTEL_TRACES_EXPORTER: 'jsonl', APIARY_TRACE_FILE: traceFile });


  const countTasks = async () => Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM tasks'))[0].n);

  // The services are separate processes, so an in-process InMemorySpanExporter
  // cannot see their spans; each service instead writes finished spans to one
  // JSON-lines file (libs/telemetry JsonlFileSpanExporter), read back here.
  it('carries one trace id from the gateway through brain, router and runtime to memory', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await h.suite.http('/tasks', {
      method: 'POST',
      json: { type: 'noop', data: {} },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(201);
    await waitForTasks(h.suite, [res.body.task_id]);
    const services = await waitFor('spans of all services', () => {
      if (!existsSync(traceFile)) return false;
      const spans = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const seen = new Set(spans.filter((s) => s.trace_id === traceId).map((s) => s.service));
      return ['gateway', 'orchestrator-brain', 'task-router', 'bot-runtime', 'memory'].every((s) => seen.has(s)) && seen;
    }, 15_000, 100);
    expect([...services].sort()).toEqual(['bot-runtime', 'gateway', 'memory', 'orchestrator-brain', 'task-router']);
  });

  it('reports every service healthy on /health (no auth needed)', async () => {
    const res = await fetch(`${h.suite.baseUrl}/health`);
    const body: any = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: 'healthy',
      service: 'gateway',
      nats: 'connected',
      database: 'connected',
      services: {
        'orchestrator-brain': 'healthy', 'task-router': 'healthy', memory: 'healthy',
        'self-improvement': 'healthy', scaler: 'healthy', 'bot-runtime': 'healthy',
      },
    });
  });

  it('runs a text.sentiment task to succeeded, readable at /tasks/{id} and /task/{id}', async () => {
    const res = await h.suite.http('/tasks', { method: 'POST', json: { type: 'text.sentiment', data: { text: 'What a wonderful, happy day' }, priority: 'high' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'text.sentiment', status: 'queued', priority: 'high', score: 3, attempts: 0 });
    const done = (await waitForTasks(h.suite, [res.body.task_id])).get(res.body.task_id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
    expect(done.result.score).toBeGreaterThan(0);
    expect(Date.parse(done.finished_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at));
    const seed = await h.suite.http(`/task/${res.body.task_id}`);
    expect(seed.body).toEqual(done);
  });

  it('submits a batch in submit order and runs every task', async () => {
    const tasks = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { type: 'sleep', data: { ms: 1 } } : { type: 'noop', data: { i } }));
    const res = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks } });
    expect(res.status).toBe(201);
    expect(res.body.task_ids).toHaveLength(300);
    const rows = await h.db.query<{ id: string; type: string }>('SELECT id, type FROM tasks WHERE batch_id = $1', [res.body.batch_id]);
    const typeById = new Map(rows.map((r) => [r.id, r.type]));
    expect(res.body.task_ids.map((id: string) => typeById.get(id))).toEqual(tasks.map((t) => t.type));
    const done = await waitForTasks(h.suite, res.body.task_ids);
    expect([...done.values()].every((t) => t.status === 'succeeded')).toBe(true);
  });

  it('accepts the seed 001 /orchestrate shape', async () => {
    const res = await h.suite.http('/orchestrate', {
      method: 'POST',
      json: { tasks: [{ type: 'noop', params: { prompt: 'Sunset landscape' } }, { type: 'text.sentiment', params: { text: 'bad awful' } }], priority: 'high' },
    });
    expect(res.status).toBe(201);
    expect(res.body.task_ids).toHaveLength(2);
    const done = await waitForTasks(h.suite, res.body.task_ids);
    const sentiment = done.get(res.body.task_ids[1]);
    expect(sentiment).toMatchObject({ status: 'succeeded', priority: 'high' });
    expect(sentiment.result.score).toBeLessThan(0);
  });

  it('returns the first task for a repeated idempotency key and creates nothing', async () => {
    const body = { type: 'noop', data: {}, idempotency_key: 'order-42' };
    const first = await h.suite.http('/tasks', { method: 'POST', json: body });
    expect(first.status).toBe(201);
    const before = await countTasks();
    const second = await h.suite.http('/tasks', { method: 'POST', json: body });
    expect(second.status).toBe(200);
    expect(second.body.task_id).toBe(first.body.task_id);
    expect(await countTasks()).toBe(before);
  });

  describe('bad input gets a 4xx naming the problem and creates nothing', () => {
    const raw = (path: string, body: string, extra: Record<string, string> = {}) =>
      h.suite.http(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...extra } });
    const cases: [string, () => Promise<{ status: number; body: any }>, number, string, string][] = [
      ['missing type', () => h.suite.http('/tasks', { method: 'POST', json: { data: {} } }), 400, 'VALIDATION_FAILED', 'type'],
      ['wrong-typed priority', () => h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', priority: 7 } }), 400, 'VALIDATION_FAILED', 'priority'],
      ['unknown field', () => h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', colour: 'red' } }), 400, 'VALIDATION_FAILED', 'colour'],
      ['invalid JSON', () => raw('/tasks', '{"type": "noop",'), 400, 'INVALID_JSON', ''],
      ['body over 1 MiB', () => h.suite.http('/tasks', { method: 'POST', json: { type: 'text.sentiment', data: { text: 'x'.repeat(1_100_000) } } }), 413, 'PAYLOAD_TOO_LARGE', ''],
      ['unknown task type', () => h.suite.http('/tasks', { method: 'POST', json: { type: 'teleport' } }), 422, 'UNKNOWN_TASK_TYPE', 'teleport'],
      ['bad handler data', () => h.suite.http('/tasks', { method: 'POST', json: { type: 'sleep', data: { ms: 'soon' } } }), 422, 'INVALID_TASK_DATA', 'data.ms'],
      ['bad task in a batch', () => h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: [{ type: 'noop' }, { type: 'noop' }, { type: 5 }] } }), 400, 'VALIDATION_FAILED', 'tasks.2.type'],
      ['unknown type in a batch', () => h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: [{ type: 'noop' }, { type: 'nope' }] } }), 422, 'UNKNOWN_TASK_TYPE', 'tasks.1.type'],
      ['no API key', async () => { const r = await fetch(`${h.suite.baseUrl}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"noop"}' }); return { status: r.status, body: await r.json() }; }, 401, 'UNAUTHORIZED', ''],
    ];
    it.each(cases)('%s', async (_name, send, status, code, mention) => {
      const before = await countTasks();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
      if (mention) expect(res.body.error.message).toContain(mention);
      expect(await countTasks()).toBe(before);
    });
  });

  it('records a result once even when the completion is delivered twice, and refuses a superseded attempt', async () => {
    const res = await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', data: {} } });
    const id = res.body.task_id;
    const done = (await waitForTasks(h.suite, [id])).get(id);
    const nc = await connect({ servers: h.nats.url });
    const js = nc.jetstream();
    const codec = JSONCodec<{ events: TaskCompletedEvent[] }>();
    const base: TaskCompletedEvent = {
      task_id: id, type: 'noop', attempt: 1, success: true, result: { forged: true }, error: null, handler: 'noop',
      runner: 'intruder', started_at: new Date().toISOString(), finished_at: new Date().toISOString(), latency_ms: 1,
    };
    // A redelivery of attempt 1 (new msg id, so JetStream dedup does not hide it) and a result of an attempt never dispatched.
    await js.publish(TASK_COMPLETIONS, codec.encode({ events: [base] }), { msgID: `${id}:1:dup`, headers: headers() });
    await js.publish(TASK_COMPLETIONS, codec.encode({ events: [{ ...base, attempt: 2, success: false, error: { code: 'X', message: 'late', retryable: false } }] }), { msgID: `${id}:2:late` });
    await nc.close();
    await new Promise((r) => setTimeout(r, 1500));
    const after = await h.suite.http(`/tasks/${id}`);
    expect(after.body).toEqual(done);
    const results = await h.db.query<{ attempt: number; runner: string }>('SELECT attempt, runner FROM task_results WHERE task_id = $1 ORDER BY attempt', [id]);
    // Memory stores one row per (task, attempt): the duplicate of attempt 1 is dropped.
    expect(results.filter((r) => r.attempt === 1)).toHaveLength(1);
    expect(results.find((r) => r.attempt === 1)!.runner).not.toBe('intruder');
    const transitions = await h.db.query<{ to_status: string }>(`SELECT to_status FROM task_transitions WHERE task_id = $1 AND to_status = 'succeeded'`, [id]);
    expect(transitions).toHaveLength(1);
  });

  it('lists dead tasks and re-drives them; refuses to re-drive a succeeded one', async () => {
    // Nothing listens on port 9 of loopback: every attempt fails with a retryable network error.
    const res = await h.suite.http('/tasks', { method: 'POST', json: { type: 'http', data: { url: 'http://127.0.0.1:9/process', timeout_ms: 500 } } });
    const id = res.body.task_id;
    const dead = (await waitForTasks(h.suite, [id], 30_000)).get(id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, error: { code: 'HTTP_NETWORK', retryable: true } });
    const list = await h.suite.http('/tasks?status=dead&limit=10');
    expect(list.status).toBe(200);
    expect(list.body.tasks.map((t: any) => t.task_id)).toContain(id);
    const retried = await h.suite.http(`/tasks/${id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ task_id: id, status: 'queued', attempts: 3 });
    await waitFor('the re-driven task to be dispatched again', async () => (await h.suite.http(`/tasks/${id}`)).body.attempts >= 4, 10_000, 50);
    const transitions = await h.db.query<{ reason: string }>(`SELECT reason FROM task_transitions WHERE task_id = $1 AND reason = 'redriven'`, [id]);
    expect(transitions).toHaveLength(1);

    const ok = await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', data: {} } });
    await waitForTasks(h.suite, [ok.body.task_id]);
    const refused = await h.suite.http(`/tasks/${ok.body.task_id}/retry`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'TASK_NOT_RETRYABLE' });
    expect(refused.body.error.message).toContain('succeeded');
  });

  it('lists a batch page by page and refuses an unbounded listing', async () => {
    const batch = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: Array.from({ length: 25 }, () => ({ type: 'noop' })) } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await h.suite.http(`/tasks?batch_id=${batch.body.batch_id}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.tasks.map((t: any) => t.task_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen)).toEqual(new Set(batch.body.task_ids));
    const unbounded = await h.suite.http('/tasks');
    expect(unbounded.status).toBe(400);
    expect(unbounded.body.error.message).toContain('status');
  });

  it('orders tasks by score on /prioritize (seed 002 example)', async () => {
    const res = await h.suite.http('/prioritize', {
      method: 'POST',
      json: { tasks: [
        { type: 'email_campaign', priority: 'normal' },
        { type: 'fraud_detection', priority: 'high' },
        { type: 'video_generation', priority: 'high' },
        { type: 'finance', priority: 'critical' },
      ] },
    });
    expect(res.status).toBe(200);
    expect(res.body.tasks.map((t: any) => [t.type, t.score])).toEqual([
      ['finance', 6], ['fraud_detection', 4.5], ['video_generation', 2.4], ['email_campaign', 2],
    ]);
  });

  it('persists type multipliers set through the API and scores new tasks with them', async () => {
    const before = await h.suite.http('/priority');
    expect(before.body).toMatchObject({ levels: { critical: 4, high: 3, normal: 2, low: 1 }, tier_weights: { standard: 1, advanced: 1.25, L20: 1.5 } });
    expect(before.body.type_multipliers).toMatchObject({ fraud_detection: 1.5, finance: 1.5, crypto_prediction: 1.2, video_generation: 0.8 });
    const bad = await h.suite.http('/priority/multipliers', { method: 'PUT', json: { type_multipliers: { noop: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('type_multipliers.noop');
    const set = await h.suite.http('/priority/multipliers', { method: 'PUT', json: { type_multipliers: { noop: 2.5 } } });
    expect(set.status).toBe(200);
    expect(set.body.type_multipliers.noop).toBe(2.5);
    const rows = await h.db.query<{ multiplier: number }>(`SELECT multiplier FROM priority_multipliers WHERE type = 'noop'`);
    expect(rows.map((r) => Number(r.multiplier))).toEqual([2.5]);
    const task = await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', priority: 'high' } });
    expect(task.body.score).toBe(7.5);
    await h.suite.http('/priority/multipliers', { method: 'PUT', json: { type_multipliers: { noop: null } } });
    expect((await h.suite.http('/tasks', { method: 'POST', json: { type: 'noop', priority: 'high' } })).body.score).toBe(3);
  });

  it('answers 503 on /health when a service is down', async () => {
    const scaler = h.suite.services.find((s) => s.app === 'scaler')!;
    await scaler.stop('SIGTERM');
    const res = await fetch(`${h.suite.baseUrl}/health`);
    const body: any = await res.json();
    expect(res.status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.services.scaler).toBe('unreachable');
  });
});
