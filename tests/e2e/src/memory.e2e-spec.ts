import { waitFor } from '@apiary/testing';
import { AiService, seededRandom, startAiService } from './ai-services';
import { useSuite, waitForTasks } from './helpers';

// Issue 5 end to end (memory): contexts reach handlers, every result is remembered
// once, and patterns, relevant results, short-term memory and the summary are
// served through the gateway from what really ran.
describe('memory through the gateway', () => {
  const h = useSuite({ APIARY_LOG_LEVEL: 'warn', APIARY_MEMORY_SHORT_TERM: '50' });
  let svc: AiService;

  afterAll(async () => {
    await svc?.close();
  });

  async function run(tasks: Record<string, unknown>[]) {
    const r = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks } });
    expect(r.status).toBe(201);
    return [...(await waitForTasks(h.suite, r.body.task_ids, 60_000)).values()];
  }

  it('creates, reads, merges and deletes a context; a task naming it hands it to the handler', async () => {
    const created = await h.suite.http('/memory/contexts', { method: 'POST', json: { context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch' }, ttl_s: 600 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch' } });
    const patched = await h.suite.http('/memory/contexts/campaign_2024', { method: 'PATCH', json: { data: { target_audience: 'tech_enthusiasts' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual({ campaign_name: 'Q1 Launch', target_audience: 'tech_enthusiasts' });

    const [withContext, missing] = await run([
      { type: 'noop', data: {}, context_id: 'campaign_2024' },
      { type: 'noop', data: {}, context_id: 'no_such_context' },
    ]);
    expect(withContext.status).toBe('succeeded');
    expect(withContext.result).toEqual({ ok: true, context: { context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch', target_audience: 'tech_enthusiasts' } } });
    expect(missing.status).toBe('failed');
    expect(missing.error.code).toBe('CONTEXT_NOT_FOUND');

    expect((await h.suite.http('/memory/contexts/campaign_2024', { method: 'DELETE' })).status).toBe(200);
    const gone = await h.suite.http('/memory/contexts/campaign_2024');
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('CONTEXT_NOT_FOUND');
    const bad = await h.suite.http('/memory/contexts', { method: 'POST', json: { context_id: 'x y', data: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/context_id/);
  });

  it('learns success patterns per service, parameters and hour of day from routed calls', async () => {
    svc = await startAiService('pt-svc', { failRate: 0.25 }, seededRandom(5));
    expect((await h.suite.http('/services', { method: 'POST', json: { service_name: 'pt-svc', endpoint: svc.endpoint, capabilities: ['pt.classify'] } })).status).toBe(201);
    expect((await h.suite.http('/routing/policies/pt.classify', { method: 'PUT', json: { strategy: 'round_robin', max_retries: 0, backoff: 'none' } })).status).toBe(200);
    const tasks = await run(Array.from({ length: 40 }, (_, i) => ({ type: 'pt.classify', data: { lang: i % 2 ? 'en' : 'de', text: `t${i}` } })));
    const succeeded = tasks.filter((t) => t.status === 'succeeded').length;
    expect(succeeded).toBe(svc.successes);

    const patterns = await waitFor('patterns of pt.classify', async () => {
      const r = await h.suite.http('/memory/patterns/pt.classify?window_s=3600');
      return r.status === 200 && r.body.count === 40 ? r.body : undefined;
    }, 20_000, 200);
    expect(patterns).toMatchObject({ task_type: 'pt.classify', successes: succeeded, failures: 40 - succeeded });
    expect(patterns.services).toEqual([expect.objectContaining({ service: 'pt-svc', count: 40, successes: succeeded })]);
    expect(patterns.hours.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(40);
    expect(patterns.parameters.sampled).toBe(40);
    expect(patterns.error_patterns[0]).toMatchObject({ count: 40 - succeeded });

    const relevant = await h.suite.http('/memory/relevant?task_type=pt.classify&limit=5');
    expect(relevant.status).toBe(200);
    expect(relevant.body.results).toHaveLength(5);
    expect(relevant.body.results.every((r: { success: boolean; type: string }) => r.success && r.type === 'pt.classify')).toBe(true);

    const shortTerm = await h.suite.http('/memory/short-term');
    expect(shortTerm.body.capacity).toBe(50);
    expect(shortTerm.body.results.length).toBeLessThanOrEqual(50);

    const summary = await h.suite.http('/memory/summary');
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ short_term_count: 42, contexts: 0 }); // 2 noop + 40 pt.classify, under N = 50
    expect(summary.body.long_term_types).toBeGreaterThanOrEqual(2); // noop and pt.classify
    expect(summary.body.patterns_learned).toBeGreaterThanOrEqual(1); // (pt.classify, pt-svc) with ≥ 10 results
  });

  it('stores each result once', async () => {
    const rows = await h.db.query<{ n: string; d: string }>(`SELECT count(*) AS n, count(DISTINCT (task_id, attempt)) AS d FROM task_results`);
    expect(rows[0].n).toBe(rows[0].d);
  });
});
