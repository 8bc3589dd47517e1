import { waitFor } from '@apiary/testing';
import { AiService, seededRandom, startAiService } from './ai-services';
import { useSuite, waitForTasks } from './helpers';

// Issue 5 end to end: a real workload through the gateway, where one HTTP service
// (a real server on loopback, started here) is slow and one fails 20% of the time.
// memory learns from every call; self-improvement analyses what it learned and only
// suggests: approving changes nothing else; marking a suggestion implemented after
// the fix records the improvement measured over a window of the same length.
describe('self-improvement from a real workload', () => {
  const h = useSuite({
    APIARY_LOG_LEVEL: 'warn',
    APIARY_ANALYSIS_INTERVAL_S: '0', // manual analyses only: the test decides when
    APIARY_RULE_LATENCY_MIN_SAMPLES: '10',
  });
  const services: AiService[] = [];
  let fast: AiService;
  let flaky: AiService;
  let slow: AiService;

  beforeAll(async () => {
    const register = async (name: string, capability: string, behaviour: Partial<AiService['behaviour']>, seed: number) => {
      const s = await startAiService(name, behaviour, seededRandom(seed));
      services.push(s);
      const r = await h.suite.http('/services', { method: 'POST', json: { service_name: name, endpoint: s.endpoint, capabilities: [capability] } });
      expect(r.status).toBe(201);
      const p = await h.suite.http(`/routing/policies/${capability}`, { method: 'PUT', json: { strategy: 'round_robin', max_retries: 0, backoff: 'none', timeout: 20 } });
      expect(p.status).toBe(200);
      return s;
    };
    fast = await register('sum-fast', 'sum.fast', { delayMs: 5 }, 1);
    flaky = await register('sum-flaky', 'sum.flaky', { delayMs: 5, failRate: 0.2 }, 42);
    slow = await register('sum-slow', 'sum.slow', { delayMs: 5500 }, 3);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
  });

  async function run(type: string, n: number) {
    const r = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: Array.from({ length: n }, (_, i) => ({ type, data: { text: `document ${i}` } })) } });
    expect(r.status).toBe(201);
    return [...(await waitForTasks(h.suite, r.body.task_ids, 90_000)).values()];
  }

  /** Waits until memory has counted `n` calls of a service (results are recorded in batches). */
  async function recorded(taskType: string, service: string, n: number) {
    await waitFor(`memory to count ${n} calls of ${service}`, async () => {
      const r = await h.suite.http(`/memory/stats?task_type=${taskType}&window_s=3600`);
      const row = r.body.stats?.find((s: { service: string }) => s.service === service);
      return row?.count === n ? row : undefined;
    }, 20_000, 100);
  }

  let suggestions: Record<string, any> = {};

  it('gets exactly the expected suggestions, with correct evidence', async () => {
    await Promise.all([run('sum.fast', 100), run('sum.flaky', 100), run('sum.slow', 12)]);
    const failures = flaky.calls - flaky.successes;
    expect(flaky.calls).toBe(100);
    expect(failures).toBeGreaterThan(10); // seeded: about 20%
    expect(failures).toBeLessThan(30);
    await Promise.all([recorded('sum.fast', 'sum-fast', 100), recorded('sum.flaky', 'sum-flaky', 100), recorded('sum.slow', 'sum-slow', 12)]);

    const analysis = await h.suite.http('/improvement/analyze', { method: 'POST', json: { time_window_hours: 0.01 } });
    expect(analysis.status).toBe(200);
    expect(analysis.body.sources.filter((s: { ok: boolean }) => !s.ok)).toEqual([]);
    suggestions = Object.fromEntries(analysis.body.suggestions.map((s: { key: string }) => [s.key, s]));
    // One runtime replica: no load-balance finding; every service healthy; no backlog.
    expect(Object.keys(suggestions).sort()).toEqual(['high_error_rate:sum.flaky:sum-flaky', 'high_latency:sum.slow:sum-slow']);
    for (const s of Object.values(suggestions)) {
      expect(s).toMatchObject({ status: 'open', auto_apply: false, requires: 'MANUAL_APPROVAL' });
      expect(['low', 'medium', 'high', 'critical']).toContain(s.priority);
      expect(typeof s.title).toBe('string');
      expect(typeof s.action).toBe('string');
    }
    expect(suggestions['high_error_rate:sum.flaky:sum-flaky']).toMatchObject({
      task_type: 'sum.flaky',
      service: 'sum-flaky',
      evidence: { metric: 'error_rate', value: failures / 100, threshold: 0.05, samples: 100, window: analysis.body.window },
    });
    const latency = suggestions['high_latency:sum.slow:sum-slow'];
    expect(latency).toMatchObject({ task_type: 'sum.slow', service: 'sum-slow', evidence: { metric: 'p95_latency_ms', threshold: 5000, samples: 12 } });
    expect(latency.evidence.value).toBeGreaterThanOrEqual(5500 * 0.99); // HDR histogram: 1% precision
    expect(latency.evidence.value).toBeLessThan(7000);
    expect(fast.successes).toBe(100);
    expect(slow.successes).toBe(12);

    // Seen again: the open suggestions are updated, not suggested twice.
    const again = await h.suite.http('/improvement/analyze', { method: 'POST', json: { time_window_hours: 0.01 } });
    expect(again.body).toMatchObject({ created: 0, updated: 2 });
    const listed = await h.suite.http('/suggestions?status=open');
    expect(listed.body.suggestions).toHaveLength(2);
  });

  it('approving a suggestion changes nothing else', async () => {
    const state = async () => ({
      // Active health checks keep running: their timestamp is the one thing allowed to move.
      services: (await h.suite.http('/services')).body.services.map((s: Record<string, unknown>) => ({ ...s, last_checked_at: null })),
      policies: (await h.suite.http('/routing/policies')).body,
      modules: (await h.suite.http('/modules')).body,
      priority: (await h.suite.http('/priority')).body,
      routing: (await h.suite.http('/routing/stats')).body,
      fleet: { ...(await h.suite.http('/bots/stats')).body, timestamp: null },
    });
    const before = await state();
    const [{ n: tasksBefore }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks`);
    const id = suggestions['high_latency:sum.slow:sum-slow'].id;
    const approved = await h.suite.http(`/suggestions/${id}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', auto_apply: false });
    await new Promise((r) => setTimeout(r, 1500)); // anything it triggered would have happened by now
    expect(await state()).toEqual(before);
    const [{ n: tasksAfter }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks`);
    expect(tasksAfter).toBe(tasksBefore);
    // Approving twice is not a transition.
    const twice = await h.suite.http(`/suggestions/${id}/approve`, { method: 'POST' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('SUGGESTION_INVALID_TRANSITION');
  });

  it('records a measured improvement once the fix is implemented', async () => {
    const id = suggestions['high_error_rate:sum.flaky:sum-flaky'].id;
    const before = suggestions['high_error_rate:sum.flaky:sum-flaky'].evidence.value;
    expect((await h.suite.http(`/suggestions/${id}/approve`, { method: 'POST' })).status).toBe(200);
    flaky.behaviour.failRate = 0; // the fix
    const implemented = await h.suite.http(`/suggestions/${id}/implemented`, { method: 'POST' });
    expect(implemented.status).toBe(200);
    expect(implemented.body.impact).toMatchObject({ status: 'pending', before });
    const from = Date.parse(implemented.body.impact.after_window.from);

    await waitFor('the after-window to start', () => Date.now() > from + 500, 70_000, 250);
    await run('sum.flaky', 100);
    const measured = await waitFor('the improvement measured', async () => {
      const r = await h.suite.http(`/suggestions/${id}`);
      return r.body.impact?.status === 'measured' ? r.body : undefined;
    }, 150_000, 1000);
    expect(measured.impact).toMatchObject({ metric: 'error_rate', before, after: 0, improvement: 1 });
    const report = await h.suite.http('/improvement/report');
    expect(report.body.by_status).toMatchObject({ open: 0, approved: 1, implemented: 1 });
    expect(report.body.improvements).toEqual([expect.objectContaining({ suggestion_id: id, before, after: 0, status: 'measured' })]);
  }, 240_000);

  it('refuses a bad window and an unknown suggestion', async () => {
    const bad = await h.suite.http('/improvement/analyze', { method: 'POST', json: { time_window_hours: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/time_window_hours/);
    const missing = await h.suite.http('/suggestions/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SUGGESTION_NOT_FOUND');
  });
});
