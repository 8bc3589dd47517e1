import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, ConsumerMessages, DeliverPolicy, JSONCodec, NatsConnection } from 'nats';
import { EVENTS_STREAM, TASK_COMPLETIONS, TaskCompletionsEvent, WORK_STREAM, workConsumerName } from '@apiary/contracts';
import { createTestDatabase, RunningSuite, startNatsServer, startSuite, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { waitForTasks } from './helpers';

// Issue 7 "Scale-in never kills running work", with the scaler's local driver: the
// scaler starts three bot-runtime replicas as its own child processes (the suite
// starts none), tasks run on all three, and a scaling rule makes it scale in to one
// while they run. Every task must succeed exactly once: one `succeeded`
// transition, one result, one completion event, attempt 1, and no work message
// delivered twice (the drained replicas finished what they held). Then a replica
// is killed with SIGKILL: the scaler marks it lost and replaces it, and its tasks
// come back through JetStream's redelivery.
const logDir = mkdtempSync(join(tmpdir(), 'apiary-scaling-e2e-'));

describe('scaler, local driver: scale-in under load and a lost replica', () => {
  const env = {
    APIARY_LOG_LEVEL: 'info',
    APIARY_SCALER_DRIVER: 'local',
    APIARY_SCALER_POLICY: 'conservative',
    APIARY_SCALER_INITIAL_REPLICAS: '3',
    APIARY_SCALER_MIN_REPLICAS: '1',
    APIARY_SCALER_MAX_REPLICAS: '3',
    APIARY_SCALER_STARTUP_WAIT_MS: '0',
    APIARY_SCALER_INTERVAL_MS: '500',
    // Default rules warm up for 10 minutes: only the rules this spec stores decide.
    APIARY_SCALER_EVALUATION_S: '600',
    APIARY_SCALER_BACKLOG_WINDOW_S: '1',
    APIARY_SCALER_DRAIN_TARGET_S: '3600',
    APIARY_SCALER_LOST_AFTER_MS: '3000',
    APIARY_SCALER_LOG_DIR: logDir,
    APIARY_REPLICA_HEARTBEAT_MS: '300',
    APIARY_RUNTIME_CONCURRENCY: '4',
    APIARY_ACK_WAIT_MS: '3000',
    APIARY_SHUTDOWN_GRACE_MS: '10000',
  };
  // The suite starts no bot-runtime: every replica is the scaler's.
  const h = {} as { suite: RunningSuite; db: TestDatabase; nats: TestNats };
  let nc: NatsConnection;
  const completions = new Map<string, number>();
  let events: ConsumerMessages;

  beforeAll(async () => {
    h.nats = await startNatsServer();
    h.db = await createTestDatabase();
    h.suite = await startSuite({ natsUrl: h.nats.url, databaseUrl: h.db.url, env, without: ['bot-runtime'] });
    nc = await connect({ servers: h.nats.url });
    // Every completion event JetStream stored (deduplicated, as the brain and memory see them).
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const { name } = await jsm.consumers.add(EVENTS_STREAM, { filter_subject: TASK_COMPLETIONS, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.New, inactive_threshold: 60e9 });
    events = await (await js.consumers.get(EVENTS_STREAM, name)).consume();
    const codec = JSONCodec<TaskCompletionsEvent>();
    void (async () => {
      for await (const m of events) for (const e of codec.decode(m.data).events) completions.set(`${e.task_id}:${e.attempt}`, (completions.get(`${e.task_id}:${e.attempt}`) ?? 0) + 1);
    })();
  }, 120_000);
  afterAll(async () => {
    await events?.close();
    await nc?.close();
    await h.suite?.stop();
    await h.db?.drop();
    await h.nats?.stop();
  });

  const metrics = async () => (await h.suite.http('/scaling/metrics')).body;
  const running = async () => (await metrics()).instances.filter((i: any) => i.status === 'running' && i.managed);

  it('starts three replicas of its own, seen through their heartbeats', async () => {
    const replicas = await waitFor('3 local replicas heartbeating', async () => {
      const r = await running();
      return r.length === 3 && r;
    }, 60_000, 200);
    for (const i of replicas) {
      expect(i).toMatchObject({ concurrency: 4, capabilities: expect.arrayContaining(['sleep', 'noop']) });
      expect(i.rss_bytes).toBeGreaterThan(10e6);
      expect(i.instance_id).toMatch(/^bot-runtime-\d+-\d$/);
    }
    const status = (await h.suite.http('/scaling/status')).body;
    expect(status).toMatchObject({ driver: 'local', policy: 'conservative', active_instances: 3, desired_instances: 3 });
  });

  it('scales in from 3 to 1 while tasks run, losing and duplicating none', async () => {
    const lane = workConsumerName('sleep');
    const jsm = await nc.jetstreamManager();
    const tasks = Array.from({ length: 600 }, (_, k) => ({ type: 'sleep', data: { ms: 200, k } }));
    const res = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks } });
    expect(res.status).toBe(201);
    const ids: string[] = res.body.task_ids;

    await waitFor('all three replicas busy', async () => (await running()).filter((i: any) => i.in_flight > 0).length === 3, 30_000, 100);
    const rule = await h.suite.http('/scaling/rules', {
      method: 'POST',
      json: { name: 'shrink', metric: 'queue_depth', scale_up_threshold: 2e9, scale_down_threshold: 1e9, min_instances: 1, max_instances: 3, cooldown_period: 2, evaluation_period: 1 },
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ name: 'shrink', source: 'stored', cooldown_period: 2 });

    await waitFor('scaled in to 1 replica', async () => {
      const m = await metrics();
      return m.instances.filter((i: any) => i.status === 'running').length === 1 && m.instances.filter((i: any) => i.status === 'draining').length === 0;
    }, 60_000, 200);
    const [{ n: finishedAtScaleIn }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [ids]);
    expect(Number(finishedAtScaleIn)).toBeLessThan(600); // it scaled in under load

    const done = await waitForTasks(h.suite, ids, 120_000);
    expect([...done.values()].filter((t) => t.status !== 'succeeded')).toEqual([]);
    expect([...done.values()].every((t) => t.attempts === 1)).toBe(true);

    const transitions = await h.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM task_transitions WHERE task_id = ANY($1::uuid[]) AND to_status = 'succeeded' GROUP BY task_id`,
      [ids],
    );
    expect(transitions).toHaveLength(600);
    expect(transitions.every((r) => Number(r.n) === 1)).toBe(true);
    await waitFor('memory to record all 600', async () => {
      const [{ n }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[])`, [ids]);
      return Number(n) === 600;
    }, 30_000, 200);
    await waitFor('600 completion events', () => ids.every((id) => completions.has(`${id}:1`)), 15_000, 100);
    expect(ids.filter((id) => completions.get(`${id}:1`) !== 1)).toEqual([]);
    const runners = await h.db.query<{ runner: string; n: string }>(`SELECT runner, count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[]) GROUP BY runner`, [ids]);
    expect(runners.length).toBe(3); // the two drained replicas ran tasks too
    const info = await jsm.consumers.info(WORK_STREAM, lane);
    expect({ redelivered: info.num_redelivered, ack_pending: info.num_ack_pending }).toEqual({ redelivered: 0, ack_pending: 0 });
    expect(info.delivered.consumer_seq).toBe(600); // each work message delivered exactly once

    // The scale-in, step by step, in the history with its reasons and metrics.
    const history = (await h.suite.http('/scaling/history')).body;
    const downs = history.events.filter((e: any) => e.action === 'scale_down').reverse();
    expect(downs.map((e: any) => [e.old_instances, e.new_instances, e.applied])).toEqual([[3, 2, true], [2, 1, true]]);
    expect(downs[0].rule_evaluations).toEqual([expect.objectContaining({ rule: 'shrink', vote: 'down' })]);
    expect(downs[0].metrics.queue_depth).toBeGreaterThan(0);
    expect(downs[0].reasoning.map((r: any) => r.type)).toContain('vote');
    // Drained replicas exited by themselves, within their grace period.
    const scalerLog = readFileSync(h.suite.services.find((s) => s.app === 'scaler')!.logFile, 'utf8');
    expect(scalerLog.match(/exited after draining/g)?.length).toBe(2);
    expect(scalerLog).not.toMatch(/did not exit after draining/);
    for (const f of readdirSync(logDir)) expect(readFileSync(join(logDir, f), 'utf8')).not.toMatch(/grace period over/);
  }, 180_000);

  it('marks a replica killed with SIGKILL lost, replaces it, and its tasks come back', async () => {
    await h.suite.http('/scaling/rules/shrink', { method: 'DELETE' });
    await h.suite.http('/scaling/rules', {
      method: 'POST',
      json: { name: 'steady', metric: 'queue_depth', scale_up_threshold: 2e9, scale_down_threshold: -1, min_instances: 1, max_instances: 3, cooldown_period: 2, evaluation_period: 1 },
    });
    const [victim] = await running();
    const res = await h.suite.http('/tasks/batch', { method: 'POST', json: { tasks: Array.from({ length: 8 }, () => ({ type: 'sleep', data: { ms: 1500 } })) } });
    const ids: string[] = res.body.task_ids;
    await waitFor('the replica busy', async () => (await running()).some((i: any) => i.instance_id === victim.instance_id && i.in_flight > 0), 30_000, 50);
    process.kill(victim.pid, 'SIGKILL');

    const lost = await waitFor('the replica marked lost', async () => (await metrics()).instances.find((i: any) => i.instance_id === victim.instance_id && i.status === 'lost'), 15_000, 200);
    expect(lost.lost_at).not.toBeNull();
    await waitFor('a replacement replica', async () => (await running()).some((i: any) => i.instance_id !== victim.instance_id), 30_000, 200);
    const done = await waitForTasks(h.suite, ids, 60_000);
    expect([...done.values()].map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    const results = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[]) GROUP BY task_id`, [ids]);
    expect(results.every((r) => Number(r.n) === 1)).toBe(true);
    const [{ n }] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[]) AND runner <> $2`, [ids, victim.instance_id]);
    expect(Number(n)).toBeGreaterThan(0);
  }, 120_000);
  it('answers the rest of the scaling API through the gateway', async () => {
    const plan = await h.suite.http('/capacity/plan', { method: 'POST', json: { tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 0.8 } });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ required_instances_exact: 6.25, required_instances: 7, with_headroom: 9, for_peak: 13 });
    const badPlan = await h.suite.http('/capacity/plan', { method: 'POST', json: { tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 1.5 } });
    expect(badPlan.status).toBe(400);
    expect(badPlan.body.error.code).toBe('VALIDATION_FAILED');

    const inverted = await h.suite.http('/scaling/rules', { method: 'POST', json: { name: 'bad', metric: 'cpu_percent', scale_up_threshold: 10, scale_down_threshold: 20 } });
    expect(inverted.status).toBe(400);
    expect(inverted.body.error.message).toMatch(/scale_up_threshold .* must be greater than scale_down_threshold/);
    const unknownMetric = await h.suite.http('/scaling/rules', { method: 'POST', json: { name: 'bad', metric: 'vibes', scale_up_threshold: 10, scale_down_threshold: 2 } });
    expect(unknownMetric.status).toBe(400);
    expect((await h.suite.http('/scaling/rules/nope', { method: 'DELETE' })).status).toBe(404);

    const before = (await h.suite.http('/scaling/history')).body.total;
    const dry = await h.suite.http('/scaling/evaluate', {
      method: 'POST',
      json: { policy: 'aggressive', rules: [{ name: 'always-up', metric: 'queue_depth', scale_up_threshold: -2, scale_down_threshold: -3, evaluation_period: 1, cooldown_period: 0 }] },
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, policy: 'aggressive', action: 'scale_up', current_instances: 1, recommended_instances: 2, bounds: { min: 1, max: 3 } });
    expect(dry.body.rule_evaluations).toEqual([expect.objectContaining({ rule: 'always-up', vote: 'up' })]);
    expect((await h.suite.http('/scaling/history')).body.total).toBe(before); // nothing applied

    const status = (await h.suite.http('/scaling/status')).body;
    expect(Object.keys(status.scaling_rules)).toEqual(['steady']);
    expect(status.total_scaling_events).toBeGreaterThanOrEqual(2);
    expect(status.recent_scaling_events.length).toBeGreaterThanOrEqual(2);
    expect(status.last_decision).toMatchObject({ dry_run: false, driver: 'local' });

    const rec = (await h.suite.http('/scaling/recommendation')).body;
    expect(rec).toMatchObject({ applied: false, basis: { replicas: 1 } });
    expect(rec.tiers.map((t: any) => t.name)).toEqual(['micro', 'small', 'medium', 'large', 'xlarge']);
    expect(['micro', 'small', 'medium', 'large', 'xlarge']).toContain(rec.recommended_tier);

    const m = await metrics();
    expect(m.lanes.map((l: any) => l.lane)).toContain('sleep');
    expect(m.backlog).toMatchObject({ queued: 0, retrying: 0 });
    expect(m.values).toMatchObject({ queue_depth: 0 });
    expect(m.signal_errors).toEqual([]);
  });
});
