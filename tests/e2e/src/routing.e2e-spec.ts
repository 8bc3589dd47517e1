import { waitFor } from '@apiary/testing';
import { AiService, seededRandom, startAiService } from './ai-services';
import { useSuite, waitForTasks } from './helpers';

// Issue 4 end to end: registered AI services (real HTTP servers on loopback,
// started here) run tasks of their capabilities through bot-runtime's `http`
// handler, routed by task-router, learned by memory and the brain.
describe('routing to registered AI services', () => {
  const h = useSuite({
    APIARY_LOG_LEVEL: 'warn',
    APIARY_HEALTH_CHECK_INTERVAL_MS: '300',
    APIARY_HEALTH_CHECK_TIMEOUT_MS: '500',
    APIARY_HEALTH_UNHEALTHY_THRESHOLD: '2',
    APIARY_HEALTH_HEALTHY_THRESHOLD: '1',
    APIARY_BREAKER_THRESHOLD: '3',
    APIARY_BREAKER_HALF_OPEN_MS: '3000',
    APIARY_DECISION_STATS_TTL_MS: '200',
  });
  const services: AiService[] = [];

  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
  });

  async function service(name: string, capabilities: string[], behaviour: Partial<AiService['behaviour']> = {}, extra: Record<string, unknown> = {}, seed = 1) {
    const s = await startAiService(name, behaviour, seededRandom(seed));
    services.push(s);
    const r = await h.suite.http('/services', { method: 'POST', json: { service_name: name, endpoint: s.endpoint, capabilities, ...extra } });
    expect(r.status).toBe(201);
    return s;
  }

  async function policy(taskType: string, body: Record<string, unknown>) {
    const r = await h.suite.http(`/routing/policies/${taskType}`, { method: 'PUT', json: body });
    expect(r.status).toBe(200);
    return r.body;
  }

  async function run(type: string, n: number, data: Record<string, unknown> = { text: 'hello' }) {
    const r = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: Array.from({ length: n }, (_, i) => ({ type, data: { ...data, i } })) } });
    expect(r.status).toBe(201);
    return [...(await waitForTasks(h.suite, r.body.task_ids, 60_000)).values()];
  }

  async function stats() {
    const r = await h.suite.http('/routing/stats');
    expect(r.status).toBe(200);
    return r.body;
  }

  it('runs a capability task through POST {endpoint}/process; the reply body is the result', async () => {
    const echo = await service('echo-ai', ['echo.run']);
    const [task] = await run('echo.run', 1, { subject: 'Product Launch' });
    expect(task.status).toBe('succeeded');
    expect(task.result).toEqual({ service: 'echo-ai', echo: { subject: 'Product Launch', i: 0 } });
    expect(echo.calls).toBe(1);
  });

  it('fails over to the fallback service when the primary keeps failing', async () => {
    const bad = await service('fo-bad', ['fo.summarize'], { failRate: 1 });
    const good = await service('fo-good', ['fo.summarize']);
    await policy('fo.summarize', { strategy: 'round_robin', max_retries: 1, backoff: 'exponential', base_delay_ms: 20, timeout: 2 });
    const before = await stats();
    const tasks = await run('fo.summarize', 8);
    expect(tasks.map((t) => t.status)).toEqual(tasks.map(() => 'succeeded'));
    expect(tasks.every((t) => t.result.service === 'fo-good')).toBe(true);
    expect(bad.calls).toBeGreaterThan(0);
    expect(bad.successes).toBe(0);
    expect(good.successes).toBe(8);
    await waitFor('failures and fallbacks in the stats', async () => {
      const s = await stats();
      return s.fallbacks_used > before.fallbacks_used && (s.failures['fo-bad'] ?? 0) >= bad.calls ? s : undefined;
    }, 10_000, 100);
  });

  it('opens the breaker after repeated failures (calls stop reaching the service) and closes it after a half-open success', async () => {
    const flaky = await service('br-flaky', ['br.classify'], { failRate: 1 });
    await service('br-good', ['br.classify']);
    await policy('br.classify', { strategy: 'round_robin', max_retries: 0, backoff: 'none', timeout: 2 });
    await run('br.classify', 8);
    await waitFor('br-flaky breaker open', async () => (await stats()).breaker_states['br-flaky'] === 'open', 10_000, 100);
    const callsWhenOpen = flaky.calls;
    expect(callsWhenOpen).toBeGreaterThanOrEqual(3);

    const whileOpen = await run('br.classify', 6);
    expect(whileOpen.every((t) => t.status === 'succeeded' && t.result.service === 'br-good')).toBe(true);
    expect(flaky.calls).toBe(callsWhenOpen);

    flaky.behaviour.failRate = 0;
    await new Promise((r) => setTimeout(r, 3200));
    await waitFor('a half-open call to br-flaky to succeed', async () => {
      await run('br.classify', 2);
      return flaky.successes > 0;
    }, 30_000, 100);
    await waitFor('br-flaky breaker closed', async () => (await stats()).breaker_states['br-flaky'] === 'closed', 10_000, 100);
  });

  it('learned routing shifts traffic to the better service within a bounded number of tasks', async () => {
    const good = await service('ln-good', ['ln.extract'], { delayMs: 5 });
    const bad = await service('ln-bad', ['ln.extract'], { delayMs: 5, failRate: 0.6 }, {}, 7);
    await policy('ln.extract', { strategy: 'learned', max_retries: 0, backoff: 'none', timeout: 2 });
    const share: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const badBefore = bad.calls;
      const tasks = await run('ln.extract', 10);
      expect(tasks.every((t) => t.status === 'succeeded')).toBe(true); // ln-bad's failures fall back to ln-good
      share.push((bad.calls - badBefore) / 10);
      await new Promise((r) => setTimeout(r, 300)); // memory batch + the brain's statistics cache (200 ms)
    }
    // Both are tried at first (exploration), then ln-bad gets little of the last 40 tasks.
    expect(bad.calls).toBeGreaterThan(0);
    const lastFour = share.slice(-4).reduce((a, b) => a + b, 0) / 4;
    expect(lastFour).toBeLessThanOrEqual(0.15);
    expect(good.successes).toBeGreaterThan(80);

    const d = await h.suite.http('/decisions', { method: 'POST', json: { task_type: 'ln.extract', priority: 'high' } });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ task_type: 'ln.extract', selected_service: 'ln-good', priority_level: 3, rule: 'thompson_sampling' });
    expect(d.body.confidence).toBeGreaterThan(0.9);
    expect(d.body.alternatives.map((a: { service: string }) => a.service)).toEqual(['ln-bad']);
    expect(d.body.reasoning).toMatch(/ln-good/);
  });

  it('starts a decision on an unseen type at confidence 0.7 and counts it in /brain/performance', async () => {
    await service('nd-one', ['nd.fresh']);
    await service('nd-two', ['nd.fresh']);
    const d = await h.suite.http('/decisions', { method: 'POST', json: { task_type: 'nd.fresh' } });
    expect(d.status).toBe(200);
    expect(d.body.confidence).toBeCloseTo(0.7, 5);
    expect(['nd-one', 'nd-two']).toContain(d.body.selected_service);
    expect(typeof d.body.reasoning).toBe('string');
    await waitFor('the decision counted', async () => {
      const p = await h.suite.http('/brain/performance');
      return p.status === 200 && (p.body.decisions_by_type['nd.fresh'] ?? 0) >= 1 && p.body.total_decisions >= 1;
    }, 10_000, 200);
    const none = await h.suite.http('/decisions', { method: 'POST', json: { task_type: 'nobody.serves.this' } });
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe('NO_CAPABLE_SERVICE');
  });

  it('sends a task whose every service failed to dead, lists it, and re-drives it once the service recovers', async () => {
    const down = await service('dl-down', ['dl.render'], { failRate: 1 });
    await policy('dl.render', { strategy: 'round_robin', max_retries: 2, backoff: 'exponential', base_delay_ms: 20, timeout: 2 });
    const [task] = await run('dl.render', 1);
    expect(task.status).toBe('dead');
    expect(task.error).toMatchObject({ code: 'ALL_SERVICES_FAILED' });
    expect(down.calls).toBe(3); // first call + max_retries 2
    const dead = await h.suite.http('/tasks?status=dead&limit=100');
    expect(dead.body.tasks.map((t: { task_id: string }) => t.task_id)).toContain(task.task_id);

    down.behaviour.failRate = 0;
    const retry = await h.suite.http(`/tasks/${task.task_id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(200);
    const [after] = [...(await waitForTasks(h.suite, [task.task_id], 60_000)).values()];
    expect(after.status).toBe('succeeded');
    expect(after.result.service).toBe('dl-down');
  });

  it('gives a disabled module no tasks, refuses disabling a dependency, and refuses tasks of a disabled built-in', async () => {
    const a = await service('dm-a', ['dm.translate']);
    const b = await service('dm-b', ['dm.translate']);
    await policy('dm.translate', { strategy: 'round_robin', max_retries: 0, backoff: 'none' });
    const off = await h.suite.http('/modules/dm-a/disable', { method: 'POST' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ name: 'dm-a', kind: 'service', enabled: false });
    const tasks = await run('dm.translate', 10);
    expect(tasks.every((t) => t.status === 'succeeded' && t.result.service === 'dm-b')).toBe(true);
    expect(a.calls).toBe(0);
    expect(b.calls).toBe(10);

    await service('dep-db', ['dep.query'], {}, { category: 'data' });
    await service('dep-email', ['dep.email'], {}, { category: 'business', depends_on: ['dep-db'] });
    await service('dep-fin', ['dep.finance'], {}, { category: 'business', depends_on: ['dep-db'] });
    const refused = await h.suite.http('/modules/dep-db/disable', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('MODULE_HAS_DEPENDENTS');
    expect(refused.body.error.message).toMatch(/Required by dep-email, dep-fin/);
    expect((await h.suite.http('/modules/dep-db')).body.enabled).toBe(true);

    const business = await h.suite.http('/modules?category=business');
    expect(business.body.modules.map((m: { name: string }) => m.name).sort()).toEqual(['dep-email', 'dep-fin']);
    const byCategory = await h.suite.http('/modules/by-category');
    expect(Object.keys(byCategory.body.categories)).toEqual(expect.arrayContaining(['builtin', 'data', 'business']));
    const health = await h.suite.http('/modules/health');
    expect(health.body.total_modules).toBeGreaterThanOrEqual(health.body.enabled + 1);
    const enabledOnly = await h.suite.http('/modules?enabled_only=true');
    expect(enabledOnly.body.modules.some((m: { name: string }) => m.name === 'dm-a')).toBe(false);

    expect((await h.suite.http('/modules/sleep/disable', { method: 'POST' })).status).toBe(200);
    await waitFor('sleep tasks refused', async () => {
      const r = await h.suite.http('/tasks', { method: 'POST', json: { type: 'sleep', data: { ms: 1 } } });
      return r.status === 409 && r.body.error.code === 'MODULE_DISABLED' ? r : undefined;
    }, 15_000, 250);
    expect((await h.suite.http('/modules/sleep/enable', { method: 'POST' })).status).toBe(200);
    await waitFor('sleep tasks accepted again', async () => {
      const r = await h.suite.http('/tasks', { method: 'POST', json: { type: 'sleep', data: { ms: 1 } } });
      return r.status === 201;
    }, 15_000, 250);
  });

  it('changes health from active checks without anyone calling PUT, and routes only to healthy services', async () => {
    const sick = await service('hc-svc', ['hc.cap']);
    await waitFor('hc-svc probed healthy', async () => {
      const r = await h.suite.http('/services/hc-svc');
      return r.body.status === 'healthy' && r.body.last_checked_at !== null;
    }, 10_000, 100);
    sick.behaviour.healthStatus = 500;
    await waitFor('hc-svc unhealthy', async () => (await h.suite.http('/services/hc-svc')).body.status === 'unhealthy', 10_000, 100);
    const noRoute = await h.suite.http('/route', { method: 'POST', json: { task_type: 'hc.cap' } });
    expect(noRoute.status).toBe(503);
    expect(noRoute.body.error.code).toBe('NO_HEALTHY_SERVICE');
    sick.behaviour.healthStatus = 200;
    await waitFor('hc-svc healthy again', async () => (await h.suite.http('/services/hc-svc')).body.status === 'healthy', 10_000, 100);
    const route = await h.suite.http('/route', { method: 'POST', json: { task_type: 'hc.cap', strategy: 'round_robin' } });
    expect(route.status).toBe(200);
    expect(route.body).toMatchObject({ primary_service: 'hc-svc', endpoint: sick.endpoint, fallback_services: [], strategy: 'round_robin' });
    expect(route.body.retry_strategy).toMatchObject({ max_retries: 3, backoff: 'exponential', timeout: 30 });

    const manual = await h.suite.http('/services/hc-svc/health', { method: 'PUT', json: { status: 'degraded' } });
    expect(manual.status).toBe(200);
    expect(manual.body).toMatchObject({ status: 'degraded', status_source: 'manual' });
    const bad = await h.suite.http('/services/hc-svc/health', { method: 'PUT', json: { status: 'sick' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/status/);
    const unknown = await h.suite.http('/route', { method: 'POST', json: { task_type: 'no.such.capability' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('NO_CAPABLE_SERVICE');
    const missing = await h.suite.http('/services/not-registered');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SERVICE_NOT_FOUND');
  });
});
