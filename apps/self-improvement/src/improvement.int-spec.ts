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
  ServiceStatsRequest,
  SuggestionPage,
  SuggestionView,
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
 * self-improvement over a real nats-server and PostgreSQL. task-router and the
 * orchestrator brain run from their build (dist/apps, as `npm test` builds
 * first): the registry, breakers and backlog are real. Memory's `detail`,
 * `group_by` and `runner-stats` are being built in parallel (issue 5, memory), so
 * a small responder on the real NATS stands in for memory here, answering
 * `apiary.memory.service-stats` and `apiary.memory.runner-stats` in Nest's wire
 * format with the statistics each test sets.
 */
describe('self-improvement (NATS + PostgreSQL, real task-router and brain, memory stood in)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let router: ServiceProcess;
  let brain: ServiceProcess;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let app: INestMicroservice;
  const logger = pino({ level: process.env.APIARY_SPEC_LOG ?? 'silent' });
  const codec = JSONCodec<unknown>();
  /** The service's clock: real time plus an offset the impact test moves forward. */
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;

  /** What the memory stand-in answers; functions of the request time so "last result" stays recent. */
  const memory = {
    services: [] as ServiceStat[],
    types: [] as ServiceStat[],
    runners: [] as RunnerStat[],
    requests: [] as { subject: string; data: ServiceStatsRequest }[],
  };

  async function startMemoryStandIn(): Promise<void> {
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
  }

  const recent = () => new Date(clock() - 5000).toISOString();
  function stat(task_type: string, service: string, count: number, failures: number, p95: number, errors: ServiceStat['error_patterns'] = []): ServiceStat {
    return {
      task_type, service, count, successes: count - failures, failures, mean_latency_ms: p95 / 2, last_at: recent(),
      p50_ms: p95 / 2, p95_ms: p95, p99_ms: p95 * 1.2, error_patterns: errors,
    };
  }
  /** Statistics of the workload: one slow, one flaky (failing `flakyFailures` of 100), one fast summarizer; two runtimes, one busier. */
  function workload(flakyFailures: number): void {
    memory.services = [
      stat('text.summarize', 'summarize-fast', 100, 0, 300),
      stat('text.summarize', 'summarize-flaky', 100, flakyFailures, 400, flakyFailures ? [{ code: 'HTTP_500', message: 'HTTP 500 from summarize-flaky', count: flakyFailures }] : []),
      stat('text.summarize', 'summarize-slow', 50, 0, 8000),
    ];
    memory.types = [stat('text.summarize', '*', 250, flakyFailures, 4000)];
    memory.runners = [
      { runner: 'runtime-1', count: 200, busy_ms: 100_000, last_at: recent() },
      { runner: 'runtime-2', count: 50, busy_ms: 20_000, last_at: recent() },
    ];
  }

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    const logDir = mkdtempSync(join(tmpdir(), 'apiary-improvement-'));
    const env = { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '3', OTEL_TRACES_EXPORTER: 'none', APIARY_LOG_LEVEL: 'warn' };
    [router, brain] = await Promise.all([startService('task-router', env, logDir), startService('orchestrator-brain', env, logDir)]);
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000);
    await startMemoryStandIn();

    const serviceEnv = loadEnv(ImprovementEnv, { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '3', APIARY_ANALYSIS_INTERVAL_S: '0' });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      rootModule({ service: 'self-improvement', imports: [SelfImprovementModule.forRoot({ clock })], env: serviceEnv, logger }),
      { ...natsTransportOptions('self-improvement', serviceEnv), logger: false },
    );
    applyRpcGlobals(app, logger);
    await app.listen();
    await waitFor('self-improvement to answer', () => rpc.request(IMPROVEMENT_REPORT, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);

    // The registry: three summarizers (probes off) and a sole OCR service marked unhealthy.
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
    await Promise.all([router?.stop(), brain?.stop()]);
    await db?.drop();
    await nats?.stop();
  });

  const analyze = (hours: number) => rpc.request<AnalysisReply>(IMPROVEMENT_ANALYZE, { time_window_hours: hours });
  const list = (query: Record<string, unknown> = {}) => rpc.request<SuggestionPage>(IMPROVEMENT_SUGGESTIONS_LIST, query);
  const byKey = (suggestions: SuggestionView[]) => Object.fromEntries(suggestions.map((s) => [s.key, s]));
  const KEYS = [
    'high_error_rate:text.summarize:summarize-flaky',
    'high_latency:text.summarize:summarize-slow',
    'idle_capacity:*:bot-runtime',
    'low_success_vs_peers:text.summarize:summarize-flaky',
    'service_unhealthy:*:ocr-down',
    'uneven_load:*:bot-runtime',
  ];

  it('turns the findings of every source into suggestions with their evidence', async () => {
    workload(20);
    const run = await analyze(1);
    expect(run.sources.map((s) => [s.source, s.ok])).toEqual([
      ['memory.service-stats', true], ['memory.type-stats', true], ['memory.runner-stats', true],
      ['router.services', true], ['router.stats', true], ['brain.backlog', true],
    ]);
    expect(run).toMatchObject({ trigger: 'manual', findings: 6, created: 6, updated: 0, suppressed: 0 });
    expect(run.window.hours).toBe(1);
    expect(Date.parse(run.window.to) - Date.parse(run.window.from)).toBe(3_600_000);
    expect(run.suggestions.map((s) => s.key).sort()).toEqual(KEYS);
    // Memory was asked for the window with quantiles and error patterns.
    expect(memory.requests.filter((r) => r.subject === MEMORY_SERVICE_STATS).map((r) => r.data)).toEqual([
      { window_s: 3600, detail: true },
      { window_s: 3600, detail: true, group_by: 'task_type' },
    ]);

    const s = byKey(run.suggestions);
    for (const v of run.suggestions) expect(v).toMatchObject({ status: 'open', auto_apply: false, requires: 'MANUAL_APPROVAL', occurrences: 1, impact: null, evidence: { window: run.window } });
    expect(s['high_error_rate:text.summarize:summarize-flaky']).toMatchObject({
      rule: 'high_error_rate', task_type: 'text.summarize', service: 'summarize-flaky', priority: 'critical', category: 'service_health',
      action: 'investigate_errors',
      evidence: { metric: 'error_rate', value: 0.2, threshold: 0.05, samples: 100, details: { failures: 20, error_patterns: [{ code: 'HTTP_500', message: 'HTTP 500 from summarize-flaky', count: 20 }] } },
    });
    expect(s['low_success_vs_peers:text.summarize:summarize-flaky']).toMatchObject({
      priority: 'high', action: 'route_away_from_service',
      evidence: { metric: 'success_rate', value: 0.8, threshold: 0.9, samples: 100, details: { peers_success_rate: 1, peers_samples: 150 } },
    });
    expect(s['high_latency:text.summarize:summarize-slow']).toMatchObject({
      priority: 'high', category: 'performance_bottleneck', action: 'route_away_from_service',
      evidence: { metric: 'p95_latency_ms', value: 8000, threshold: 5000, samples: 50 },
    });
    expect(s['service_unhealthy:*:ocr-down']).toMatchObject({
      priority: 'critical', action: 'investigate_service_health',
      evidence: { metric: 'service_unhealthy', value: 1, threshold: 0, samples: null, details: { status_source: 'manual', sole_provider_of: ['image.ocr'] } },
    });
    expect(s['uneven_load:*:bot-runtime']).toMatchObject({ priority: 'high', action: 'rebalance_load', evidence: { metric: 'runner_busy_ratio', value: 5, threshold: 2, samples: 250 } });
    // The real brain's backlog is empty: idle capacity (120 s busy over 2 replicas × 1 h).
    expect(s['idle_capacity:*:bot-runtime']).toMatchObject({
      priority: 'low', action: 'scale_down',
      evidence: { metric: 'runner_utilisation', value: round4(120_000 / 7_200_000), threshold: DEFAULT_THRESHOLDS.idleUtilisation, details: { replicas: 2, waiting: 0 } },
    });
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM improvement_analyses WHERE trigger = 'manual'`);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('updates the open suggestion of a finding seen again instead of suggesting it twice', async () => {
    const before = byKey((await list()).suggestions);
    workload(30);
    const run = await analyze(1);
    expect(run).toMatchObject({ findings: 6, created: 0, updated: 6 });
    const after = byKey((await list()).suggestions);
    expect(Object.keys(after).sort()).toEqual(KEYS);
    const key = 'high_error_rate:text.summarize:summarize-flaky';
    expect(after[key].id).toBe(before[key].id);
    expect(after[key]).toMatchObject({ occurrences: 2, evidence: { value: 0.3 }, first_seen_at: before[key].first_seen_at });
    expect(Date.parse(after[key].last_seen_at)).toBeGreaterThan(Date.parse(before[key].last_seen_at));
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM improvement_suggestions`);
    expect(Number(n)).toBe(6);
  });

  it('validates the window: 0 < hours ≤ 720, fractions allowed', async () => {
    await expect(analyze(0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(analyze(720.5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(rpc.request(IMPROVEMENT_ANALYZE, { time_window_hours: 1, extra: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    memory.requests.length = 0;
    const short = await analyze(0.01);
    expect(short.window.hours).toBe(0.01);
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

    // Filters.
    expect((await list({ status: 'rejected' })).suggestions.map((x) => x.id)).toEqual([latency.id]);
    const critical = (await list({ priority: 'critical', status: 'open' })).suggestions.map((x) => x.key).sort();
    expect(critical).toEqual(['high_error_rate:text.summarize:summarize-flaky', 'service_unhealthy:*:ocr-down']);
    const page = await list({ limit: 4 });
    expect(page.suggestions).toHaveLength(4);
    const rest = await list({ limit: 4, cursor: page.next_cursor });
    expect(rest.next_cursor).toBeNull();
    expect(new Set([...page.suggestions, ...rest.suggestions].map((x) => x.id)).size).toBe(6);
    await expect(list({ status: 'pending' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('does not suggest a finding again while its rejection is recent', async () => {
    const run = await analyze(1);
    expect(run).toMatchObject({ findings: 6, created: 0, updated: 5, suppressed: 1 });
    expect(run.suggestions.map((s) => s.key)).not.toContain('high_latency:text.summarize:summarize-slow');
    expect((await list()).suggestions).toHaveLength(6);
  });

  it('approving changes no other service: no request on any apiary subject but the approval, every other table and the router as before', async () => {
    const target = byKey((await list({ status: 'open' })).suggestions)['service_unhealthy:*:ocr-down'];
    const routerState = async () => ({
      services: await rpc.request(ROUTER_SERVICE_LIST, {}),
      policies: await rpc.request(ROUTER_POLICY_LIST, {}),
      modules: await rpc.request(ROUTER_MODULE_LIST, {}),
      stats: await rpc.request(ROUTER_STATS, {}),
      backlog: { ...(await rpc.request<Record<string, unknown>>(BRAIN_BACKLOG, { window_s: 3600 })), at: null },
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
    const stateBefore = await routerState();
    const tablesBefore = await tables();
    expect(Object.keys(tablesBefore)).toEqual(expect.arrayContaining(['tasks', 'router_modules', 'router_policies', 'service_stats', 'bots']));

    const sniffer = await connect({ servers: nats.url });
    const seen: string[] = [];
    sniffer.subscribe('apiary.>', { callback: (_e, msg) => seen.push(msg.subject) });
    await sniffer.flush();
    const approved = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: target.id, actor: 'operator' });
    await new Promise((r) => setTimeout(r, 300));
    await sniffer.flush();
    await sniffer.close();

    expect(approved.status).toBe('approved');
    expect(seen).toEqual([IMPROVEMENT_SUGGESTIONS_APPROVE]);
    expect(await tables()).toEqual(tablesBefore);
    expect(await routerState()).toEqual(stateBefore);
    // The service is still unhealthy: approval applied nothing.
    const services = (stateBefore.services as { services: { service_name: string; status: string }[] }).services;
    expect(services.find((x) => x.service_name === 'ocr-down')?.status).toBe('unhealthy');
  });

  it('measures the impact of an implemented suggestion over a window of the same length after it', async () => {
    const target = byKey((await list()).suggestions)['high_error_rate:text.summarize:summarize-flaky'];
    expect(target.evidence.value).toBe(0.3);
    await rpc.request(IMPROVEMENT_SUGGESTIONS_APPROVE, { id: target.id });
    // Short windows for tests: re-analyse over 0.01 h (36 s) so the evidence window is short.
    const shortRun = await analyze(0.01);
    expect(byKey(shortRun.suggestions)[target.key].evidence.window.hours).toBe(0.01);
    const implemented = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, { id: target.id, actor: 'operator' });
    const implementedAt = Date.parse(implemented.implemented_at!);
    const afterFrom = Math.ceil(implementedAt / 60_000) * 60_000;
    expect(implemented).toMatchObject({
      status: 'implemented',
      impact: {
        status: 'pending', metric: 'error_rate', direction: 'lower_is_better', before: 0.3, after: null, improvement: null, measured_at: null,
        before_window: { hours: 0.01 },
        after_window: { from: new Date(afterFrom).toISOString(), to: new Date(afterFrom + 60_000).toISOString(), hours: 1 / 60 },
      },
    });
    // An implemented suggestion is final: the finding, if seen again, is a new suggestion.
    await expect(rpc.request(IMPROVEMENT_SUGGESTIONS_REJECT, { id: target.id, reason: 'x' })).rejects.toMatchObject({ code: 'SUGGESTION_INVALID_TRANSITION' });

    // Not due yet: still pending.
    expect((await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: target.id })).impact?.status).toBe('pending');
    expect((await rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {})).pending_impacts).toBe(1);

    // The fix works: 1 failure in 100 after it. Time passes beyond the after-window.
    workload(1);
    memory.requests.length = 0;
    offsetMs += afterFrom + 62_000 - clock() + 5000;
    const measuredAt = clock();
    const measured = await rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, { id: target.id });
    expect(measured.impact).toMatchObject({ status: 'measured', before: 0.3, after: 0.01, improvement: round4((0.3 - 0.01) / 0.3) });
    expect(Date.parse(measured.impact!.measured_at!)).toBeGreaterThanOrEqual(measuredAt);
    expect(measured.impact!.after_window.from).toBe(new Date(afterFrom).toISOString());
    // Memory was asked for exactly the after-window (one second short, so its minute rounding stays on the window's start).
    const asked = memory.requests.filter((r) => r.subject === MEMORY_SERVICE_STATS).map((r) => r.data);
    expect(asked).toEqual([{ window_s: Math.floor((Date.parse(measured.impact!.measured_at!) - afterFrom) / 1000) - 1, detail: true }]);

    const report = await rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {});
    expect(report).toMatchObject({ total: 6, pending_impacts: 0, average_improvement: round4((0.3 - 0.01) / 0.3) });
    expect(report.by_status).toEqual({ open: 3, approved: 1, rejected: 1, implemented: 1 });
    expect(report.by_status_and_priority.implemented).toEqual({ low: 0, medium: 0, high: 0, critical: 1 });
    expect(report.improvements).toEqual([
      expect.objectContaining({ suggestion_id: target.id, key: target.key, metric: 'error_rate', before: 0.3, after: 0.01, status: 'measured', action: 'investigate_errors' }),
    ]);
    expect(report.last_analysis).toMatchObject({ analysis_id: shortRun.analysis_id, trigger: 'manual' });
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

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
