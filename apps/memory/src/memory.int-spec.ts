import { randomUUID } from 'node:crypto';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, JSONCodec, NatsConnection } from 'nats';
import pino from 'pino';
import {
  ContextView,
  MEMORY_CONTEXT_DELETE,
  MEMORY_CONTEXT_GET,
  MEMORY_CONTEXT_PATCH,
  MEMORY_CONTEXT_PUT,
  MEMORY_PATTERNS,
  MEMORY_RELEVANT,
  MEMORY_RUNNER_STATS,
  MEMORY_SERVICE_STATS,
  MEMORY_SHORT_TERM,
  MEMORY_SUMMARY,
  MemorySummary,
  RelevantReply,
  RunnerStatsReply,
  ServiceStatsReply,
  ShortTermReply,
  TASK_COMPLETIONS,
  TaskCompletedEvent,
  TaskCompletionsEvent,
  TaskPatterns,
} from '@apiary/contracts';
import { migrateDatabase } from '@apiary/persistence';
import { applyRpcGlobals, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { MemoryEnv } from './env';
import { MemoryModule } from './memory.module';

// The memory module booted in-process as in production (Nest NATS transport, queue
// group, validation), against a private nats-server and its own PostgreSQL
// database; completions published to JetStream as bot-runtime publishes them.
describe('memory: long-term statistics, patterns, contexts, relevant results, summary (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let app: INestMicroservice;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  const codec = JSONCodec<TaskCompletionsEvent>();
  const suffix = randomUUID().slice(0, 8);

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    const env = loadEnv(MemoryEnv, {
      NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4', APIARY_MEMORY_SHORT_TERM: '5', APIARY_MEMORY_PATTERN_MIN_RESULTS: '3',
    });
    const logger = pino({ level: 'silent' });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      rootModule({ service: 'memory', imports: [MemoryModule], env, logger }),
      { ...natsTransportOptions('memory', env), logger: false },
    );
    applyRpcGlobals(app, logger);
    await app.listen();
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000); // generous: suites run in parallel on small machines
    await waitFor('memory to answer', () => rpc.request(MEMORY_SUMMARY, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await db?.drop();
    await nats?.stop();
  });

  function completion(type: string, overrides: Partial<TaskCompletedEvent> = {}): TaskCompletedEvent {
    const finished = new Date(overrides.finished_at ?? Date.now());
    return {
      task_id: randomUUID(), type, attempt: 1, success: true, result: { ok: true }, error: null, handler: 'http', runner: 'spec-runner',
      started_at: new Date(finished.getTime() - 100).toISOString(), finished_at: finished.toISOString(), latency_ms: 100,
      ...overrides,
    };
  }
  async function publish(events: TaskCompletedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 100) {
      await nc.jetstream().publish(TASK_COMPLETIONS, codec.encode({ events: events.slice(i, i + 100) }));
    }
  }
  async function stored(taskIds: string[]): Promise<number> {
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[])`, [taskIds]);
    return Number(row.n);
  }
  async function publishAndWait(events: TaskCompletedEvent[]): Promise<void> {
    await publish(events);
    const ids = [...new Set(events.map((e) => e.task_id))];
    await waitFor('results stored', async () => (await stored(ids)) === ids.length, 15_000, 20);
  }
  const failure = (code: string, message: string) => ({ success: false, result: null, error: { code, message, retryable: true } });

  it('stores each result once with who ran it, and answers detail statistics per service and per type', async () => {
    const type = `email_campaign_${suffix}`;
    const events = [
      ...Array.from({ length: 18 }, (_, i) =>
        completion(type, {
          service: 'email-ai', latency_ms: 10 * (i + 1), bot_id: `bot-${i % 2}`, swarm_id: 'swarm-1', context_id: 'campaign_2024',
          calls: [{ service: 'email-ai', success: true, latency_ms: 10 * (i + 1), fallback: false }],
        }),
      ),
      ...Array.from({ length: 2 }, (_, i) =>
        completion(type, {
          ...failure('ALL_SERVICES_FAILED', `every service failed after ${100 + i} ms`), service: 'email-ai', latency_ms: 500,
          calls: [{ service: 'email-ai', success: false, latency_ms: 500, error_code: 'HTTP_503', fallback: false }],
        }),
      ),
    ];
    // Delivered twice, the second time in other batches: still stored and counted once.
    await publishAndWait(events);
    await publish([...events].reverse());
    const marker = completion(`${type}.marker`, { handler: 'noop' });
    await publishAndWait([marker]);
    expect(await stored(events.map((e) => e.task_id))).toBe(20);

    const [row] = await db.query<Record<string, unknown>>(
      `SELECT service, bot_id, swarm_id, context_id, attempt, success, latency_ms FROM task_results WHERE task_id = $1`,
      [events[1].task_id],
    );
    expect(row).toEqual({ service: 'email-ai', bot_id: 'bot-1', swarm_id: 'swarm-1', context_id: 'campaign_2024', attempt: 1, success: true, latency_ms: 20 });

    const perService = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [type], detail: true });
    expect(perService.stats).toEqual([
      {
        task_type: type, service: 'email-ai', count: 20, successes: 18, failures: 2, mean_latency_ms: (10 * 171 + 1000) / 20,
        last_at: expect.any(String), p50_ms: expect.any(Number), p95_ms: expect.any(Number), p99_ms: expect.any(Number),
        error_patterns: [{ code: 'HTTP_503', message: '', count: 2 }],
      },
    ]);
    // Latencies 10..180 ms and 500, 500: p50 is the 10th value (100 ms), p95 the 19th (500 ms).
    expect(Math.abs(perService.stats[0].p50_ms! - 100) / 100).toBeLessThanOrEqual(0.01);
    expect(Math.abs(perService.stats[0].p95_ms! - 500) / 500).toBeLessThanOrEqual(0.01);
    // The cheap path (the brain's) agrees on the counts and carries no detail.
    const cheap = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [type] });
    expect(cheap.stats).toEqual([expect.objectContaining({ count: 20, successes: 18, failures: 2 })]);
    expect(cheap.stats[0]).not.toHaveProperty('p50_ms');

    const perType = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [type], group_by: 'task_type', detail: true });
    expect(perType.stats).toEqual([
      expect.objectContaining({
        service: '*', count: 20, successes: 18, failures: 2,
        error_patterns: [{ code: 'ALL_SERVICES_FAILED', message: 'every service failed after # ms', count: 2 }],
      }),
    ]);
    const runners = await rpc.request<RunnerStatsReply>(MEMORY_RUNNER_STATS, { window_s: 600 });
    expect(runners.runners).toEqual([expect.objectContaining({ runner: 'spec-runner', count: 21, busy_ms: 10 * 171 + 1000 + 100 })]);
  });

  it('drops results older than the window and refuses bad requests naming the field', async () => {
    const type = `window_${suffix}`;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    await publishAndWait([
      completion(type, { handler: 'sleep', finished_at: hoursAgo(3), latency_ms: 900 }),
      completion(type, { handler: 'sleep', latency_ms: 10 }),
    ]);
    const count = async (window_s: number) =>
      (await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [type], window_s, detail: true })).stats[0]?.count;
    expect(await count(3600)).toBe(1);
    expect(await count(5 * 3600)).toBe(2);
    await expect(rpc.request(MEMORY_SERVICE_STATS, { group_by: 'bot' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('group_by') });
    await expect(rpc.request(MEMORY_PATTERNS, { task_type: 'bad type!' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('task_type') });
    await expect(rpc.request(MEMORY_RELEVANT, { task_type: type, limit: 500 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('limit') });
  });

  it('learns success patterns: services, parameters and hours of the day', async () => {
    const type = `patterns_${suffix}`;
    const events: TaskCompletedEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const good = i < 10;
      const ok = good ? i < 9 : i < 12; // tech: 9 of 10 succeed; general: 2 of 10
      events.push(
        completion(type, {
          ...(ok ? {} : failure('HTTP_TIMEOUT', `timed out after ${1000 + i} ms`)),
          service: good ? 'content-ai' : 'email-ai',
          params: { audience: good ? 'tech' : 'general', size: 10 },
          calls: [{ service: good ? 'content-ai' : 'email-ai', success: ok, latency_ms: good ? 50 : 400, fallback: false, ...(ok ? {} : { error_code: 'HTTP_TIMEOUT' }) }],
        }),
      );
    }
    await publishAndWait(events);
    const p = await rpc.request<TaskPatterns>(MEMORY_PATTERNS, { task_type: type });
    expect(p).toMatchObject({ task_type: type, window_s: 604_800, count: 20, successes: 11, failures: 9, success_rate: 0.55 });
    expect(p.services.map((s) => [s.service, s.count, s.success_rate])).toEqual([['content-ai', 10, 0.9], ['email-ai', 10, 0.2]]);
    expect(Math.abs(p.services[0].p95_ms - 50) / 50).toBeLessThanOrEqual(0.01);
    expect(p.parameters).toMatchObject({ sampled: 20, with_params: 20, success_rate: 0.55 });
    expect(p.parameters.succeeding).toEqual([expect.objectContaining({ key: 'audience', match: 'equals', value: 'tech', results: 10, successes: 9, lift: 0.35 })]);
    expect(p.parameters.failing).toEqual([expect.objectContaining({ key: 'audience', match: 'equals', value: 'general', results: 10, successes: 2, lift: -0.35 })]);
    expect(p.hours).toEqual([{ hour: new Date().getUTCHours(), count: 20, successes: 11, success_rate: 0.55 }]);
    expect(p.error_patterns).toEqual([{ code: 'HTTP_TIMEOUT', message: 'timed out after # ms', count: 9 }]);
    // A type never seen: zero counts, empty lists.
    expect(await rpc.request<TaskPatterns>(MEMORY_PATTERNS, { task_type: `never_${suffix}`, window_s: 3600 })).toMatchObject({
      count: 0, success_rate: null, p50_ms: null, services: [], hours: [], error_patterns: [],
    });
  });

  it('manages contexts: create, get, merge, replace, expire, delete', async () => {
    const id = `campaign_${suffix}`;
    const created = await rpc.request<ContextView>(MEMORY_CONTEXT_PUT, { context_id: id, data: { campaign_name: 'Q1 Launch' } });
    expect(created).toMatchObject({ context_id: id, data: { campaign_name: 'Q1 Launch' } });
    // Default TTL: APIARY_MEMORY_CONTEXT_TTL_S, 7 days.
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(604_800_000);
    expect(await rpc.request<ContextView>(MEMORY_CONTEXT_GET, { context_id: id })).toEqual(created);

    const merged = await rpc.request<ContextView>(MEMORY_CONTEXT_PATCH, { context_id: id, data: { target_audience: 'tech_enthusiasts' } });
    expect(merged.data).toEqual({ campaign_name: 'Q1 Launch', target_audience: 'tech_enthusiasts' });
    expect(merged.expires_at).toBe(created.expires_at);
    const extended = await rpc.request<ContextView>(MEMORY_CONTEXT_PATCH, { context_id: id, ttl_s: 60 });
    expect(Date.parse(extended.expires_at)).toBeLessThan(Date.parse(created.expires_at));
    const replaced = await rpc.request<ContextView>(MEMORY_CONTEXT_PUT, { context_id: id, data: { only: 1 }, ttl_s: 120 });
    expect(replaced.data).toEqual({ only: 1 });

    await expect(rpc.request(MEMORY_CONTEXT_PUT, { context_id: id, data: { big: 'x'.repeat(300_000) } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', message: expect.stringMatching(/^data:/),
    });
    await expect(rpc.request(MEMORY_CONTEXT_PUT, { context_id: 'no spaces', data: {} })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', message: expect.stringContaining('context_id'),
    });
    await expect(rpc.request(MEMORY_CONTEXT_PUT, { context_id: id, data: [1] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', message: expect.stringContaining('data'),
    });

    const shortLived = `short_${suffix}`;
    await rpc.request(MEMORY_CONTEXT_PUT, { context_id: shortLived, data: { x: 1 }, ttl_s: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(rpc.request(MEMORY_CONTEXT_GET, { context_id: shortLived })).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
    await expect(rpc.request(MEMORY_CONTEXT_PATCH, { context_id: shortLived, data: {} })).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });

    expect(await rpc.request(MEMORY_CONTEXT_DELETE, { context_id: id })).toEqual({ context_id: id, deleted: true });
    await expect(rpc.request(MEMORY_CONTEXT_GET, { context_id: id })).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
    await expect(rpc.request(MEMORY_CONTEXT_DELETE, { context_id: id })).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
  });

  it('ranks relevant results (context, then successful, then newest) and keeps the last N in short-term memory', async () => {
    const type = `relevant_${suffix}`;
    const t = (s: number) => new Date(Date.now() - 30_000 + s * 1000).toISOString();
    const failedNewest = completion(type, { ...failure('X', 'x'), finished_at: t(9) });
    const okOld = completion(type, { finished_at: t(1) });
    const okNew = completion(type, { finished_at: t(5) });
    const inContext = completion(type, { ...failure('X', 'x'), finished_at: t(0), context_id: 'ctx-r' });
    await publishAndWait([failedNewest, okOld, okNew, inContext]);
    const ids = (r: RelevantReply) => r.results.map((x) => x.task_id);
    expect(ids(await rpc.request<RelevantReply>(MEMORY_RELEVANT, { task_type: type }))).toEqual(
      [okNew, okOld, failedNewest, inContext].map((e) => e.task_id),
    );
    const withContext = await rpc.request<RelevantReply>(MEMORY_RELEVANT, { task_type: type, context_id: 'ctx-r', limit: 1 });
    expect(withContext.results).toEqual([
      expect.objectContaining({ task_id: inContext.task_id, context_id: 'ctx-r', success: false, error_code: 'X', result_truncated: false }),
    ]);

    const newest = completion(`short_${suffix}`, { finished_at: new Date(Date.now() + 60_000).toISOString() });
    await publishAndWait([newest]);
    const short = await rpc.request<ShortTermReply>(MEMORY_SHORT_TERM, {});
    expect(short.capacity).toBe(5);
    expect(short.results).toHaveLength(5);
    expect(short.results[0].task_id).toBe(newest.task_id);
  });

  it('summarises memory: short-term count, long-term types, learned patterns, live contexts', async () => {
    const before = await rpc.request<MemorySummary>(MEMORY_SUMMARY, {});
    const type = `summary_${suffix}`;
    // Pattern minimum is 3 here: svc-a reaches it, svc-b does not.
    await publishAndWait([
      ...Array.from({ length: 3 }, () => completion(type, { handler: 'svc-a' })),
      ...Array.from({ length: 2 }, () => completion(type, { handler: 'svc-b' })),
    ]);
    await rpc.request(MEMORY_CONTEXT_PUT, { context_id: `sum_${suffix}`, data: {} });
    const after = await rpc.request<MemorySummary>(MEMORY_SUMMARY, {});
    expect(after).toEqual({
      short_term_count: 5,
      long_term_types: before.long_term_types + 1,
      patterns_learned: before.patterns_learned + 1,
      contexts: before.contexts + 1,
    });
  });
});
