import { waitFor } from '@apiary/testing';
import { AiService, startAiService } from './ai-services';
import { useSuite } from './helpers';

// Issue 6 end to end: workflows (DAG, previous results, recovery, cancel, a brain
// killed mid-run), waiting for batches, and a cron schedule fired by two brains.
describe('workflows, batch waits and schedules', () => {
  const h = useSuite({ APIARY_LOG_LEVEL: 'warn', APIARY_WORKFLOW_SWEEP_MS: '500', APIARY_SCHEDULE_TICK_MS: '100' });
  let echo: AiService;

  beforeAll(async () => {
    echo = await startAiService('wf-echo');
    const r = await h.suite.http('/services', { method: 'POST', json: { service_name: 'wf-echo', endpoint: echo.endpoint, capabilities: ['wf.echo'] } });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await echo?.close();
  });

  async function start(body: Record<string, unknown>): Promise<any> {
    const r = await h.suite.http('/workflows', { method: 'POST', json: body });
    expect({ status: r.status, body: r.status === 201 ? 'ok' : r.body }).toEqual({ status: 201, body: 'ok' });
    return r.body;
  }

  async function finished(id: string, timeoutMs = 60_000): Promise<any> {
    let view: any;
    await waitFor(`workflow ${id} to finish`, async () => {
      view = (await h.suite.http(`/workflows/${id}`)).body;
      return view.status !== 'running';
    }, timeoutMs, 100);
    return view;
  }

  it('runs a diamond DAG: the middle steps in parallel, the last with both results merged', async () => {
    const run = await start({
      name: 'diamond',
      parameters: { campaign: 'launch' },
      steps: [
        { id: 'research', type: 'wf.echo', parameters: { topic: 'ai' } },
        { id: 'draft', type: 'wf.echo', use_previous_results: 'research', parameters: { part: 'draft' } },
        { id: 'images', type: 'sleep', depends_on: ['research'], parameters: { ms: 300 } },
        { id: 'publish', type: 'wf.echo', use_previous_results: ['images', 'draft'] },
      ],
    });
    expect(run.steps.map((s: any) => s.status)).toEqual(['running', 'pending', 'pending', 'pending']);
    const view = await finished(run.workflow_id);
    expect(view.status).toBe('succeeded');
    const step = (id: string) => view.steps.find((s: any) => s.id === id);
    expect(step('research').result).toEqual({ service: 'wf-echo', echo: { topic: 'ai', campaign: 'launch' } });
    // use_previous_results: the object result is merged into the parameters.
    expect(step('draft').parameters).toEqual({ part: 'draft', campaign: 'launch', service: 'wf-echo', echo: { topic: 'ai', campaign: 'launch' } });
    expect(step('publish').parameters).toEqual({ campaign: 'launch', slept_ms: 300, ...step('draft').result });
    expect(step('publish').result.echo).toEqual(step('publish').parameters);
    // draft and images ran at the same time.
    const [d, i] = [step('draft'), step('images')];
    expect(Date.parse(d.started_at)).toBeLessThan(Date.parse(i.finished_at));
    expect(Date.parse(i.started_at)).toBeLessThan(Date.parse(d.finished_at));
    expect(view.execution_time).toBeGreaterThan(0.3);
    expect(Object.keys(view.results).sort()).toEqual(['draft', 'images', 'publish', 'research']);
  });

  it('refuses an unknown type at submit naming the step (422), and a cycle', async () => {
    const r = await h.suite.http('/workflows', { method: 'POST', json: { name: 'bad', steps: [{ id: 'a', type: 'noop' }, { id: 'b', type: 'no.such.type' }] } });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'UNKNOWN_TASK_TYPE', message: 'steps.1.type: unknown task type "no.such.type"' });
    const c = await h.suite.http('/workflows', { method: 'POST', json: { name: 'loop', steps: [{ id: 'a', type: 'noop', depends_on: ['b'] }, { id: 'b', type: 'noop', use_previous_results: 'a' }] } });
    expect(c.status).toBe(422);
    expect(c.body.error.code).toBe('INVALID_WORKFLOW');
  });

  it('fails at a failing step without recovery: failed_step, error, partial_results, the rest skipped', async () => {
    const run = await start({
      name: 'no-recovery',
      steps: [
        { id: 'fetch', type: 'noop' },
        { id: 'call', type: 'http', depends_on: ['fetch'], parameters: { url: `${echo.endpoint}/missing` } },
        { id: 'report', type: 'noop', depends_on: ['call'] },
      ],
    });
    const view = await finished(run.workflow_id);
    expect(view).toMatchObject({ status: 'failed', failed_step: 'call', error: { code: 'HTTP_404' }, partial_results: { fetch: { ok: true } } });
    expect(view.steps.map((s: any) => s.status)).toEqual(['succeeded', 'failed', 'skipped']);
  });

  it('recovers a failing step: the recovery task stands in for it and the run goes on', async () => {
    const run = await start({
      name: 'with-recovery',
      steps: [
        { id: 'call', type: 'http', parameters: { url: `${echo.endpoint}/missing` }, recovery: { type: 'wf.echo', parameters: { fallback: true } } },
        { id: 'report', type: 'wf.echo', use_previous_results: 'call' },
      ],
    });
    const view = await finished(run.workflow_id);
    expect(view.status).toBe('succeeded');
    const call = view.steps[0];
    expect(call).toMatchObject({ status: 'succeeded', recovered: true, error: { code: 'HTTP_404' } });
    expect(call.result.echo).toMatchObject({ fallback: true, recovery_of: { step_id: 'call', error: { code: 'HTTP_404' } } });
    expect(view.steps[1].parameters.echo.fallback).toBe(true);
  });

  it('cancels a run: the pending step never runs', async () => {
    const run = await start({ name: 'cancel', steps: [{ id: 'slow', type: 'sleep', parameters: { ms: 1500 } }, { id: 'next', type: 'noop', depends_on: ['slow'] }] });
    await waitFor('slow running', async () => (await h.suite.http(`/workflows/${run.workflow_id}`)).body.steps[0].task_id !== null, 10_000, 50);
    const r = await h.suite.http(`/workflows/${run.workflow_id}/cancel`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'cancelled' });
    expect(r.body.steps.map((s: any) => s.status)).toEqual(['cancelled', 'cancelled']);
    await new Promise((res) => setTimeout(res, 2500));
    const view = (await h.suite.http(`/workflows/${run.workflow_id}`)).body;
    expect(view.status).toBe('cancelled');
    expect(view.steps[1].task_id).toBeNull();
    const tasks = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE workflow_run_id = $1`, [run.workflow_id]);
    expect(Number(tasks[0].n)).toBe(1);
  });

  it('waits for a batch: woken when its last task finishes, or timeout_exceeded after wait_s', async () => {
    const b = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: Array.from({ length: 20 }, () => ({ type: 'sleep', data: { ms: 400 } })) } });
    expect(b.status).toBe(201);
    const t0 = Date.now();
    const w = await h.suite.http(`/batches/${b.body.batch_id}?wait_s=30&limit=15`);
    expect(w.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(w.body).toMatchObject({ completed_tasks: 20, total_tasks: 20, completion_rate: 1, timeout_exceeded: false });
    expect(Object.keys(w.body.results)).toHaveLength(15);
    expect(Object.values(w.body.results).every((r: any) => r.status === 'succeeded' && r.result.slept_ms === 400)).toBe(true);
    const rest = await h.suite.http(`/batches/${b.body.batch_id}?cursor=${w.body.next_cursor}`);
    expect(Object.keys(rest.body.results)).toHaveLength(5);

    const slow = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: [{ type: 'sleep', data: { ms: 4000 } }] } });
    const t1 = Date.now();
    const late = await h.suite.http(`/batches/${slow.body.batch_id}?wait_s=1`);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(950);
    expect(late.body).toMatchObject({ completed_tasks: 0, total_tasks: 1, completion_rate: 0, timeout_exceeded: true });
    expect((await h.suite.http(`/batches/${slow.body.batch_id}?wait_s=61`)).status).toBe(400);
  });

  it('continues a run after the brain is killed mid-run, without re-running succeeded steps', async () => {
    const run = await start({
      name: 'durable',
      steps: [
        { id: 'one', type: 'sleep', parameters: { ms: 300 } },
        { id: 'two', type: 'sleep', depends_on: ['one'], parameters: { ms: 2000 } },
        { id: 'three', type: 'noop', use_previous_results: 'two' },
      ],
    });
    await waitFor('step two running', async () => {
      const rows = await h.db.query<{ status: string }>(`SELECT status FROM workflow_steps WHERE run_id = $1 AND step_id = 'two'`, [run.workflow_id]);
      return rows[0]?.status === 'running';
    }, 20_000, 20);
    const brain = h.suite.services.find((s) => s.app === 'orchestrator-brain' && s.child.exitCode === null)!;
    await brain.stop('SIGKILL');
    // Step two finishes while no brain runs: its completion waits in JetStream.
    await new Promise((res) => setTimeout(res, 2500));
    const [{ status }] = await h.db.query<{ status: string }>(`SELECT status FROM workflow_runs WHERE id = $1`, [run.workflow_id]);
    expect(status).toBe('running');
    await h.suite.add('orchestrator-brain', '-restarted');
    const view = await finished(run.workflow_id);
    expect(view.status).toBe('succeeded');
    expect(view.steps.map((s: any) => s.attempts)).toEqual([1, 1, 1]);
    expect(view.steps[2].parameters).toEqual({ slept_ms: 2000 });
    const perStep = await h.db.query<{ workflow_step: string; n: string }>(
      `SELECT workflow_step, count(*) AS n FROM tasks WHERE workflow_run_id = $1 GROUP BY workflow_step ORDER BY workflow_step`,
      [run.workflow_id],
    );
    expect(perStep.map((r) => [r.workflow_step, Number(r.n)])).toEqual([['one', 1], ['three', 1], ['two', 1]]);
  });

  it('fires a schedule every second exactly once across two brain replicas', async () => {
    await h.suite.add('orchestrator-brain', '-second');
    const brains = h.suite.services.filter((s) => s.app === 'orchestrator-brain' && s.child.exitCode === null && s.child.signalCode === null);
    expect(brains).toHaveLength(2);
    const created = await h.suite.http('/schedules', { method: 'POST', json: { name: 'every-second', cron: '* * * * * *', task: { type: 'noop', data: { from: 'every-second' } } } });
    expect(created.status).toBe(201);
    const id = created.body.schedule_id;
    await new Promise((res) => setTimeout(res, 5500));
    expect((await h.suite.http(`/schedules/${id}/pause`, { method: 'POST' })).body.status).toBe('paused');
    const runs = (await h.suite.http(`/schedules/${id}/runs`)).body.runs as any[];
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.every((r) => r.status === 'fired' && r.task_id)).toBe(true);
    const seconds = runs.map((r) => Date.parse(r.occurrence) / 1000).sort((a, b) => a - b);
    expect(new Set(seconds).size).toBe(seconds.length);
    seconds.slice(1).forEach((t, i) => expect(t - seconds[i]).toBe(1));
    const tasks = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE data->>'from' = 'every-second'`);
    expect(Number(tasks[0].n)).toBe(runs.length);
    const list = await h.suite.http('/schedules');
    expect(list.body.schedules.map((s: any) => s.name)).toContain('every-second');
    expect((await h.suite.http(`/schedules/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await h.suite.http(`/schedules/${id}`)).status).toBe(404);
  });
});
