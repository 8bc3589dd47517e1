import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, JSONCodec, Msg, NatsConnection } from 'nats';
import pino from 'pino';
import { DataSource } from 'typeorm';
import {
  AnalysisReply,
  BRAIN_BACKLOG,
  IMPROVEMENT_ANALYZE,
  IMPROVEMENT_REPORT,
  IMPROVEMENT_SUGGESTIONS_APPROVE,
  IMPROVEMENT_SUGGESTIONS_GET,
  IMPROVEMENT_SUGGESTIONS_IMPLEMENTED,
  IMPROVEMENT_SUGGESTIONS_LIST,
  IMPROVEMENT_SUGGESTIONS_REJECT,
  ImprovementReport,
  MEMORY_RUNNER_STATS,
  MEMORY_SERVICE_STATS,
  ROUTER_MODULE_LIST,
  ROUTER_POLICY_LIST,
  ROUTER_POLICY_SET,
  ROUTER_SERVICE_LIST,
  ROUTER_SERVICE_REGISTER,
  ROUTER_SERVICE_SET_HEALTH,
  ROUTER_STATS,
  RunnerStat,
  ServiceStat,
  ServiceStatsReply,
  ServiceStatsRequest,
  SuggestionPage,
  SuggestionView,
  TASK_COMPLETIONS,
  TaskCompletedEvent,
  TaskCompletionsEvent,
} from '@apiary/contracts';
import { createDataSource, migrateDatabase, SuggestionRepository } from '@apiary/persistence';
import { applyRpcGlobals, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, ServiceProcess, startNatsServer, startService, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { AnalysisScheduler } from './analysis/analysis-scheduler';
import { AnalysisService } from './analysis/analysis.service';
import { StatisticsCollector } from './analysis/statistics-collector';
import { ImprovementEnv } from './env';
import { DEFAULT_THRESHOLDS } from './rules/rule';
import { SelfImprovementModule } from './self-improvement.module';

/*
 * self-improvement in-process over a real nats-server and PostgreSQL (a database
 * per block, dropped after).
 * - First block: memory, task-router and the orchestrator brain run from their
 *   build (dist/apps, as `npm test` builds first); memory learns from completions
 *   published on JetStream as bot-runtime publishes them.
 * - Second block: a small responder on the real NATS stands in for memory
 *   (`apiary.memory.service-stats` / `runner-stats` in Nest's wire format) so the
 *   statistics and the service's clock are the test's: exact windows, transitions,
 *   snooze, impact without waiting, the advisory lock. Router and brain are not
 *   running there: their sources are reported unavailable and their rules skipped.
 */

const logger = pino({ level: process.env.APIARY_SPEC_LOG ?? 'silent' });
const codec = JSONCodec<unknown>();

/** Boots the service in-process with the given clock (periodic analysis off). */
async function bootImprovement(natsUrl: string, dbUrl: string, clock: () => number, rpc: NatsRpcClient): Promise<INestMicroservice> {
  const env = loadEnv(ImprovementEnv, { NATS_URL: natsUrl, DATABASE_URL: dbUrl, DATABASE_POOL_SIZE: '3', APIARY_ANALYSIS_INTERVAL_S: '0' });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    rootModule({ service: 'self-improvement', imports: [SelfImprovementModule.forRoot({ clock })], env, logger }),
    { ...natsTransportOptions('self-improvement', env), logger: false },
  );
  applyRpcGlobals(app, logger);
  await app.listen();
  await waitFor('self-improvement to answer', () => rpc.request(IMPROVEMENT_REPORT, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
  return app;
}

const byKey = (suggestions: SuggestionView[]) => Object.fromEntries(suggestions.map((s) => [s.key, s]));
function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

describe('self-improvement with the real memory, task-router and brain', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let app: INestMicroservice;
  const analyze = (hours: number) => rpc.request<AnalysisReply>(IMPROVEMENT_ANALYZE, { time_window_hours: hours });
  const list = (query: Record<string, unknown> = {}) => rpc.request<SuggestionPage>(IMPROVEMENT_SUGGESTIONS_LIST, query);

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    const logDir = mkdtempSync(join(tmpdir(), 'apiary-improvement-'));
    const env = { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '3', OTEL_TRACES_EXPORTER: 'none', APIARY_LOG_LEVEL: 'warn' };
    services = [await startService('orchestrator-brain', env, logDir)]; // declares the JetStream streams
    services.push(...(await Promise.all([startService('memory', env, logDir), startService('task-router', env, logDir)])));
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000);
    app = await bootImprovement(nats.url, db.url, Date.now, rpc);

    // The registry: three summarizers (probes off) and the only OCR service, unhealthy.
    for (const name of ['summarize-fast', 'summarize-flaky', 'summarize-slow']) {
      await rpc.request(ROUTER_SERVICE_REGISTER, { service_name: name, endpoint: `http://127.0.0.1:9/${name}`, capabilities: ['text.summarize'], health_check: { enabled: false } });
    }
    await rpc.request(ROUTER_SERVICE_REGISTER, { service_name: 'ocr-down', endpoint: 'http://127.0.0.1:9/ocr', capabilities: ['image.ocr'], health_check: { enabled: false } });
    await rpc.request(ROUTER_SERVICE_SET_HEALTH, { service_name: 'ocr-down', status: 'unhealthy' });
    await rpc.request(ROUTER_POLICY_SET, { task_type: 'text.summarize', strategy: 'round_robin', timeout: 20 });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await Promise.all(services.map((s) => s.stop()));
    await db?.drop();
    await nats?.stop();
  });

  /** Publishes routed completions of `text.summarize` as bot-runtime does, and waits until memory counted them. */
  async function complete(service: string, runner: string, n: number, latencyMs: number, failures = 0): Promise<void> {
    const before = await counted(service);
    const events: TaskCompletedEvent[] = Array.from({ length: n }, (_, i) => {
      const success = i >= failures;
      const at = new Date().toISOString();
      return {
        task_id: randomUUID(), type: 'text.summarize', attempt: 1, success, result: null,
        error: success ? null : { code: 'HTTP_500', message: 'HTTP 500', retryable: true },
        handler: 'http', runner, started_at: at, finished_at: at, latency_ms: latencyMs, service,
        calls: [{ service, success, latency_ms: latencyMs, fallback: false, ...(success ? {} : { error_code: 'HTTP_500' }) }],
      };
    });
    for (let i = 0; i < events.length; i += 100) {
      const batch: TaskCompletionsEvent = { events: events.slice(i, i + 100) };
      await nc.jetstream().publish(TASK_COMPLETIONS, codec.encode(batch));
    }
    await waitFor(`memory to count ${n} calls of ${service}`, async () => (await counted(service)) === before + n, 20_000, 50);
  }
  async function counted(service: string): Promise<number> {
    const reply = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: ['text.summarize'], window_s: 3600 });
    return reply.stats.find((s) => s.service === service)?.count ?? 0;
  }

  // Windows of 0.01 h (36 s): memory answers its shortest window (the last one to two
  // minutes), which holds everything this block publishes.
  const KEYS = [
    'high_error_rate:text.summarize:summarize-flaky',
    'high_latency:text.summarize:*',
    'high_latency:text.summarize:summarize-slow',
    'low_success_vs_peers:text.summarize:summarize-flaky',
    'service_unhealthy:*:ocr-down',
    'uneven_load:*:bot-runtime',
  ];

  it('turns a slow service, a service failing 20% and an unhealthy one into exactly the expected suggestions with their evidence', async () => {
    await complete('summarize-fast', 'runtime-1', 100, 300);
    await complete('summarize-flaky', 'runtime-1', 100, 400, 20);
    await complete('summarize-slow', 'runtime-2', 50, 8000);
    const run = await analyze(0.01);
    expect(run.sources.filter((s) => !s.ok)).toEqual([]);
    expect(run).toMatchObject({ trigger: 'manual', findings: 6, created: 6, updated: 0, suppressed: 0, window: { hours: 0.01 } });
    expect(run.suggestions.map((s) => s.key).sort()).toEqual(KEYS);
    for (const v of run.suggestions) expect(v).toMatchObject({ status: 'open', auto_apply: false, requires: 'MANUAL_APPROVAL', occurrences: 1, impact: null, evidence: { window: run.window } });

    const s = byKey(run.suggestions);
    expect(s['high_error_rate:text.summarize:summarize-flaky']).toMatchObject({
      rule: 'high_error_rate', task_type: 'text.summarize', service: 'summarize-flaky', priority: 'critical', category: 'service_health',
      action: 'investigate_errors', title: 'High error rate of summarize-flaky on text.summarize',
      evidence: { metric: 'error_rate', value: 0.2, threshold: 0.05, samples: 100, details: { failures: 20, error_patterns: [expect.objectContaining({ code: 'HTTP_500', count: 20 })] } },
    });
    expect(s['low_success_vs_peers:text.summarize:summarize-flaky']).toMatchObject({
      priority: 'high', action: 'route_away_from_service', category: 'optimization_opportunity',
      evidence: { metric: 'success_rate', value: 0.8, threshold: 0.9, samples: 100, details: { peers_success_rate: 1, peers_samples: 150 } },
    });
    const slow = s['high_latency:text.summarize:summarize-slow'];
    expect(slow).toMatchObject({
      priority: 'high', category: 'performance_bottleneck', action: 'route_away_from_service',
      evidence: { metric: 'p95_latency_ms', threshold: 5000, samples: 50, details: { faster_peers: expect.arrayContaining([expect.objectContaining({ service: 'summarize-fast' })]) } },
    });
    expect(Math.abs(slow.evidence.value - 8000)).toBeLessThanOrEqual(80); // HDR histograms: 1%
    // 50 of 250 calls at 8 s: the type's p95 is slow too, and it has several services.
    expect(s['high_latency:text.summarize:*']).toMatchObject({ service: null, action: 'investigate_latency', evidence: { samples: 250 } });
    expect(s['service_unhealthy:*:ocr-down']).toMatchObject({
      priority: 'critical', action: 'investigate_service_health',
      evidence: { metric: 'service_unhealthy', value: 1, threshold: 0, samples: null, details: { status_source: 'manual', sole_provider_of: ['image.ocr'] } },
    });
    // runtime-2 was busy 50 × 8 s, runtime-1 100 × 0.3 s + 100 × 0.4 s.
    expect(s['uneven_load:*:bot-runtime']).toMatchObject({
      priority: 'high', action: 'rebalance_load', evidence: { metric: 'runner_busy_ratio', value: round4(400_000 / 70_000), threshold: 2, samples: 250 },
    });
  });

  it('updates the open suggestion when the finding is seen again, instead of suggesting it twice', async () => {
    const before = byKey((await list()).suggestions);
    await complete('summarize-flaky', 'runtime-1', 10, 400, 10);
    const run = await analyze(0.01);
    expect(run).toMatchObject({ findings: 6, created: 0, updated: 6 });
    const after = byKey((await list()).suggestions);
    expect(Object.keys(after).sort()).toEqual(KEYS);
    const key = 'high_error_rate:text.summarize:summarize-flaky';
    expect(after[key]).toMatchObject({ id: before[key].id, occurrences: 2, first_seen_at: before[key].first_seen_at, evidence: { value: round4(30 / 110), samples: 110 } });
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM improvement_suggestions`);
    expect(Number(n)).toBe(6);
  });

  it('approving changes no other service: no request on any other apiary subject, every other table and the router as before', async () => {
    const target = byKey((await list({ status: 'open' })).suggestions)['service_unhealthy:*:ocr-down'];
    const otherState = async () => ({
      services: await rpc.request(ROUTER_SERVICE_LIST, {}),
      policies: await rpc.request(ROUTER_POLICY_LIST, {}),
      modules: await rpc.request(ROUTER_MODULE_LIST, {}),
      stats: await rpc.request(ROUTER_STATS, {}),
      backlog: { ...(await rpc.request<Record<string, unknown>>(BRAIN_BACKLOG, { window_s: 3600 })), at: null },
      memory: await rpc.request(MEMORY_SERVICE_STATS, { window_s: 3600, detail: true }),
    });
    const tables = async () => {
      const names = await db.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'improvement\\_%' ORDER BY tablename`,
      );
      const hashes: Record<string, string> = {};
      for (const { tablename } of names) {
        const [row] = await db.query<{ h: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM "${tablename}" t`);
        hashes[tablename] = row.h;
      }
      return hashes;
    };
    const stateBefore = await otherState();
    const tablesBefore = await tables();
    expect(Object.keys(tablesBefore)).toEqual(expect.arrayContaining(['tasks', 'router_modules', 'router_policies', 'memory_stats', 'bots']));

    const sniffer = await connect({ servers: nats.url });
    const seen: string[] = [];
    sniffer.subscribe('apiary.>', { callback: (_e, msg) => seen.push(msg.subject) });
    await sniffer.flush();
    const approved = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: target.id, actor: 'operator' });
    await new Promise((r) => setTimeout(r, 300));
    await sniffer.flush();
    await sniffer.close();

    expect(approved).toMatchObject({ status: 'approved', decided_by: 'operator' });
    expect(seen).toEqual([IMPROVEMENT_SUGGESTIONS_APPROVE]);
    expect(await tables()).toEqual(tablesBefore);
    expect(await otherState()).toEqual(stateBefore);
    const registry = (stateBefore.services as { services: { service_name: string; status: string }[] }).services;
    expect(registry.find((x) => x.service_name === 'ocr-down')?.status).toBe('unhealthy');
  });

  it('measures the real improvement after implementation over a window of the same length, from the next whole minute', async () => {
    const target = byKey((await list()).suggestions)['high_error_rate:text.summarize:summarize-flaky'];
    await rpc.request(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: target.id });
    // Mark it implemented late in a minute, so the after-window (from the next minute) starts soon.
    await waitFor('the last seconds of a minute', () => Date.now() % 60_000 >= 50_000 && Date.now() % 60_000 < 57_000, 60_000, 100);
    const implemented = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: target.id });
    const afterFrom = Date.parse(implemented.impact!.after_window.from);
    expect(afterFrom % 60_000).toBe(0);
    expect(afterFrom).toBeGreaterThan(Date.parse(implemented.implemented_at!));
    expect(implemented.impact).toMatchObject({ status: 'pending', before: round4(30 / 110), after_window: { hours: 1 / 60 } });

    // The fix: after the window starts, the service fails 1 call in 100.
    await waitFor('the after-window to start', () => Date.now() > afterFrom + 500, 15_000, 100);
    await complete('summarize-flaky', 'runtime-1', 100, 400, 1);
    expect((await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: target.id })).impact?.status).toBe('pending');
    await waitFor('the after-window to pass', () => Date.now() > afterFrom + 62_500, 90_000, 250);
    const measured = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: target.id });
    // Only the calls after the window's start count: the 110 before it do not leak in.
    expect(measured.impact).toMatchObject({ status: 'measured', metric: 'error_rate', before: round4(30 / 110), after: 0.01, improvement: round4((30 / 110 - 0.01) / (30 / 110)) });
    const report = await rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {});
    expect(report.improvements).toEqual([expect.objectContaining({ suggestion_id: target.id, after: 0.01, status: 'measured' })]);
    expect(report.by_status).toEqual({ open: 4, approved: 1, rejected: 0, implemented: 1 });
  }, 180_000);
});

describe('self-improvement with memory stood in (clock and statistics of the test)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let app: INestMicroservice;
  /** The service's clock: real time plus an offset the impact test moves forward. */
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  const analyze = (hours: number) => rpc.request<AnalysisReply>(IMPROVEMENT_ANALYZE, { time_window_hours: hours });
  const list = (query: Record<string, unknown> = {}) => rpc.request<SuggestionPage>(IMPROVEMENT_SUGGESTIONS_LIST, query);

  /** What the memory stand-in answers. */
  const memory = {
    services: [] as ServiceStat[],
    types: [] as ServiceStat[],
    runners: [] as RunnerStat[],
    requests: [] as { subject: string; data: ServiceStatsRequest }[],
  };
  const recent = () => new Date(clock() - 5000).toISOString();
  function stat(service: string, count: number, failures: number, p95: number): ServiceStat {
    return {
      task_type: 'text.summarize', service, count, successes: count - failures, failures, mean_latency_ms: p95 / 2, last_at: recent(),
      p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 1.2, error_patterns: failures ? [{ code: 'HTTP_500', message: '', count: failures }] : [],
    };
  }
  /** One slow, one flaky (failing `flakyFailures` of 100), one fast summarizer; two runtimes, one busier; little busy time. */
  function workload(flakyFailures: number): void {
    memory.services = [stat('summarize-fast', 100, 0, 300), stat('summarize-flaky', 100, flakyFailures, 400), stat('summarize-slow', 50, 0, 8000)];
    memory.types = [{ ...stat('*', 250, flakyFailures, 4000), task_type: 'text.summarize' }];
    memory.runners = [
      { runner: 'runtime-1', count: 200, busy_ms: 100_000, last_at: recent() },
      { runner: 'runtime-2', count: 50, busy_ms: 20_000, last_at: recent() },
    ];
  }
  const KEYS = [
    'high_error_rate:text.summarize:summarize-flaky',
    'high_latency:text.summarize:summarize-slow',
    'low_success_vs_peers:text.summarize:summarize-flaky',
    'uneven_load:*:bot-runtime',
  ];

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000);
    const answer = (subject: string, pick: (data: ServiceStatsRequest) => unknown) =>
      nc.subscribe(subject, {
        queue: 'memory',
        callback: (error, msg: Msg) => {
          if (error) return;
          const packet = codec.decode(msg.data) as { id: string; data: ServiceStatsRequest };
          memory.requests.push({ subject, data: packet.data });
          msg.respond(codec.encode({ response: pick(packet.data), isDisposed: true, id: packet.id }));
        },
      });
    answer(MEMORY_SERVICE_STATS, (d) => ({ window_s: d.window_s, stats: d.group_by === 'task_type' ? memory.types : memory.services }));
    answer(MEMORY_RUNNER_STATS, (d) => ({ window_s: d.window_s, runners: memory.runners }));
    await nc.flush();
    app = await bootImprovement(nats.url, db.url, clock, rpc);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await db?.drop();
    await nats?.stop();
  });

  it('analyses what answers and reports the sources that do not', async () => {
    workload(20);
    const run = await analyze(1);
    expect(run.sources.map((s) => [s.source, s.ok])).toEqual([
      ['memory.service-stats', true], ['memory.type-stats', true], ['memory.runner-stats', true],
      ['router.services', false], ['router.stats', false], ['brain.backlog', false],
    ]);
    expect(run.sources.find((s) => s.source === 'brain.backlog')?.error).toBe('SERVICE_UNAVAILABLE: No service answers apiary.brain.backlog');
    expect(run).toMatchObject({ findings: 4, created: 4 });
    expect(run.suggestions.map((s) => s.key).sort()).toEqual(KEYS);
    expect(memory.requests.map((r) => [r.subject, r.data])).toEqual([
      [MEMORY_SERVICE_STATS, { window_s: 3600, detail: true }],
      [MEMORY_SERVICE_STATS, { window_s: 3600, detail: true, group_by: 'task_type' }],
      [MEMORY_RUNNER_STATS, { window_s: 3600 }],
    ]);
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM improvement_analyses WHERE trigger = 'manual'`);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('validates the window: 0 < hours ≤ 720, fractions allowed', async () => {
    await expect(analyze(0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(analyze(720.5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(rpc.request(IMPROVEMENT_ANALYZE, { time_window_hours: 1, extra: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    memory.requests.length = 0;
    const short = await analyze(0.01);
    expect(short).toMatchObject({ window: { hours: 0.01 }, created: 0, updated: 4 });
    expect(memory.requests[0].data.window_s).toBe(60); // memory's shortest window
  });

  it('moves suggestions through open → approved → implemented and open/approved → rejected; refuses the rest', async () => {
    const s = byKey((await list()).suggestions);
    const latency = s['high_latency:text.summarize:summarize-slow'];
    const approved = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: latency.id, actor: 'key-1' });
    expect(approved).toMatchObject({ status: 'approved', decided_by: 'key-1', decision_reason: null });
    expect(approved.decided_at).not.toBeNull();
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: latency.id })).rejects.toMatchObject({
      code: 'SUGGESTION_INVALID_TRANSITION', details: { status: 'approved', allowed_from: ['open'] },
    });
    const rejected = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_REJECT, { id: latency.id, reason: 'the slow service is being replaced' });
    expect(rejected).toMatchObject({ status: 'rejected', decision_reason: 'the slow service is being replaced' });
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_REJECT, { id: latency.id, reason: 'again' })).rejects.toMatchObject({ code: 'SUGGESTION_INVALID_TRANSITION' });
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: latency.id })).rejects.toMatchObject({ code: 'SUGGESTION_INVALID_TRANSITION' });

    const open = s['low_success_vs_peers:text.summarize:summarize-flaky'];
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: open.id })).rejects.toMatchObject({
      code: 'SUGGESTION_INVALID_TRANSITION', details: { status: 'open', allowed_from: ['approved'] },
    });
    expect((await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: open.id })).status).toBe('open');

    const missing = '6f1c1a6e-3c1b-4d53-9a43-5b3f2a0c9e11';
    for (const subject of [IMPROVEMENT_SUGGESTIONS_GET, IMPROVEMENT_SUGGESTIONS_APPROVE, IMPROVEMENT_SUGGESTIONS_IMPLEMENTED]) {
      await expect(rpc.request(subject, { id: missing })).rejects.toMatchObject({ code: 'SUGGESTION_NOT_FOUND', message: `Suggestion ${missing} not found` });
    }
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_REJECT, { id: missing, reason: 'x' })).rejects.toMatchObject({ code: 'SUGGESTION_NOT_FOUND' });
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_GET, { id: 'not-a-uuid' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_REJECT, { id: open.id })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    expect((await list({ status: 'rejected' })).suggestions.map((x) => x.id)).toEqual([latency.id]);
    expect((await list({ priority: 'critical', status: 'open' })).suggestions.map((x) => x.key)).toEqual(['high_error_rate:text.summarize:summarize-flaky']);
    const page = await list({ limit: 3 });
    expect(page.suggestions).toHaveLength(3);
    const rest = await list({ limit: 3, cursor: page.next_cursor });
    expect(rest.next_cursor).toBeNull();
    expect(new Set([...page.suggestions, ...rest.suggestions].map((x) => x.id)).size).toBe(4);
    await expect(list({ status: 'pending' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('does not suggest a finding again while its rejection is recent', async () => {
    const run = await analyze(1);
    expect(run).toMatchObject({ findings: 4, created: 0, updated: 3, suppressed: 1 });
    expect(run.suggestions.map((s) => s.key)).not.toContain('high_latency:text.summarize:summarize-slow');
    expect((await list()).suggestions).toHaveLength(4);
  });

  it('measures an impact once its after-window has passed, asking memory for exactly that window', async () => {
    workload(30);
    const key = 'high_error_rate:text.summarize:summarize-flaky';
    const first = byKey((await analyze(0.01)).suggestions)[key];
    expect(first.evidence).toMatchObject({ value: 0.3, window: { hours: 0.01 } });
    await rpc.request(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: first.id });
    const implemented = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: first.id, actor: 'operator' });
    const afterFrom = Math.ceil(Date.parse(implemented.implemented_at!) / 60_000) * 60_000;
    expect(implemented).toMatchObject({
      status: 'implemented',
      decided_by: 'operator',
      impact: {
        status: 'pending', metric: 'error_rate', direction: 'lower_is_better', before: 0.3, after: null, improvement: null, measured_at: null,
        before_window: { hours: 0.01 },
        after_window: { from: new Date(afterFrom).toISOString(), to: new Date(afterFrom + 60_000).toISOString(), hours: 1 / 60 },
      },
    });
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_REJECT, { id: first.id, reason: 'x' })).rejects.toMatchObject({ code: 'SUGGESTION_INVALID_TRANSITION' });
    expect((await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: first.id })).impact?.status).toBe('pending');
    expect((await rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {})).pending_impacts).toBe(1);

    // Time passes beyond the after-window (the service's clock moves); the fix works.
    workload(1);
    memory.requests.length = 0;
    offsetMs += afterFrom + 65_000 - clock();
    const report = await rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {});
    const measuredAt = Date.parse(report.improvements[0]?.measured_at ?? '');
    expect(report).toMatchObject({ total: 4, pending_impacts: 0, average_improvement: round4(0.29 / 0.3), by_status: { open: 2, approved: 0, rejected: 1, implemented: 1 } });
    expect(report.by_status_and_priority.implemented).toEqual({ low: 0, medium: 0, high: 0, critical: 1 });
    expect(report.improvements).toEqual([
      expect.objectContaining({
        suggestion_id: first.id, key, metric: 'error_rate', direction: 'lower_is_better', before: 0.3, after: 0.01,
        improvement: round4(0.29 / 0.3), status: 'measured', action: 'investigate_errors',
        after_window: { from: new Date(afterFrom).toISOString(), to: new Date(measuredAt).toISOString(), hours: (measuredAt - afterFrom) / 3_600_000 },
      }),
    ]);
    // Memory was asked for the after-window only, one second short so its minute rounding stays on the window's start.
    expect(memory.requests.map((r) => [r.subject, r.data])).toEqual([[MEMORY_SERVICE_STATS, { window_s: Math.floor((measuredAt - afterFrom) / 1000) - 1, detail: true }]]);
    expect((await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: first.id })).impact).toMatchObject({ status: 'measured', after: 0.01 });
  });

  it('records no data when the subject had no results after implementation', async () => {
    const target = byKey((await list({ status: 'open' })).suggestions)['uneven_load:*:bot-runtime'];
    await rpc.request(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: target.id });
    const implemented = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: target.id });
    memory.runners = [];
    offsetMs += Date.parse(implemented.impact!.after_window.from) + 3_600_000 + 5000 - clock();
    const measured = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: target.id });
    expect(measured.impact).toMatchObject({ status: 'no_data', metric: 'runner_busy_ratio', before: 5, after: null, improvement: null });
  });

  it('runs one periodic analysis at a time over replicas (PostgreSQL advisory lock), then none until the interval has passed', async () => {
    const dataSources = [createDataSource(db.url, 2), createDataSource(db.url, 2)];
    await Promise.all(dataSources.map((d) => d.initialize()));
    try {
      const replicas = dataSources.map((ds: DataSource) => {
        const repo = new SuggestionRepository(ds);
        const real = new AnalysisService(new StatisticsCollector(rpc, 10_000), repo, { thresholds: DEFAULT_THRESHOLDS, rejectedSnoozeMs: 0 }, clock);
        const slow = { analyze: async (h: number, t: 'manual' | 'periodic') => (await new Promise((r) => setTimeout(r, 500)), real.analyze(h, t)) };
        return new AnalysisScheduler(slow, { measureDue: async () => 0 }, repo, { intervalMs: 60_000, windowHours: 1 }, logger, clock);
      });
      const outcomes = await Promise.all(replicas.map((r) => r.tick()));
      expect(outcomes.sort()).toEqual(['locked', 'ran']);
      expect(await replicas[1].tick()).toBe('recent');
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM improvement_analyses WHERE trigger = 'periodic'`);
      expect(Number(rows[0].n)).toBe(1);
    } finally {
      await Promise.all(dataSources.map((d) => d.destroy()));
    }
  });
});
