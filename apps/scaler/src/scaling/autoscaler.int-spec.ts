import pino from 'pino';
import { connect, headers, JSONCodec, NatsConnection, nanos } from 'nats';
import { DataSource } from 'typeorm';
import {
  BacklogReply,
  BRAIN_BACKLOG,
  MEMORY_SERVICE_STATS,
  ReplicaHeartbeat,
  RUNTIME_HEARTBEAT,
  ServiceStat,
  WORK_STREAM,
  workConsumerName,
  workSubject,
} from '@apiary/contracts';
import { createDataSource, migrateDatabase, ScalingEventRepository, ScalingRuleRepository } from '@apiary/persistence';
import { ensureConsumer, ensureJetStreamTopology, NatsRpcClient } from '@apiary/service-kit';
import { createTestDatabase, freePort, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { HpaDriver } from '../drivers/hpa.driver';
import { METRIC_NAMES, ScalerMetricsExporter } from '../drivers/prometheus-exporter';
import { AdvisoryLeadership } from '../persistence/advisory-leadership';
import { HeartbeatListener } from '../signals/heartbeat-listener';
import { ReplicaRegistry } from '../signals/replica-registry';
import { SignalCollector } from '../signals/signal-collector';
import { JetStreamLaneSource, NatsBacklogSource, NatsTaskStatsSource } from '../signals/signal-sources';
import { Autoscaler } from './autoscaler';

// The scaler against a real nats-server (heartbeats, request/reply, JetStream
// consumer info) and a real PostgreSQL (rules, events, leadership lock). The brain
// and memory are stand-ins answering their subjects with hand-built replies; the
// replicas are heartbeats published on apiary.runtime.heartbeat. The hpa driver
// applies nothing and exports the decision as Prometheus metrics.
const logger = pino({ level: 'silent' });
const json = JSONCodec<unknown>();

describe('Autoscaler over NATS and PostgreSQL (hpa driver, Prometheus export)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let ds: DataSource;
  let nc: NatsConnection;
  let metricsPort: number;
  const stops: (() => Promise<void> | void)[] = [];

  const backlog: BacklogReply = { window_s: 10, at: '', queued: 0, retrying: 0, in_flight: 0, arrivals: 0, completions: 0, oldest_queued_age_ms: null, by_type: [] };
  const stats: ServiceStat[] = [{ task_type: 'sleep', service: '*', count: 100, successes: 99, failures: 1, mean_latency_ms: 200, last_at: '', p95_ms: 250 }];
  const beating = new Set(['rt-a', 'rt-b']);
  const counters = new Map<string, { completed: number; busy: number; seq: number }>();

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    await ensureJetStreamTopology(jsm);
    await ensureConsumer(jsm, WORK_STREAM, { durable_name: workConsumerName('sleep'), filter_subject: workSubject('sleep'), ack_wait: nanos(30_000) });
    for (let k = 0; k < 5; k++) await nc.jetstream().publish(workSubject('sleep'), json.encode({ task_id: `t${k}` }), { headers: headers() });
    // Stand-in brain and memory: Nest's wire format { response, isDisposed, id }.
    for (const [subject, reply] of [[BRAIN_BACKLOG, () => backlog], [MEMORY_SERVICE_STATS, () => ({ window_s: 60, stats })]] as const) {
      const sub = nc.subscribe(subject, { callback: (_e, m) => m.respond(json.encode({ response: reply(), isDisposed: true, id: (json.decode(m.data) as { id: string }).id })) });
      stops.push(() => sub.unsubscribe());
    }
    // Two replicas, 8 slots each, finishing 40 runs of 200 ms per second: 40 runs/s capacity.
    const timer = setInterval(() => {
      for (const id of beating) {
        const c = counters.get(id) ?? { completed: 0, busy: 0, seq: 0 };
        c.completed += 4;
        c.busy += 800;
        c.seq++;
        counters.set(id, c);
        const hb: ReplicaHeartbeat = {
          instance_id: id, host: 'test', pid: id === 'rt-a' ? 1001 : 1002, state: 'running', seq: c.seq, started_at: new Date().toISOString(), at: new Date().toISOString(),
          interval_ms: 100, cpu_percent: 90, rss_bytes: 150e6, heap_used_bytes: 80e6, memory_limit_bytes: 2e9, cpus: 2, event_loop_lag_ms: 2, event_loop_lag_p99_ms: 6,
          in_flight: 8, concurrency: 8, capabilities: ['sleep'], lanes: ['sleep'], completed: c.completed, failed: 0, busy_ms: c.busy,
        };
        nc.publish(RUNTIME_HEARTBEAT, json.encode(hb));
      }
    }, 100);
    stops.push(() => clearInterval(timer));
    metricsPort = await freePort();
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await nc?.close();
    await ds?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  async function scaler(exporter?: ScalerMetricsExporter) {
    const registry = new ReplicaRegistry(Date.now, { lostAfterMs: 1000, forgetAfterMs: 60_000, windowMs: 1000 });
    const rpc = new NatsRpcClient(nc, 2000);
    const listener = new HeartbeatListener(nc, registry, logger);
    listener.start();
    stops.push(() => listener.stop());
    const autoscaler = new Autoscaler({
      clock: Date.now,
      registry,
      signals: new SignalCollector(new NatsBacklogSource(rpc, 2000), new JetStreamLaneSource(await nc.jetstreamManager()), new NatsTaskStatsSource(rpc, 2000), { backlogWindowS: 10, statsWindowS: 60, defaultConcurrency: 64 }),
      rules: new ScalingRuleRepository(ds),
      events: new ScalingEventRepository(ds),
      driver: new HpaDriver(),
      leadership: new AdvisoryLeadership(ds),
      exporter,
      logger,
      settings: { policy: 'auto', intervalMs: 200, cooldownS: 2, evaluationS: 1, historyS: 3600, minReplicas: 1, maxReplicas: 20, drainTargetS: 10, predictHorizonS: 10, predictWindowS: 1, startupWaitMs: 1000 },
    });
    return autoscaler;
  }

  it('sees the replicas, the backlog and the lanes, scales up to the target, records and exports it, and marks a silent replica lost', async () => {
    const exporter = new ScalerMetricsExporter(metricsPort, '127.0.0.1');
    await exporter.start();
    stops.push(() => exporter.stop());
    const leader = await scaler(exporter);
    await leader.start();
    stops.push(() => leader.stop());

    const m = await waitFor('two replicas measured', async () => {
      const v = await leader.metrics();
      return v.instances.length === 2 && v.instances.every((i) => i.capacity_per_s !== null) && v;
    }, 10_000, 100);
    expect(m.instances.map((i) => [i.instance_id, i.status, i.utilisation_percent, i.capacity_per_s])).toEqual([['rt-a', 'running', 100, 40], ['rt-b', 'running', 100, 40]]);
    expect(m.lanes).toEqual([expect.objectContaining({ lane: 'sleep', consumer: 'runtime-sleep', num_pending: 5, ack_wait_ms: 30_000 })]);
    expect(m.values).toMatchObject({ queue_depth: 5, avg_response_time_ms: 200, error_rate_percent: 1, cpu_percent: 90, utilisation_percent: 100 });

    // 2,000 tasks arrive: 2,005 waiting ÷ 10 s ÷ 40/s per replica → 6 replicas.
    Object.assign(backlog, { queued: 2000, arrivals: 0, oldest_queued_age_ms: 4000, by_type: [{ task_type: 'sleep', queued: 2000, retrying: 0, in_flight: 16, arrivals: 0, completions: 0, oldest_queued_age_ms: 4000 }] });
    const event = await waitFor('a scale-up event', async () => (await leader.history({})).events[0], 10_000, 100);
    expect(event).toMatchObject({ action: 'scale_up', old_instances: 2, new_instances: 6, applied: true, driver: 'hpa', policy: 'auto' });
    expect(event.target).toMatchObject({ queue_depth: 2005, capacity_per_replica_per_s: 40, capacity_source: 'heartbeats', replicas: 6 });
    expect(event.rule_evaluations.map((e) => [e.rule, e.vote])).toEqual([['cpu', 'up'], ['utilisation', 'up'], ['backlog', 'up']]);
    expect(event.metrics.queue_depth).toBe(2005);

    const text = await waitFor('exported desired replicas', async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /apiary_scaler_desired_replicas\{driver="hpa"\} 6/.test(body) && body;
    }, 5000, 100);
    expect(text).toMatch(/apiary_scaler_queue_depth 2005/);
    expect(text).toMatch(/apiary_backlog_tasks\{task_type="sleep"\} 2000/);
    expect(text).toMatch(/apiary_work_pending_messages\{lane="sleep"\} 5/);
    expect(text).toMatch(/apiary_backlog_oldest_age_seconds 4/);
    expect(text).toMatch(/apiary_runtime_capacity_per_replica 40/);
    expect(text).toMatch(new RegExp(`${METRIC_NAMES.replicas}\\{state="running"\\} 2`));

    // A replica falls silent: lost after 1 s, shown and exported.
    beating.delete('rt-b');
    const lost = await waitFor('rt-b lost', async () => (await leader.metrics()).instances.find((i) => i.instance_id === 'rt-b' && i.status === 'lost'), 5000, 100);
    expect(lost!.in_flight).toBe(8);
    await waitFor('lost exported', async () => /apiary_runtime_replicas\{state="lost"\} 1/.test(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()), 5000, 100);
    const status = await leader.status();
    expect(status).toMatchObject({ driver: 'hpa', active_instances: 1, lost_instances: 1, desired_instances: 6, total_scaling_events: 1 });
    expect(status.scaling_rules.backlog).toMatchObject({ rule_name: 'backlog', source: 'default', scale_up_events: 1, scale_down_events: 0, total_scale_events: 1 });
  }, 60_000);

  it('lets only the replica holding the leadership lock apply decisions', async () => {
    const follower = await scaler();
    await follower.start();
    stops.push(() => follower.stop());
    await new ScalingRuleRepository(ds).upsert({ name: 'always-up', metric: 'queue_depth', scale_up_threshold: -2, scale_down_threshold: -3, min_instances: 1, max_instances: 20, cooldown_period: 0, evaluation_period: 1, enabled: true });
    await new Promise((r) => setTimeout(r, 1500)); // past its start-up wait
    const decision = await waitFor('the follower decides', async () => {
      const d = (await follower.status()).last_decision;
      return d && d.action === 'scale_up' && d;
    }, 10_000, 100);
    // The leader (previous test, still running) applies the same rule meanwhile.
    expect(decision!.reasoning.at(-1)).toEqual({ type: 'hold', reason: 'not applied: another scaler replica leads' });
  }, 30_000);
});
