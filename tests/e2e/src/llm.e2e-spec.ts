import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAiStandIn, startOpenAiStandIn, waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

// AI work end to end (docs/ai-work.md): `llm.chat` on OpenAI-compatible providers.
// An LLM provider cannot run here, so each provider is a stand-in started by this
// spec on loopback (libs/testing openai-stand-in): a real HTTP server speaking the
// OpenAI Chat Completions wire format (usage, 401, 404 model_not_found, 429 with
// Retry-After past RPM/TPM limits of its own). The product calls it with the real
// `openai` npm client from bot-runtime, exactly as it calls a real provider.
const SECRET = 'sk-apiary-e2e-0123456789-secret-key';

describe('AI work: LLM providers, limits, costs, budgets, cache', () => {
  const h = useSuite({
    APIARY_LOG_LEVEL: 'info',
    APIARY_TEST_LLM_KEY: SECRET,
    APIARY_MAX_ATTEMPTS: '3',
    APIARY_QUOTA_MAX_WAIT_MS: '2000',
    APIARY_DECISION_STATS_TTL_MS: '200',
  }, 2);
  const standIns: OpenAiStandIn[] = [];

  afterAll(async () => {
    await Promise.all(standIns.map((s) => s.close()));
  });

  async function provider(name: string, models: (string | { name: string; class?: string })[], extra: Record<string, unknown> = {}, standIn: Parameters<typeof startOpenAiStandIn>[0] = {}) {
    const names = models.map((m) => (typeof m === 'string' ? m : m.name));
    const s = await startOpenAiStandIn({ models: names, apiKey: SECRET, ...standIn });
    standIns.push(s);
    const r = await h.suite.http('/services', {
      method: 'POST',
      json: { service_name: name, endpoint: s.baseURL, protocol: 'openai', models, api_key_env: 'APIARY_TEST_LLM_KEY', ...extra },
    });
    expect(r.status).toBe(201);
    return s;
  }

  async function submit(tasks: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
    const r = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks, ...extra } });
    expect(r.status).toBe(201);
    return r.body as { batch_id: string; task_ids: string[] };
  }

  async function run(tasks: Record<string, unknown>[], timeoutMs = 60_000) {
    const { task_ids } = await submit(tasks);
    const done = await waitForTasks(h.suite, task_ids, timeoutMs);
    return task_ids.map((id) => done.get(id));
  }

  const chat = (model: string, prompt: string, extra: Record<string, unknown> = {}) => ({ type: 'llm.chat', data: { model, prompt, ...extra } });

  it('runs llm.chat through the openai client: text, model, usage, cost from the price, the pinned model', async () => {
    const s = await provider('llm-main', [{ name: 'phi3.5', class: 'small' }, { name: 'llama3.2', class: 'large' }], {
      pricing: { 'phi3.5': { input_per_1m: 2, output_per_1m: 6 }, 'llama3.2': { input_per_1m: 10, output_per_1m: 30 } },
    });
    const [task] = await run([chat('phi3.5', 'Summarise the quarterly report in one line', { max_tokens: 64 })]);
    expect(task.status).toBe('succeeded');
    const r = task.result;
    expect(r).toMatchObject({ model: 'phi3.5', service: 'llm-main', model_class: 'small', finish_reason: expect.any(String) });
    expect(typeof r.text).toBe('string');
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens + r.usage.completion_tokens);
    expect(r.cost_usd).toBeCloseTo((r.usage.prompt_tokens * 2 + r.usage.completion_tokens * 6) / 1e6, 12);
    const call = s.requests.find((q) => q.kind === 'chat');
    expect(call).toMatchObject({ model: 'phi3.5', authOk: true, status: 200, maxTokens: 64 });
  });

  it('model_class picks among the models of that class and says so; bad data is refused at submit', async () => {
    const [task] = await run([{ type: 'llm.chat', data: { model_class: 'large', messages: [{ role: 'user', content: 'Prove it' }] } }]);
    expect(task.status).toBe('succeeded');
    expect(task.result).toMatchObject({ model: 'llama3.2', model_class: 'large' });
    const route = await h.suite.http('/route', { method: 'POST', json: { task_type: 'llm.chat', model_class: 'large' } });
    expect(route.status).toBe(200);
    expect(route.body.reasoning).toContain('model_class large');
    expect(route.body.primary).toMatchObject({ model: 'llama3.2', protocol: 'openai' });

    for (const data of [{ prompt: 'a', messages: [{ role: 'user', content: 'b' }] }, { prompt: 'a', model: 'x', model_class: 'small' }, {}, { prompt: 'a', temperature: 7 }]) {
      const bad = await h.suite.http('/tasks', { method: 'POST', json: { type: 'llm.chat', data } });
      expect(bad.status).toBe(422);
      expect(bad.body.error.code).toBe('INVALID_TASK_DATA');
      expect(bad.body.error.message).toMatch(/^data\./);
    }
    // A pinned model no provider serves fails at once, without retries.
    const [unknown] = await run([chat('no-such-model', 'hello')]);
    expect(unknown.status).toBe('failed');
    expect(unknown.error.code).toBe('UNKNOWN_MODEL');
  });

  it('holds a provider\'s RPM across two runtime replicas, smoothly per second, without blocking another provider; priority holds', async () => {
    const limited = await provider('llm-limited', ['rpm-model'], { limits: { rpm: 120 } }, { limits: { rpm: 120 }, behaviour: { latencyMs: 20 } });
    const fast = await provider('llm-fast', ['fast-model']);
    const low = await submit(Array.from({ length: 30 }, (_, i) => ({ ...chat('rpm-model', `low ${i}`), priority: 'low' })));
    await new Promise((r) => setTimeout(r, 1500));
    const urgent = await submit([{ ...chat('rpm-model', 'urgent'), priority: 'critical' }]);
    const t0 = Date.now();
    const other = await run([chat('fast-model', 'not waiting for the other provider')]);
    expect(other[0].status).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(5000);
    // Tasks waiting for quota stay queued (not failed, not holding the dispatch window).
    const queued = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status = 'queued'`, [low.task_ids]);
    expect(Number(queued[0].n)).toBeGreaterThan(5);
    const done = await waitForTasks(h.suite, [...low.task_ids, ...urgent.task_ids], 60_000);
    expect([...done.values()].every((t) => t.status === 'succeeded')).toBe(true);
    expect(limited.counts.rateLimited).toBe(0);
    // 120 RPM = 2 per second: never more in any second at the provider.
    expect(limited.maxInAnyWindow(1000)).toBeLessThanOrEqual(3);
    // The critical task, submitted 1.5 s after 30 low ones, finished ahead of most of them.
    const urgentAt = Date.parse(done.get(urgent.task_ids[0]).finished_at);
    const lowBefore = low.task_ids.filter((id) => Date.parse(done.get(id).finished_at) < urgentAt).length;
    expect(lowBefore).toBeLessThan(12);
    // Both replicas made calls, and the service shows its limits and live usage.
    const runners = await h.db.query<{ runner: string }>(`SELECT DISTINCT runner FROM tasks WHERE id = ANY($1::uuid[])`, [low.task_ids]);
    expect(runners.length).toBe(2);
    const view = await h.suite.http('/services/llm-limited');
    expect(view.body).toMatchObject({ protocol: 'openai', limits: { rpm: 120 }, api_key_env: 'APIARY_TEST_LLM_KEY' });
    expect(view.body.usage.rpm).toBeGreaterThanOrEqual(31);
    expect(fast.counts.successes).toBe(1);
  });

  it('a provider\'s 429 pauses it without using up attempts, and is not learned as a failure', async () => {
    const s = await provider('llm-429', ['busy-model'], {}, { behaviour: { force429: { retryAfterS: 1 } } });
    const { task_ids } = await submit([chat('busy-model', 'wait for me')]);
    // More 429s than the task has attempts (APIARY_MAX_ATTEMPTS=3).
    await waitFor('four 429s', async () => s.counts.rateLimited >= 4, 30_000, 50);
    const paused = await h.suite.http('/services/llm-429');
    expect(paused.body.usage.throttled_until).not.toBeNull();
    s.behaviour.force429 = null;
    const done = await waitForTasks(h.suite, task_ids, 30_000);
    const task = done.get(task_ids[0]);
    expect(task.status).toBe('succeeded');
    const transitions = await h.db.query<{ reason: string }>(`SELECT reason FROM task_transitions WHERE task_id = $1 ORDER BY id`, [task_ids[0]]);
    expect(transitions.map((t) => t.reason)).toContain('provider_throttled');
    const entry = await waitFor('memory to learn the call', async () => {
      const stats = await h.suite.http('/memory/stats?task_type=llm.chat');
      return stats.body.stats.find((x: any) => x.service === 'llm-429/busy-model');
    }, 10_000, 100);
    expect(entry).toMatchObject({ failures: 0, successes: 1 });
  });

  it('falls back to a second provider when the first fails; a missing key variable moves on too', async () => {
    const bad = await provider('llm-bad', ['shared-model'], {}, { behaviour: { failRate: 1 } });
    const nokey = await startOpenAiStandIn({ models: ['shared-model'], apiKey: SECRET });
    standIns.push(nokey);
    expect((await h.suite.http('/services', {
      method: 'POST',
      json: { service_name: 'llm-nokey', endpoint: nokey.baseURL, protocol: 'openai', models: ['shared-model'], api_key_env: 'APIARY_UNSET_KEY' },
    })).status).toBe(201);
    const good = await provider('llm-good', ['shared-model']);
    await h.suite.http('/routing/policies/llm.chat', { method: 'PUT', json: { strategy: 'round_robin', max_retries: 0, backoff: 'none' } });
    const tasks = await run(Array.from({ length: 6 }, (_, i) => chat('shared-model', `fallback ${i}`)));
    expect(tasks.map((t) => t.status)).toEqual(tasks.map(() => 'succeeded'));
    expect(tasks.every((t) => t.result.service === 'llm-good')).toBe(true);
    expect(bad.counts.serverErrors).toBeGreaterThan(0);
    expect(nokey.counts.calls).toBe(0);
    expect(good.counts.successes).toBe(6);
    await h.suite.http('/routing/policies/llm.chat', { method: 'PUT', json: { strategy: 'learned', max_retries: 3, backoff: 'exponential' } });
  });

  it('a batch budget cancels its tasks not started once spent; running ones finish', async () => {
    await provider('llm-budget', ['budget-model'], { pricing: { 'budget-model': { input_per_1m: 50_000, output_per_1m: 50_000 } }, limits: { rpm: 60 } }, { limits: { rpm: 60 } });
    const { batch_id, task_ids } = await submit(Array.from({ length: 20 }, (_, i) => chat('budget-model', `spend ${i}`, { max_tokens: 10 })), { max_cost_usd: 2 });
    const done = await waitForTasks(h.suite, task_ids, 60_000);
    const tasks = [...done.values()];
    const succeeded = tasks.filter((t) => t.status === 'succeeded');
    const cancelled = tasks.filter((t) => t.status === 'cancelled');
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.length).toBeGreaterThan(10);
    expect(succeeded.length + cancelled.length).toBe(20);
    expect(cancelled.every((t) => t.error.code === 'BUDGET_EXCEEDED')).toBe(true);
    const spent = succeeded.reduce((sum, t) => sum + t.result.cost_usd, 0);
    expect(spent).toBeGreaterThanOrEqual(2);
    const [budget] = await h.db.query<{ spent_usd: number }>(`SELECT spent_usd FROM budgets WHERE scope = $1`, [`batch:${batch_id}`]);
    expect(Number(budget.spent_usd)).toBeCloseTo(spent, 9);
  });

  it('a swarm budget cancels its tasks not started and refuses new work once spent', async () => {
    const swarm = await h.suite.http('/swarms', { method: 'POST', json: { name: 'budget-swarm', count: 6, tier: 'standard', capabilities: ['llm.chat'], max_cost_usd: 1 } });
    expect(swarm.status).toBe(201);
    const assign = await h.suite.http(`/swarms/${swarm.body.id}/tasks`, { method: 'POST', json: { type: 'llm.chat', data: { model: 'budget-model', prompt: 'swarm spend', max_tokens: 10 } } });
    expect(assign.status).toBe(201);
    const batch = await waitFor('the swarm batch to finish', async () => {
      const b = await h.suite.http(`/swarms/${swarm.body.id}/batches/${assign.body.batch_id}`);
      return b.body.status === 'done' ? b.body : undefined;
    }, 60_000, 200);
    expect(batch.succeeded).toBeGreaterThanOrEqual(1);
    expect(batch.failed).toBeGreaterThanOrEqual(1); // cancelled ones count as not succeeded
    expect(batch.succeeded + batch.failed).toBe(6);
    const again = await h.suite.http(`/swarms/${swarm.body.id}/tasks`, { method: 'POST', json: { type: 'llm.chat', data: { model: 'budget-model', prompt: 'more' } } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('BUDGET_EXCEEDED');
  });

  it('a workflow run\'s budget stops the steps not started', async () => {
    const step = (id: string, depends_on: string[] = []) => ({ id, type: 'llm.chat', parameters: { model: 'budget-model', prompt: `step ${id}`, max_tokens: 10 }, depends_on });
    const r = await h.suite.http('/workflows', { method: 'POST', json: { name: 'budgeted', steps: [step('a'), step('b', ['a']), step('c', ['b']), step('d', ['c'])], max_cost_usd: 1 } });
    expect(r.status).toBe(201);
    const run = await waitFor('the run to end', async () => {
      const w = await h.suite.http(`/workflows/${r.body.workflow_id ?? r.body.id}`);
      return w.body.status !== 'running' ? w.body : undefined;
    }, 60_000, 200);
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run.error)).toContain('BUDGET_EXCEEDED');
    const [budget] = await h.db.query<{ spent_usd: number; max_cost_usd: number }>(`SELECT spent_usd, max_cost_usd FROM budgets WHERE scope LIKE 'workflow:%'`);
    expect(Number(budget.spent_usd)).toBeGreaterThanOrEqual(1);
  });

  it('serves identical work from the result cache with no provider call', async () => {
    const s = await provider('llm-cache', ['cache-model'], { pricing: { 'cache-model': { input_per_1m: 1, output_per_1m: 1 } } });
    expect((await h.suite.http('/routing/policies/llm.chat', { method: 'PUT', json: { cache_ttl_s: 60 } })).status).toBe(200);
    // The brain reuses a type's route (with its policy's TTL) for up to 5 s.
    await new Promise((r) => setTimeout(r, 5500));
    const before = (await h.suite.http('/cache/stats')).body;
    const [first] = await run([{ type: 'llm.chat', data: { model: 'cache-model', prompt: 'cached answer', temperature: 0 } }]);
    expect(first.status).toBe('succeeded');
    expect(first.result.cost_usd).toBeGreaterThan(0);
    const calls = s.counts.calls;
    // Same data with its keys in another order: a hit, answered at submit.
    const hit = await h.suite.http('/tasks', { method: 'POST', json: { type: 'llm.chat', data: { temperature: 0, prompt: 'cached answer', model: 'cache-model' } } });
    expect(hit.status).toBe(201);
    expect(hit.body.status).toBe('succeeded');
    expect(hit.body.result).toMatchObject({ text: first.result.text, cached: true, cost_usd: 0 });
    expect(s.counts.calls).toBe(calls);
    const [again] = await run([{ type: 'llm.chat', data: { model: 'cache-model', prompt: 'cached answer', temperature: 0 }, cache: false }]);
    expect(again.result.cached).toBeUndefined();
    expect(s.counts.calls).toBe(calls + 1);
    const after = (await h.suite.http('/cache/stats')).body;
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(1);
    expect(after.entries).toBeGreaterThanOrEqual(1);
    await h.suite.http('/routing/policies/llm.chat', { method: 'PUT', json: { cache_ttl_s: 0 } });
  });

  it('GET /costs sums the stored results\' tokens and USD by service, model and API key', async () => {
    // The brain's task records (another service's table) against memory's sums.
    const records = await h.db.query<{ service: string; usd: number }>(
      `SELECT result->>'service' AS service, sum((result->>'cost_usd')::float8) AS usd FROM tasks
        WHERE status = 'succeeded' AND type = 'llm.chat' GROUP BY 1`,
    );
    const expected = new Map<string, number>(records.map((r) => [r.service, Number(r.usd)]));
    expect(expected.size).toBeGreaterThan(5);
    await waitFor('memory to store every result', async () => {
      const r = await h.suite.http('/costs?group_by=service&window_s=3600');
      const bySvc = new Map<string, number>(r.body.groups.map((g: any) => [g.key, g.cost_usd]));
      return [...expected].every(([svc, usd]) => Math.abs((bySvc.get(svc) ?? 0) - usd) < 1e-9);
    }, 20_000, 200);
    const byModel = await h.suite.http('/costs?group_by=model&window_s=3600');
    expect(byModel.status).toBe(200);
    const phi = byModel.body.groups.find((g: any) => g.key === 'phi3.5');
    expect(phi).toMatchObject({ tasks: 1, prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(byModel.body.total_cost_usd).toBeCloseTo(total, 9);
    const byKey = await h.suite.http('/costs?group_by=api_key&window_s=3600');
    expect(byKey.body.groups.filter((g: any) => g.key !== null).length).toBe(1);
    expect((await h.suite.http('/costs?group_by=planet')).status).toBe(400);
  });

  it('keeps the API key out of every reply and log line', async () => {
    const replies = [await h.suite.http('/services'), await h.suite.http('/routing/policies'), await h.suite.http('/memory/short-term')];
    for (const r of replies) expect(JSON.stringify(r.body)).not.toContain(SECRET);
    for (const f of readdirSync(h.suite.logDir)) expect(readFileSync(join(h.suite.logDir, f), 'utf8')).not.toContain(SECRET);
    // The stand-ins saw it: it was sent as the bearer token.
    expect(standIns[0].requests.some((q) => q.authOk)).toBe(true);
  });
});
