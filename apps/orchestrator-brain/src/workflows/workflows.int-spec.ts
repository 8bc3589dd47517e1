import { randomUUID } from 'node:crypto';
import { INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import pino from 'pino';
import { DataSource } from 'typeorm';
import {
  BatchCompletionView,
  BRAIN_BATCHES_GET,
  BRAIN_SCHEDULES_CREATE,
  BRAIN_SCHEDULES_PAUSE,
  BRAIN_SCHEDULES_RESUME,
  BRAIN_SCHEDULES_RUNS,
  BRAIN_WORKFLOW_DEFINITIONS_SAVE,
  BRAIN_WORKFLOWS_CANCEL,
  BRAIN_WORKFLOWS_GET,
  BRAIN_WORKFLOWS_START,
  ScheduleRunPage,
  ScheduleView,
  TaskCompletedEvent,
  TypeRoute,
  WorkflowView,
} from '@apiary/contracts';
import { BotRepository, createDataSource, migrateDatabase, openDatabase, TaskRepository } from '@apiary/persistence';
import { applyRpcGlobals, databaseProviders, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { BatchesHandler } from '../batches/batches.handler';
import { Dispatcher } from '../dispatch/dispatcher';
import { LaneResolver } from '../dispatch/lane-resolver';
import { BrainEnv } from '../env';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { PriorityPolicy } from '../priority/priority.service';
import { ScheduleService } from '../schedules/schedule.service';
import { SchedulesHandler } from '../schedules/schedules.handler';
import { DATA_SOURCE, LANE_RESOLVER, PRIORITY_POLICY } from '../tokens';
import { StepLauncher } from './step-launcher';
import { WorkflowEngine } from './workflow-engine';
import { WorkflowService } from './workflow.service';
import { WorkflowValidator } from './workflow-validator';
import { WorkflowsHandler } from './workflows.handler';
import { workflowProviders } from './workflows.providers';

/** Lane resolver knowing the built-ins `noop` and `sleep` and the capability `wf.fix` (the router's answer, without a router). */
class StaticLanes implements LaneResolver {
  async resolve(types: string[]) {
    const known = ['noop', 'sleep', 'wf.fix'];
    const routes = new Map<string, TypeRoute>();
    for (const t of new Set(types)) {
      if (known.includes(t)) routes.set(t, { task_type: t, lane: t.replace('.', '_'), subject: `apiary.work.${t}`, handler: t === 'wf.fix' ? 'http' : t, kind: t === 'wf.fix' ? 'service' : 'builtin' });
    }
    return { routes, unknown: [...new Set(types)].filter((t) => !known.includes(t)), disabled: [] };
  }
}

// Real PostgreSQL (own database, migrated) and nats-server. The brain's workflow,
// batch and schedule handlers run in a Nest microservice; tasks are "run" by
// applying completions through the real lifecycle and repository (what the events
// processor does), so the triggers, the inbox and the notifications are the real ones.
describe('workflows, batches and schedules (PostgreSQL + NATS)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let ds: DataSource;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let app: INestMicroservice;
  const logger = pino({ level: 'silent' });
  const lifecycle = new TaskLifecycle({ leaseMs: 60_000, retryBaseMs: 1000, retryMaxMs: 1000 });
  let tasks: TaskRepository;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(migrateDatabase), startNatsServer()]);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    tasks = new TaskRepository(ds);
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 30_000);
    @Module({
      controllers: [WorkflowsHandler, BatchesHandler, SchedulesHandler],
      providers: [
        ...databaseProviders(DATA_SOURCE, openDatabase),
        { provide: LANE_RESOLVER, useValue: new StaticLanes() },
        { provide: PRIORITY_POLICY, useValue: new PriorityPolicy() },
        { provide: Dispatcher, useValue: { nudge: () => undefined } },
        ...workflowProviders,
      ],
    })
    class WorkflowTestModule {}
    const env = loadEnv(BrainEnv, {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      APIARY_WORKFLOW_SWEEP_MS: '200',
      APIARY_SCHEDULE_TICK_MS: '100',
    });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      rootModule({ service: 'orchestrator-brain', imports: [WorkflowTestModule], env, logger }),
      { ...natsTransportOptions('orchestrator-brain', env), logger: false },
    );
    applyRpcGlobals(app, logger);
    await app.listen();
    await waitFor('workflow handler', () => rpc.request(BRAIN_WORKFLOWS_GET, { workflow_id: randomUUID() }).then(() => true, (e) => e.code === 'WORKFLOW_NOT_FOUND'), 10_000, 20);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await ds?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  /** Queued tasks of a run by step. */
  async function queued(runId: string): Promise<Map<string, { id: string; data: Record<string, unknown>; type: string }>> {
    const rows = await db.query<{ id: string; workflow_step: string; data: Record<string, unknown>; type: string }>(
      `SELECT id, workflow_step, data, type FROM tasks WHERE workflow_run_id = $1 AND status = 'queued'`,
      [runId],
    );
    return new Map(rows.map((r) => [r.workflow_step, r]));
  }

  /** Dispatches a queued task and completes it through the lifecycle, as the events processor would. */
  async function finish(taskId: string, outcome: { result?: unknown; error?: { code: string; message: string } }): Promise<void> {
    await tasks.transaction(async (tx) => {
      await tx.markDispatched([{ id: taskId, lane: 'x', attempt: 1 }], 60_000);
      const locked = await tx.lockByIds([taskId]);
      const now = new Date();
      const event: TaskCompletedEvent = {
        task_id: taskId, type: 'noop', attempt: 1, success: !outcome.error, result: outcome.result ?? null,
        error: outcome.error ? { ...outcome.error, retryable: false } : null, handler: 'noop', runner: 'test',
        started_at: now.toISOString(), finished_at: now.toISOString(), latency_ms: 1,
      };
      const { updates, transitions } = lifecycle.decideMany(locked, () => [{ kind: 'completed', event }], now);
      await tx.applyUpdates(updates, transitions);
    });
  }

  async function waitStep(runId: string, step: string): Promise<{ id: string; data: Record<string, unknown>; type: string }> {
    let task: { id: string; data: Record<string, unknown>; type: string } | undefined;
    await waitFor(`step ${step} queued`, async () => (task = (await queued(runId)).get(step)) !== undefined, 10_000, 20);
    return task!;
  }

  const get = (id: string) => rpc.request<WorkflowView>(BRAIN_WORKFLOWS_GET, { workflow_id: id });

  it('runs a diamond DAG: parallel middle steps, previous results merged, execution time', async () => {
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'diamond',
      parameters: { region: 'eu' },
      steps: [
        { id: 'fetch', type: 'noop', parameters: { source: 'crm' } },
        { id: 'left', type: 'noop', use_previous_results: 'fetch' },
        { id: 'right', type: 'noop', depends_on: ['fetch'] },
        { id: 'join', type: 'noop', use_previous_results: ['left', 'right'] },
      ],
    });
    expect(run).toMatchObject({ status: 'running', name: 'diamond', steps: [{ id: 'fetch', status: 'running' }, { status: 'pending' }, { status: 'pending' }, { status: 'pending' }] });
    const fetch = await waitStep(run.workflow_id, 'fetch');
    expect(fetch.data).toEqual({ source: 'crm', region: 'eu' });
    await finish(fetch.id, { result: { rows: 3 } });
    const left = await waitStep(run.workflow_id, 'left');
    const right = await waitStep(run.workflow_id, 'right');
    expect(left.data).toEqual({ region: 'eu', rows: 3 });
    await finish(right.id, { result: { right: 'R', shared: 'from right' } });
    await finish(left.id, { result: { left: 'L', shared: 'from left' } });
    const join = await waitStep(run.workflow_id, 'join');
    expect(join.data).toEqual({ region: 'eu', left: 'L', right: 'R', shared: 'from right' });
    await finish(join.id, { result: { done: true } });
    await waitFor('run succeeded', async () => (await get(run.workflow_id)).status === 'succeeded', 10_000, 20);
    const view = await get(run.workflow_id);
    expect(view.results).toEqual({ fetch: { rows: 3 }, left: { left: 'L', shared: 'from left' }, right: { right: 'R', shared: 'from right' }, join: { done: true } });
    expect(view.steps.every((s) => s.status === 'succeeded' && s.attempts === 1 && s.duration_ms !== null)).toBe(true);
    expect(view.execution_time).toBeGreaterThan(0);
    expect(view.partial_results).toBeNull();
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE workflow_run_id = $1`, [run.workflow_id]);
    expect(Number(n)).toBe(4);
    const [{ inbox }] = await db.query<{ inbox: string }>(`SELECT count(*) AS inbox FROM workflow_inbox`);
    expect(Number(inbox)).toBe(0);
    // The four step tasks advanced the anonymous tenant's fair-share clock after their commits.
    const [{ v }] = await db.query<{ v: number }>(`SELECT virtual_finish_s AS v FROM fairness_clocks WHERE key = ''`);
    expect(Number(v)).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('fails the run without recovery: failed_step, error, partial_results, not-started steps skipped', async () => {
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'breaks',
      steps: [{ id: 'one', type: 'noop' }, { id: 'two', type: 'noop', depends_on: ['one'] }, { id: 'three', type: 'noop', depends_on: ['two'] }],
    });
    await finish((await waitStep(run.workflow_id, 'one')).id, { result: { ok: 1 } });
    await finish((await waitStep(run.workflow_id, 'two')).id, { error: { code: 'HANDLER_ERROR', message: 'bad input' } });
    await waitFor('run failed', async () => (await get(run.workflow_id)).status === 'failed', 10_000, 20);
    const view = await get(run.workflow_id);
    expect(view).toMatchObject({ failed_step: 'two', error: { code: 'HANDLER_ERROR', message: 'bad input' }, partial_results: { one: { ok: 1 } } });
    expect(view.steps.map((s) => s.status)).toEqual(['succeeded', 'failed', 'skipped']);
  });

  it('runs a recovery task whose success stands in for the failed step', async () => {
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'recovers',
      steps: [
        { id: 'risky', type: 'noop', recovery: { type: 'wf.fix', parameters: { mode: 'safe' } } },
        { id: 'after', type: 'noop', use_previous_results: 'risky' },
      ],
    });
    await finish((await waitStep(run.workflow_id, 'risky')).id, { error: { code: 'FLAKY', message: 'try again' } });
    const fix = await waitStep(run.workflow_id, 'risky');
    expect(fix.type).toBe('wf.fix');
    expect(fix.data).toEqual({ mode: 'safe', recovery_of: { step_id: 'risky', error: { code: 'FLAKY', message: 'try again', retryable: false } } });
    await finish(fix.id, { result: { fixed: true } });
    const after = await waitStep(run.workflow_id, 'after');
    expect(after.data).toEqual({ fixed: true });
    await finish(after.id, { result: {} });
    await waitFor('run succeeded', async () => (await get(run.workflow_id)).status === 'succeeded', 10_000, 20);
    expect((await get(run.workflow_id)).steps[0]).toMatchObject({ status: 'succeeded', recovered: true, result: { fixed: true } });
  });

  it('re-runs a step with a retry recovery, and fails a step past its timeout', async () => {
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'retries',
      steps: [{ id: 'flaky', type: 'noop', recovery: { retry: { max_attempts: 1 } } }, { id: 'stuck', type: 'noop', depends_on: ['flaky'], timeout_ms: 300 }],
    });
    const first = await waitStep(run.workflow_id, 'flaky');
    await finish(first.id, { error: { code: 'FLAKY', message: 'once' } });
    let second: { id: string } | undefined;
    await waitFor('flaky re-run', async () => {
      const t = (await queued(run.workflow_id)).get('flaky');
      second = t;
      return t !== undefined && t.id !== first.id;
    }, 10_000, 20);
    await finish(second!.id, { result: { second: true } });
    const stuck = await waitStep(run.workflow_id, 'stuck');
    await waitFor('run failed by the timeout', async () => (await get(run.workflow_id)).status === 'failed', 10_000, 50);
    const view = await get(run.workflow_id);
    expect(view.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2, result: { second: true } });
    expect(view).toMatchObject({ failed_step: 'stuck', error: { code: 'STEP_TIMEOUT' } });
    const [{ status }] = await db.query<{ status: string }>(`SELECT status FROM tasks WHERE id = $1`, [stuck.id]);
    expect(status).toBe('cancelled');
  });

  it('fans a swarm step out over the swarm; the batch fan-in is the step result', async () => {
    const swarmId = randomUUID();
    const bots = new BotRepository(ds);
    await bots.insertSwarm({ id: swarmId, name: 'wf-swarm', tier: 'standard', capabilities: ['noop'] });
    const swarm = await bots.findSwarm(swarmId);
    await bots.insertSwarmBots(swarm!, 3, 1);
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'fan-out',
      steps: [{ id: 'fan', type: 'noop', swarm_id: swarmId, parameters: { job: 'x' } }, { id: 'sum', type: 'noop', use_previous_results: 'fan' }],
    });
    const batchId = run.steps[0].batch_id!;
    expect(batchId).toBeTruthy();
    const fanTasks = await db.query<{ id: string; data: unknown; bot_id: string }>(`SELECT id, data, bot_id FROM tasks WHERE batch_id = $1`, [batchId]);
    expect(fanTasks).toHaveLength(3);
    expect(new Set(fanTasks.map((t) => t.bot_id)).size).toBe(3);
    expect(fanTasks.every((t) => JSON.stringify(t.data) === JSON.stringify({ job: 'x' }))).toBe(true);
    for (const t of fanTasks.slice(1)) await finish(t.id, { result: { ok: true } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await queued(run.workflow_id)).has('sum')).toBe(false); // one fan-out task still pending
    await finish(fanTasks[0].id, { result: { ok: true } });
    // The step's result is the batch fan-in (the noop reducer counts the results).
    const sum = await waitStep(run.workflow_id, 'sum');
    expect(sum.data).toEqual({ count: 3 });
    expect((await get(run.workflow_id)).steps[0]).toMatchObject({ status: 'succeeded', result: { count: 3 } });
  });

  it('splits a swarm step with items and chunk_size into chunks over the bots', async () => {
    const swarmId = randomUUID();
    const bots = new BotRepository(ds);
    await bots.insertSwarm({ id: swarmId, name: 'wf-chunks', tier: 'standard', capabilities: ['noop'] });
    await bots.insertSwarmBots((await bots.findSwarm(swarmId))!, 2, 1);
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'chunks',
      steps: [{ id: 'fan', type: 'noop', swarm_id: swarmId, parameters: { items: [1, 2, 3, 4, 5], chunk_size: 2, op: 'sum' } }],
    });
    const rows = await db.query<{ id: string; data: { items: number[]; chunk_index: number; chunk_count: number; op: string }; bot_id: string }>(
      `SELECT id, data, bot_id FROM tasks WHERE batch_id = $1 ORDER BY (data->>'chunk_index')::int`,
      [run.steps[0].batch_id],
    );
    expect(rows.map((r) => r.data)).toEqual([
      { items: [1, 2], chunk_index: 0, chunk_count: 3, op: 'sum' },
      { items: [3, 4], chunk_index: 1, chunk_count: 3, op: 'sum' },
      { items: [5], chunk_index: 2, chunk_count: 3, op: 'sum' },
    ]);
    expect(rows[0].bot_id).toBe(rows[2].bot_id);
    expect(rows[0].bot_id).not.toBe(rows[1].bot_id);
    for (const r of rows) await finish(r.id, { result: { ok: true } });
    await waitFor('run succeeded', async () => (await get(run.workflow_id)).status === 'succeeded', 10_000, 20);
    expect((await get(run.workflow_id)).results).toEqual({ fan: { count: 3 } });
  });

  it('refuses bad workflows at submit, naming the step, and writes nothing', async () => {
    const [{ n: before }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM workflow_runs`);
    await expect(
      rpc.request(BRAIN_WORKFLOWS_START, { name: 'x', steps: [{ id: 'a', type: 'noop' }, { id: 'b', type: 'no.such' }] }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_TASK_TYPE', message: 'steps.1.type: unknown task type "no.such"' });
    await expect(
      rpc.request(BRAIN_WORKFLOWS_START, { name: 'x', steps: [{ id: 'a', type: 'noop', depends_on: ['b'] }, { id: 'b', type: 'noop', depends_on: ['a'] }] }),
    ).rejects.toMatchObject({ code: 'INVALID_WORKFLOW', message: expect.stringMatching(/^steps\.0\.depends_on: dependency cycle a → b → a$/) });
    await expect(rpc.request(BRAIN_WORKFLOWS_START, { name: 'x', steps: [{ id: 'a', type: 'noop', depends_on: ['ghost'] }] })).rejects.toMatchObject({
      code: 'INVALID_WORKFLOW',
      message: 'steps.0.depends_on.0: unknown step "ghost"',
    });
    await expect(rpc.request(BRAIN_WORKFLOWS_START, { name: 'x', steps: [{ id: 'a', type: 'sleep', parameters: { ms: -1 } }] })).rejects.toMatchObject({
      code: 'INVALID_TASK_DATA',
      message: expect.stringMatching(/^steps\.0\.parameters\.ms: /),
    });
    await expect(rpc.request(BRAIN_WORKFLOWS_START, { name: 'x', steps: [{ id: 'a' }] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const [{ n: after }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM workflow_runs`);
    expect(after).toBe(before);
  });

  it('cancels a run: queued step tasks and pending steps are cancelled', async () => {
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
      name: 'cancel-me',
      steps: [{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop' }, { id: 'c', type: 'noop', depends_on: ['a', 'b'] }],
    });
    const a = await waitStep(run.workflow_id, 'a');
    const view = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_CANCEL, { workflow_id: run.workflow_id });
    expect(view.status).toBe('cancelled');
    expect(view.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const rows = await db.query<{ status: string }>(`SELECT status FROM tasks WHERE workflow_run_id = $1`, [run.workflow_id]);
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect((await db.query<{ reason: string }>(`SELECT reason FROM task_transitions WHERE task_id = $1 AND to_status = 'cancelled'`, [a.id]))[0].reason).toBe('workflow_stopped');
    expect((await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_CANCEL, { workflow_id: run.workflow_id })).status).toBe('cancelled');
    await expect(rpc.request(BRAIN_WORKFLOWS_CANCEL, { workflow_id: randomUUID() })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it('starts a saved definition with run parameters (versioned by name)', async () => {
    const v1 = await rpc.request<{ version: number }>(BRAIN_WORKFLOW_DEFINITIONS_SAVE, { name: 'report', steps: [{ id: 's', type: 'noop', parameters: { fmt: 'csv', day: 'mon' } }] });
    const v2 = await rpc.request<{ version: number }>(BRAIN_WORKFLOW_DEFINITIONS_SAVE, { name: 'report', steps: [{ id: 's', type: 'noop', parameters: { fmt: 'pdf', day: 'mon' } }] });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const run = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, { definition: 'report', parameters: { day: 'tue' } });
    expect(run).toMatchObject({ name: 'report', definition: { name: 'report', version: 2 } });
    expect((await waitStep(run.workflow_id, 's')).data).toEqual({ fmt: 'pdf', day: 'tue' });
    const old = await rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, { definition: 'report', version: 1 });
    expect((await waitStep(old.workflow_id, 's')).data).toEqual({ fmt: 'csv', day: 'mon' });
    await expect(rpc.request(BRAIN_WORKFLOWS_START, { definition: 'nope' })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it('never starts a step twice when two engines apply the same completions concurrently', async () => {
    const second = new WorkflowService(
      ds,
      new WorkflowValidator(new StaticLanes(), { findBot: async () => undefined, findSwarm: async () => undefined }),
      new StepLauncher(new PriorityPolicy(), { maxAttempts: 3 }),
      new WorkflowEngine(),
      { drainBatch: 7, fairShareS: 0.001, startConcurrency: 2 },
    );
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        rpc.request<WorkflowView>(BRAIN_WORKFLOWS_START, {
          name: 'race',
          steps: [{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop', depends_on: ['a'] }, { id: 'c', type: 'noop', depends_on: ['a'] }, { id: 'd', type: 'noop', depends_on: ['b', 'c'] }],
        }),
      ),
    );
    const ids = runs.map((r) => r.workflow_id);
    const racing = { on: true };
    const racer = (async () => {
      while (racing.on) await second.sweep();
    })();
    for (let round = 0; round < 3; round++) {
      await waitFor('steps queued', async () => {
        const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE workflow_run_id = ANY($1::uuid[]) AND status = 'queued'`, [ids]);
        return Number(rows[0].n) === (round === 1 ? 40 : 20);
      }, 15_000, 20);
      const rows = await db.query<{ id: string }>(`SELECT id FROM tasks WHERE workflow_run_id = ANY($1::uuid[]) AND status = 'queued'`, [ids]);
      await Promise.all(rows.map((r) => finish(r.id, { result: { r: round } })));
    }
    await waitFor('all succeeded', async () => {
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM workflow_runs WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [ids]);
      return Number(rows[0].n) === 20;
    }, 15_000, 20);
    racing.on = false;
    await racer;
    const perStep = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE workflow_run_id = ANY($1::uuid[]) GROUP BY workflow_run_id, workflow_step`, [ids]);
    expect(perStep).toHaveLength(80);
    expect(perStep.every((r) => Number(r.n) === 1)).toBe(true);
  }, 60_000);

  describe('GET /batches/{id}?wait_s=', () => {
    async function batch(n: number): Promise<{ batchId: string; ids: string[] }> {
      const batchId = randomUUID();
      const ids = Array.from({ length: n }, () => randomUUID());
      await tasks.insertMany(ids.map((id, i) => ({
        id, type: 'noop', data: { i }, priority: 'normal', score: 2, rank: 2, max_attempts: 3, idempotency_key: null, batch_id: batchId,
        fairness_key: null, trace_carrier: null, created_at: new Date().toISOString(),
      })));
      return { batchId, ids };
    }

    it('is woken by the completion of the last task, not by polling', async () => {
      const { batchId, ids } = await batch(3);
      await finish(ids[0], { result: { n: 0 } });
      const t0 = Date.now();
      const reply = rpc.request<BatchCompletionView>(BRAIN_BATCHES_GET, { batch_id: batchId, wait_s: 20, limit: 2 }, { timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 300));
      await finish(ids[1], { result: { n: 1 } });
      await finish(ids[2], { error: { code: 'E', message: 'no' } });
      const v = await reply;
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(v).toMatchObject({ batch_id: batchId, completed_tasks: 3, total_tasks: 3, completion_rate: 1, succeeded_tasks: 2, failed_tasks: 1, timeout_exceeded: false });
      expect(Object.keys(v.results)).toEqual([...ids].sort().slice(0, 2));
      const rest = await rpc.request<BatchCompletionView>(BRAIN_BATCHES_GET, { batch_id: batchId, cursor: v.next_cursor, limit: 2 });
      expect(Object.keys(rest.results)).toEqual([[...ids].sort()[2]]);
      expect(rest.next_cursor).toBeNull();
    });

    it('returns the progress with timeout_exceeded after wait_s', async () => {
      const { batchId, ids } = await batch(2);
      await finish(ids[0], { result: {} });
      const t0 = Date.now();
      const v = await rpc.request<BatchCompletionView>(BRAIN_BATCHES_GET, { batch_id: batchId, wait_s: 1 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      expect(v).toMatchObject({ completed_tasks: 1, total_tasks: 2, completion_rate: 0.5, timeout_exceeded: true });
      await expect(rpc.request(BRAIN_BATCHES_GET, { batch_id: randomUUID() })).rejects.toMatchObject({ code: 'BATCH_NOT_FOUND' });
      await expect(rpc.request(BRAIN_BATCHES_GET, { batch_id: batchId, wait_s: 61 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });

  describe('schedules', () => {
    it('fires every second exactly once with two schedulers, pauses and resumes', async () => {
      const s = await rpc.request<ScheduleView>(BRAIN_SCHEDULES_CREATE, { name: 'tick', cron: '* * * * * *', task: { type: 'noop', data: { from: 'cron' } } });
      expect(s).toMatchObject({ status: 'active', timezone: 'UTC', catch_up: false });
      const other = new ScheduleService(ds, app.get(WorkflowService), new StaticLanes(), new PriorityPolicy(), { misfireMs: 5000, maxAttempts: 3 });
      const spinning = { on: true };
      const spinner = (async () => {
        while (spinning.on) {
          await other.fireDue();
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await new Promise((r) => setTimeout(r, 3500));
      spinning.on = false;
      await spinner;
      const paused = await rpc.request<ScheduleView>(BRAIN_SCHEDULES_PAUSE, { schedule_id: s.schedule_id });
      expect(paused).toMatchObject({ status: 'paused', next_run_at: null });
      const runs = await rpc.request<ScheduleRunPage>(BRAIN_SCHEDULES_RUNS, { schedule_id: s.schedule_id });
      expect(runs.runs.length).toBeGreaterThanOrEqual(3);
      expect(runs.runs.every((r) => r.status === 'fired' && r.task_id && r.missed === 1)).toBe(true);
      const seconds = runs.runs.map((r) => Date.parse(r.occurrence) / 1000).sort();
      seconds.forEach((t, i) => i > 0 && expect(t - seconds[i - 1]).toBe(1));
      const taskRows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE data->>'from' = 'cron'`);
      expect(Number(taskRows[0].n)).toBe(runs.runs.length);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await rpc.request<ScheduleRunPage>(BRAIN_SCHEDULES_RUNS, { schedule_id: s.schedule_id })).runs).toHaveLength(runs.runs.length);
      const resumed = await rpc.request<ScheduleView>(BRAIN_SCHEDULES_RESUME, { schedule_id: s.schedule_id });
      expect(Date.parse(resumed.next_run_at!)).toBeGreaterThan(Date.now() - 1000);
      await rpc.request(BRAIN_SCHEDULES_PAUSE, { schedule_id: s.schedule_id });
    }, 30_000);

    it.each([
      [true, 'fired'],
      [false, 'skipped'],
    ])('with catch_up=%s a missed gap is %s once', async (catchUp, status) => {
      const s = await rpc.request<ScheduleView>(BRAIN_SCHEDULES_CREATE, {
        name: `hourly-${catchUp}`, cron: '0 * * * *', catch_up: catchUp, workflow: { name: 'nightly', steps: [{ id: 'x', type: 'noop' }] },
      });
      // As if every brain had been down for three hours.
      await db.query(`UPDATE schedules SET next_run_at = date_trunc('hour', now()) - interval '2 hours' WHERE id = $1`, [s.schedule_id]);
      let runs: ScheduleRunPage | undefined;
      await waitFor('gap handled', async () => (runs = await rpc.request<ScheduleRunPage>(BRAIN_SCHEDULES_RUNS, { schedule_id: s.schedule_id })).runs.length > 0, 10_000, 50);
      expect(runs!.runs).toHaveLength(1);
      expect(runs!.runs[0]).toMatchObject({ status, missed: 3 });
      expect(Boolean(runs!.runs[0].workflow_id)).toBe(catchUp);
      if (catchUp) expect((await get(runs!.runs[0].workflow_id!)).schedule_id).toBe(s.schedule_id);
    });

    it('refuses bad cron, time zone, duplicate names and bad targets', async () => {
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b1', cron: 'every day', task: { type: 'noop' } })).rejects.toMatchObject({ code: 'INVALID_SCHEDULE', message: expect.stringMatching(/^cron: /) });
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b2', cron: '* * * * *', timezone: 'Nowhere/City', task: { type: 'noop' } })).rejects.toMatchObject({ code: 'INVALID_SCHEDULE', message: expect.stringMatching(/^timezone: /) });
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b3', cron: '* * * * *', task: { type: 'zz' } })).rejects.toMatchObject({ code: 'UNKNOWN_TASK_TYPE', message: 'task.type: unknown task type "zz"' });
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b4', cron: '* * * * *', workflow: { name: 'w', steps: [{ id: 'a', type: 'zz' }] } })).rejects.toMatchObject({ code: 'UNKNOWN_TASK_TYPE', message: 'workflow.steps.0.type: unknown task type "zz"' });
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b5', cron: '* * * * *' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b6', cron: '0 0 1 1 *', task: { type: 'noop' } });
      await expect(rpc.request(BRAIN_SCHEDULES_CREATE, { name: 'b6', cron: '0 0 1 1 *', task: { type: 'noop' } })).rejects.toMatchObject({ code: 'SCHEDULE_EXISTS' });
    });
  });
});
