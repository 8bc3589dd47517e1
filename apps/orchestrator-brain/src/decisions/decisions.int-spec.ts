import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, JSONCodec, NatsConnection } from 'nats';
import pino from 'pino';
import {
  BRAIN_DECIDE,
  BRAIN_PERFORMANCE,
  BrainPerformance,
  Decision,
  DecisionRequest,
  MEMORY_SERVICE_STATS,
  ServiceCallRecord,
  ServiceStatsReply,
  TASK_COMPLETIONS,
  TaskCompletedEvent,
  TaskCompletionsEvent,
} from '@apiary/contracts';
import { createDataSource, DecisionCounterRepository, migrateDatabase, openDatabase } from '@apiary/persistence';
import {
  applyRpcGlobals,
  databaseProviders,
  loadEnv,
  NatsRpcClient,
  natsTransportOptions,
  rootModule,
} from '@apiary/service-kit';
import { createTestDatabase, ServiceProcess, startNatsServer, startService, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { BrainEnv } from '../env';
import { DATA_SOURCE } from '../tokens';
import { DecisionCounters } from './decision-counters';
import { DecisionService } from './decision.service';
import { DecisionsHandler } from './decisions.handler';
import { decisionProviders } from './decisions.providers';
import { MemoryStatsSource } from './learned-stats';
import { mulberry32 } from './thompson';

// Real nats-server and PostgreSQL of this suite; memory runs from its build
// (dist/apps/memory, as `npm test` builds first) and learns from completions
// published on JetStream, exactly as bot-runtime publishes them.
describe('brain decisions learn from memory (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let memory: ServiceProcess;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  const codec = JSONCodec<TaskCompletionsEvent>();
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    memory = await startService(
      'memory',
      { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4', OTEL_TRACES_EXPORTER: 'none', APIARY_LOG_LEVEL: 'warn' },
      mkdtempSync(join(tmpdir(), 'apiary-decisions-')),
    );
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000); // generous: suites run in parallel on small machines
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await memory?.stop();
    await db?.drop();
    await nats?.stop();
  });

  const call = (service: string, success: boolean, latency_ms: number, fallback = false): ServiceCallRecord =>
    ({ service, success, latency_ms, fallback, ...(success ? {} : { error_code: 'HTTP_503' }) });

  /** Publishes routed completions as bot-runtime does (batched), and waits until memory counted them. */
  async function complete(type: string, callsPerTask: ServiceCallRecord[][]): Promise<void> {
    const before = await learnedCount(type);
    const events: TaskCompletedEvent[] = callsPerTask.map((calls) => {
      const last = calls[calls.length - 1];
      const at = new Date().toISOString();
      return {
        task_id: randomUUID(), type, attempt: 1, success: last.success, result: null, error: null, handler: 'http', runner: 'spec',
        started_at: at, finished_at: at, latency_ms: calls.reduce((n, c) => n + c.latency_ms, 0), service: last.service, calls,
      };
    });
    for (let i = 0; i < events.length; i += 100) await nc.jetstream().publish(TASK_COMPLETIONS, codec.encode({ events: events.slice(i, i + 100) }));
    const expected = before + callsPerTask.reduce((n, c) => n + c.length, 0);
    await waitFor(`memory to learn ${expected} calls of ${type}`, async () => (await learnedCount(type)) === expected, 15_000, 25);
  }
  async function learnedCount(type: string): Promise<number> {
    const reply = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [type] });
    return reply.stats.reduce((n, s) => n + s.count, 0);
  }
  const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

  it("a service's bad streak moves the brain's choice to the other service once the stats TTL passes", async () => {
    const type = 'email_campaign';
    let now = 0;
    const ds = createDataSource(db.url, 2);
    await ds.initialize();
    try {
      const counters = new DecisionCounters(new DecisionCounterRepository(ds), 1000, logger);
      const stats = new MemoryStatsSource(rpc, { ttlMs: 1000, windowS: 3600, timeoutMs: 10_000 }, () => now);
      const noRouter = { candidates: async () => Promise.reject(new Error('candidates are given')) };
      const brain = new DecisionService(noRouter, stats, counters, { latencyRefMs: 1000 }, mulberry32(2024));
      const decide = async (n: number) => {
        const picks: Record<string, number> = {};
        let last!: Decision;
        for (let i = 0; i < n; i++) {
          last = await brain.decide({ task_type: type, candidates: ['email-ai', 'content-ai'] });
          picks[last.selected_service] = (picks[last.selected_service] ?? 0) + 1;
        }
        return { picks, last };
      };

      // email-ai has served well, content-ai poorly.
      await complete(type, [...times(20, [call('email-ai', true, 80)]), ...times(10, [call('content-ai', true, 90)]), ...times(10, [call('content-ai', false, 90)])]);
      const before = await decide(300);
      expect(before.picks['email-ai']).toBeGreaterThanOrEqual(270);
      expect(before.last.reasoning).toContain('20/20 succeeded');

      // Then email-ai fails 60 times in a row; each time the fallback content-ai saves the task.
      await complete(type, times(60, [call('email-ai', false, 30), call('content-ai', true, 100, true)]));
      // Within the TTL the brain still decides on what it read (one memory request per TTL).
      now = 999;
      expect((await decide(50)).picks['email-ai']).toBeGreaterThanOrEqual(40);
      // Once the TTL has passed it reads the bad streak and moves to content-ai.
      now = 1000;
      const after = await decide(300);
      expect(after.picks['content-ai']).toBeGreaterThanOrEqual(285);
      expect(after.last.selected_service).toBe('content-ai');
      expect(after.last.reasoning).toMatch(/^content-ai: 70\/80 succeeded \(88%\), mean 97\.5 ms over the last 3600 s; drew \d\.\d\d vs email-ai \d\.\d\d \(Thompson sampling\); 1 alternative$/);
      expect(after.last.alternatives[0]).toMatchObject({ service: 'email-ai', samples: 80 });
      await counters.stop();
    } finally {
      await ds.destroy();
    }
  });

  describe('over NATS (apiary.brain.decide, apiary.brain.performance)', () => {
    let app: INestMicroservice;
    const env = () =>
      loadEnv(BrainEnv, { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2', APIARY_DECISION_STATS_TTL_MS: '0', APIARY_DECISION_RPC_TIMEOUT_MS: '10000' });

    async function boot(): Promise<INestMicroservice> {
      @Module({ controllers: [DecisionsHandler], providers: [...databaseProviders(DATA_SOURCE, openDatabase), ...decisionProviders] })
      class DecisionsTestModule {}
      const e = env();
      const a = await NestFactory.createMicroservice<MicroserviceOptions>(
        rootModule({ service: 'orchestrator-brain', imports: [DecisionsTestModule], env: e, logger }),
        { ...natsTransportOptions('orchestrator-brain', e), logger: false },
      );
      applyRpcGlobals(a, logger);
      await a.listen();
      // listen() resolves before the server has the subscriptions: wait until it answers.
      await waitFor('decisions handler to answer', () => rpc.request(BRAIN_PERFORMANCE, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
      return a;
    }
    beforeAll(async () => {
      app = await boot();
    });
    afterAll(async () => {
      await app?.close();
    });

    const decide = (req: Partial<DecisionRequest> & Record<string, unknown>) => rpc.request<Decision>(BRAIN_DECIDE, req);

    it('decides with the confidence of the evidence, validates, and names a type with no candidate', async () => {
      const type = 'finance';
      const fresh = await decide({ task_type: type, candidates: ['finance-ai'], priority: 'critical', resources: { cpu: 4, memory: 8192 } });
      expect(fresh).toMatchObject({ selected_service: 'finance-ai', confidence: 0.7, priority_level: 4, resources: { cpu: 4, memory: 8192 }, rule: 'thompson_sampling' });
      await complete(type, times(10, [call('finance-ai', true, 40)]));
      const learned = await decide({ task_type: type, candidates: ['finance-ai'] });
      expect(learned.confidence).toBe(0.95);
      expect(learned.reasoning).toMatch(/^finance-ai: 10\/10 succeeded \(100%\), mean 40 ms over the last 3600 s/);

      await expect(decide({ task_type: type, candidates: [] })).rejects.toMatchObject({ code: 'NO_CAPABLE_SERVICE', message: expect.stringContaining(type) });
      await expect(decide({ task_type: type, priority: 'urgent' as never })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(decide({ task_type: type, extra: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('persists decision counters in batches; record:false is not counted; totals survive a restart', async () => {
      const before = await rpc.request<BrainPerformance>(BRAIN_PERFORMANCE, {});
      for (let i = 0; i < 20; i++) await decide({ task_type: 'video_generation', candidates: ['video-ai'] });
      await decide({ task_type: 'video_generation', candidates: ['video-ai'], record: false });
      const perf = await rpc.request<BrainPerformance>(BRAIN_PERFORMANCE, {});
      expect(perf.total_decisions).toBe(before.total_decisions + 20);
      expect(perf.decisions_by_type.video_generation).toBe(20);
      expect(perf.rule).toBe('thompson_sampling');
      expect(perf.window_s).toBe(3600);
      expect(perf.task_types_learned).toBeGreaterThanOrEqual(2); // email_campaign, finance
      expect(perf.learned).toEqual(expect.arrayContaining([
        { task_type: 'finance', service: 'finance-ai', samples: 10, success_rate: 1, mean_latency_ms: 40 },
      ]));
      expect(perf.average_confidence).toBeGreaterThan(0.69);

      // Written by the ~1 s flush, not one row write per decision.
      await waitFor('counters flushed', async () => {
        const [row] = await db.query<{ decisions: string }>(`SELECT decisions FROM decision_counters WHERE task_type = 'video_generation'`);
        return Number(row?.decisions) === 20;
      }, 5000, 50);
      await app.close();
      app = await boot();
      const again = await rpc.request<BrainPerformance>(BRAIN_PERFORMANCE, {});
      expect(again.total_decisions).toBe(perf.total_decisions);
      expect(again.decisions_by_type).toEqual(perf.decisions_by_type);
    });
  });
});
