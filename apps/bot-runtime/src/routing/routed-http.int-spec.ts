import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import pino from 'pino';
import {
  CallOutcomesEvent,
  RetryStrategy,
  ROUTER_CALL_OUTCOMES,
  ROUTER_ROUTE,
  RouteDecision,
  RouteRequest,
  SERVICE_LANE,
  TASK_COMPLETIONS,
  TaskCompletedEvent,
  TaskCompletionsEvent,
  WorkMessage,
  workSubject,
} from '@apiary/contracts';
import { ensureJetStreamTopology, NatsRpcClient } from '@apiary/service-kit';
import { startNatsServer, TestNats, waitFor } from '@apiary/testing';
import { builtinHandlers } from '../handlers/registry';
import { HandlerContext, HandlerError, ServiceCalls } from '../handlers/task-handler';
import { WorkRunner } from '../worker/work-runner';
import { OutcomeReporter } from './outcome-reporter';
import { RoutedCaller } from './routed-caller';
import { NatsRouteSource } from './route-source';
import { ServiceBreakers } from './service-breakers';

/** The HandlerError a run fails with; throws when it succeeds. */
function failureOf(run: Promise<unknown>): Promise<HandlerError> {
  return run.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e as HandlerError,
  );
}

/**
 * The `http` handler's routed path against a real nats-server (private to this
 * suite) and real loopback HTTP services started here: `healthy` (200 JSON),
 * `failing` (503), `slow` (answers after 2 s, beyond the call timeout),
 * `rejecting` (422) and `flaky` (503 or 200 as the test says). A small responder on
 * `apiary.router.route` stands in for task-router: it answers the decision each
 * test sets, records the requests, and the suite collects `apiary.router.outcomes`.
 */

/** One loopback HTTP service with the arrival time of every request. */
interface FakeService {
  name: string;
  endpoint: string;
  hits: number[];
  bodies: unknown[];
  server: Server;
}

const json = JSONCodec<any>();

async function startService(name: string, answer: (body: unknown, res: ServerResponse) => void): Promise<FakeService> {
  const svc: FakeService = { name, endpoint: '', hits: [], bodies: [], server: undefined as unknown as Server };
  svc.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/process') {
        res.writeHead(404).end();
        return;
      }
      svc.hits.push(Date.now());
      const body = raw ? JSON.parse(raw) : null;
      svc.bodies.push(body);
      answer(body, res);
    });
  });
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  svc.endpoint = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}`;
  return svc;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Gaps between consecutive hits, ms. */
function gaps(hits: number[]): number[] {
  return hits.slice(1).map((t, i) => t - hits[i]);
}

describe('routed http handler (real NATS, loopback services)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let routerSub: Subscription;
  let outcomeSub: Subscription;
  const routeRequests: RouteRequest[] = [];
  const reports: CallOutcomesEvent[] = [];
  let decide: (req: RouteRequest) => RouteDecision | { code: string; message: string };
  let routeSeq = 0;
  let flakyDown = true;
  const svc: Record<string, FakeService> = {};

  /** A decision as task-router would send it: `primary` first, then `fallbacks`, retry strategy `rs`. */
  function route(primary: string, fallbacks: string[], rs: Partial<RetryStrategy> = {}): RouteDecision {
    return {
      route_id: `route-${++routeSeq}`,
      task_type: 'email_campaign',
      primary_service: primary,
      endpoint: svc[primary].endpoint,
      fallback_services: fallbacks,
      fallbacks: fallbacks.map((f) => ({ service_name: f, endpoint: svc[f].endpoint })),
      strategy: 'round_robin',
      retry_strategy: { max_retries: 0, backoff: 'none', timeout: 5, base_delay_ms: 0, ...rs },
      reasoning: 'fixed by the test (stands in for task-router)',
      confidence: null,
      decided_at: new Date().toISOString(),
    };
  }

  /** Answers `apiary.router.route` in Nest's wire format, like task-router. */
  function respondToRoutes(): Subscription {
    return nc.subscribe(ROUTER_ROUTE, {
      callback: (_err, msg) => {
        const packet = json.decode(msg.data) as { data: RouteRequest; id: string };
        routeRequests.push(packet.data);
        const answer = decide(packet.data);
        if ('route_id' in answer) msg.respond(json.encode({ response: answer, isDisposed: true, id: packet.id }));
        else msg.respond(json.encode({ err: answer, isDisposed: true, id: packet.id }));
      },
    });
  }

  function outcomesOf(routeId: string) {
    return reports.flatMap((r) => r.outcomes).filter((o) => o.route_id === routeId);
  }

  function breakerEvents(service: string): string[] {
    return reports.flatMap((r) => r.breakers).filter((b) => b.service_name === service).map((b) => b.state);
  }

  /** A routed caller with its own breakers and reporter (fresh breaker state per test). */
  function makeCaller(breaker: { threshold: number; halfOpenAfterMs: number } = { threshold: 100, halfOpenAfterMs: 10_000 }) {
    const reporter = new OutcomeReporter(nc, 'rt-test', { flushMs: 20, maxBatch: 500 });
    const breakers = new ServiceBreakers(breaker, (s, state, at) => reporter.breaker(s, state, at));
    const caller = new RoutedCaller({ router: new NatsRouteSource(new NatsRpcClient(nc), 2000), breakers, outcomes: reporter });
    return { caller, breakers, reporter };
  }

  function ctx(signal: AbortSignal = new AbortController().signal) {
    const recorded: ServiceCalls[] = [];
    const c: HandlerContext = {
      taskId: `task-${routeSeq + 1}`,
      attempt: 1,
      context: null,
      taskType: 'email_campaign',
      priority: 'normal',
      signal,
      recordServiceCalls: (calls) => recorded.push(calls),
    };
    return { c, recorded };
  }

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    svc.healthy = await startService('healthy', (body, res) => reply(res, 200, { service: 'healthy', echo: body }));
    svc.healthy2 = await startService('healthy2', (body, res) => reply(res, 200, { service: 'healthy2', echo: body }));
    svc.failing = await startService('failing', (_b, res) => reply(res, 503, { error: 'down' }));
    svc.failing2 = await startService('failing2', (_b, res) => reply(res, 503, { error: 'down too' }));
    svc.rejecting = await startService('rejecting', (_b, res) => reply(res, 422, { error: 'subject is required' }));
    svc.flaky = await startService('flaky', (_b, res) => (flakyDown ? reply(res, 503, { error: 'flaky' }) : reply(res, 200, { service: 'flaky' })));
    svc.slow = await startService('slow', (_b, res) => {
      const t = setTimeout(() => reply(res, 200, { service: 'slow' }), 2000);
      res.on('close', () => clearTimeout(t));
    });
    routerSub = respondToRoutes();
    outcomeSub = nc.subscribe(ROUTER_CALL_OUTCOMES, { callback: (_e, m) => reports.push(json.decode(m.data)) });
    await nc.flush();
  });

  afterAll(async () => {
    routerSub?.unsubscribe();
    outcomeSub?.unsubscribe();
    for (const s of Object.values(svc)) {
      s.server.closeAllConnections();
      await new Promise((r) => s.server.close(r));
    }
    await nc?.close();
    await nats?.stop();
  });

  describe('RoutedCaller', () => {
    it('retries a 503 with the exact exponential delays, then falls back to the healthy service', async () => {
      const hitsBefore = svc.failing.hits.length;
      const d = route('failing', ['healthy'], { max_retries: 3, backoff: 'exponential', base_delay_ms: 100 });
      decide = () => d;
      const { caller } = makeCaller();
      const { c, recorded } = ctx();
      const result = await caller.run({ subject: 'launch' }, c);

      expect(result).toEqual({ service: 'healthy', echo: { subject: 'launch' } });
      const hits = svc.failing.hits.slice(hitsBefore);
      expect(hits).toHaveLength(4); // 1 call + 3 retries
      // 100, 200, 400 ms apart (plus the call itself; the upper bound leaves room for a loaded machine)
      gaps(hits).forEach((gap, k) => {
        expect(gap).toBeGreaterThanOrEqual(100 * 2 ** k - 2);
        expect(gap).toBeLessThan(100 * 2 ** k + 300);
      });
      expect(recorded[0].service).toBe('healthy');
      expect(recorded[0].calls.map((x) => `${x.service}:${x.error_code ?? 'ok'}:${x.fallback}`)).toEqual([
        'failing:HTTP_503:false',
        'failing:HTTP_503:false',
        'failing:HTTP_503:false',
        'failing:HTTP_503:false',
        'healthy:ok:true',
      ]);
      expect(routeRequests.at(-1)).toEqual({ task_type: 'email_campaign', priority: 'normal', task_id: c.taskId, track: true, exclude: [] });
      await waitFor('5 outcomes', () => outcomesOf(d.route_id).length === 5, 5000);
      expect(outcomesOf(d.route_id).map((o) => o.final)).toEqual([false, false, false, false, true]);
      expect(outcomesOf(d.route_id).at(-1)).toMatchObject({ service_name: 'healthy', success: true, fallback: true, task_type: 'email_campaign' });
    });

    it('retries with the exact linear delays', async () => {
      const hitsBefore = svc.failing.hits.length;
      decide = () => route('failing', ['healthy'], { max_retries: 2, backoff: 'linear', base_delay_ms: 150 });
      const { caller } = makeCaller();
      await expect(caller.run({}, ctx().c)).resolves.toMatchObject({ service: 'healthy' });
      const g = gaps(svc.failing.hits.slice(hitsBefore));
      expect(g).toHaveLength(2);
      expect(g[0]).toBeGreaterThanOrEqual(148);
      expect(g[0]).toBeLessThan(450);
      expect(g[1]).toBeGreaterThanOrEqual(298);
      expect(g[1]).toBeLessThan(600);
    });

    it('a call slower than the timeout fails with HTTP_TIMEOUT, is retried, then the fallback answers', async () => {
      const before = svc.slow.hits.length;
      decide = () => route('slow', ['healthy'], { max_retries: 1, backoff: 'none', timeout: 0.3 });
      const { caller } = makeCaller();
      const { c, recorded } = ctx();
      const t0 = Date.now();
      await expect(caller.run({}, c)).resolves.toMatchObject({ service: 'healthy' });
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(svc.slow.hits.length - before).toBe(2);
      expect(recorded[0].calls.map((x) => x.error_code ?? 'ok')).toEqual(['HTTP_TIMEOUT', 'HTTP_TIMEOUT', 'ok']);
      for (const call of recorded[0].calls.slice(0, 2)) {
        expect(call.latency_ms).toBeGreaterThanOrEqual(290);
        expect(call.latency_ms).toBeLessThan(1000);
      }
    });

    it('a 422 stops everything: not retried, no fallback, not retryable', async () => {
      const rejBefore = svc.rejecting.hits.length;
      const okBefore = svc.healthy.hits.length;
      decide = () => route('rejecting', ['healthy'], { max_retries: 3, backoff: 'exponential', base_delay_ms: 50 });
      const { caller } = makeCaller();
      const err = await failureOf(caller.run({}, ctx().c));
      expect(err).toBeInstanceOf(HandlerError);
      expect(err).toMatchObject({ code: 'HTTP_422', retryable: false, exhausted: false });
      expect(err.message).toContain('subject is required');
      expect(svc.rejecting.hits.length - rejBefore).toBe(1);
      expect(svc.healthy.hits.length - okBefore).toBe(0);
    });

    it('the breaker opens after the threshold (calls stop reaching the service), half-opens after halfOpenAfter and closes', async () => {
      flakyDown = true;
      const { caller, breakers } = makeCaller({ threshold: 3, halfOpenAfterMs: 400 });
      const before = svc.flaky.hits.length;
      decide = () => route('flaky', ['healthy'], { max_retries: 0 });
      for (let i = 0; i < 3; i++) await expect(caller.run({}, ctx().c)).resolves.toMatchObject({ service: 'healthy' });
      expect(svc.flaky.hits.length - before).toBe(3);
      expect(breakers.state('flaky')).toBe('open');

      // Open: the route request excludes it; were it routed anyway, the call never leaves the runtime.
      const { c, recorded } = ctx();
      await expect(caller.run({}, c)).resolves.toMatchObject({ service: 'healthy' });
      expect(routeRequests.at(-1)!.exclude).toEqual(['flaky']);
      expect(svc.flaky.hits.length - before).toBe(3);
      expect(recorded[0].calls.map((x) => `${x.service}:${x.error_code ?? 'ok'}`)).toEqual(['flaky:BREAKER_OPEN', 'healthy:ok']);

      // After halfOpenAfter one test call goes through; the service is back, so the breaker closes.
      flakyDown = false;
      await new Promise((r) => setTimeout(r, 450));
      expect(breakers.rejecting()).toEqual([]);
      await expect(caller.run({}, ctx().c)).resolves.toEqual({ service: 'flaky' });
      expect(routeRequests.at(-1)!.exclude).toEqual([]);
      expect(svc.flaky.hits.length - before).toBe(4);
      expect(breakers.state('flaky')).toBe('closed');
      await waitFor('breaker changes reported', () => breakerEvents('flaky').length >= 3, 5000);
      expect(breakerEvents('flaky')).toEqual(['open', 'half_open', 'closed']);
    });

    it('an abort interrupts a running call and a retry wait at once', async () => {
      decide = () => route('slow', ['healthy'], { max_retries: 0, timeout: 10 });
      const { caller } = makeCaller();
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      let t0 = Date.now();
      await expect(caller.run({}, ctx(abort.signal).c)).rejects.toMatchObject({ code: 'ABORTED', retryable: true });
      expect(Date.now() - t0).toBeLessThan(1000);

      decide = () => route('failing', ['healthy'], { max_retries: 2, backoff: 'linear', base_delay_ms: 10_000 });
      const abort2 = new AbortController();
      const healthyBefore = svc.healthy.hits.length;
      setTimeout(() => abort2.abort(), 200);
      t0 = Date.now();
      const d = ctx(abort2.signal);
      await expect(caller.run({}, d.c)).rejects.toMatchObject({ code: 'ABORTED' });
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(d.recorded[0].calls.map((x) => x.error_code)).toEqual(['HTTP_503']);
      expect(svc.healthy.hits.length).toBe(healthyBefore);
    });

    it('router errors: NO_HEALTHY_SERVICE passes through retryable', async () => {
      decide = () => ({ code: 'NO_HEALTHY_SERVICE', message: 'no healthy service for email_campaign' });
      const { caller } = makeCaller();
      await expect(caller.run({}, ctx().c)).rejects.toMatchObject({ code: 'NO_HEALTHY_SERVICE', retryable: true, exhausted: false });
    });
  });

  describe('WorkRunner on the service lane', () => {
    let runner: WorkRunner;
    let reporter: OutcomeReporter;
    let completionsSub: Subscription;
    const completions: TaskCompletedEvent[] = [];

    async function runWork(taskId: string, data: Record<string, unknown>, plain = false): Promise<TaskCompletedEvent> {
      const work: WorkMessage = {
        task_id: taskId,
        type: plain ? 'http' : 'email_campaign',
        ...(plain ? {} : { handler: 'http' }),
        data,
        attempt: 1,
        priority: 'high',
        score: 3,
        dispatched_at: new Date().toISOString(),
      };
      await nc.jetstream().publish(workSubject(plain ? 'http' : SERVICE_LANE), json.encode(work), { msgID: `${taskId}:1` });
      return waitFor(`completion of ${taskId}`, () => completions.find((e) => e.task_id === taskId), 15_000);
    }

    beforeAll(async () => {
      const jsm = await nc.jetstreamManager();
      await ensureJetStreamTopology(jsm);
      const made = makeCaller();
      reporter = made.reporter;
      const handlers = builtinHandlers(['http'], { routed: made.caller });
      runner = new WorkRunner(
        nc.jetstream(),
        jsm,
        handlers,
        { concurrency: 4, ackWaitMs: 30_000, maxDeliver: 5, heartbeatMs: 10_000, graceMs: 1000, startedDelayMs: 100 },
        'rt-test',
        pino({ level: 'silent' }),
      );
      expect(runner.lanes).toEqual(['http', SERVICE_LANE]);
      // Completions are JetStream messages; a core subscription on the subject sees them too.
      completionsSub = nc.subscribe(TASK_COMPLETIONS, {
        callback: (_e, m) => completions.push(...(json.decode(m.data) as TaskCompletionsEvent).events),
      });
      await nc.flush();
      await runner.start();
    });

    afterAll(async () => {
      await runner?.stop();
      reporter?.stop();
      completionsSub?.unsubscribe();
    });

    it('runs a routed task through the router and the fallback; the completion names the service and its calls', async () => {
      decide = () => route('failing2', ['healthy2'], { max_retries: 1, backoff: 'exponential', base_delay_ms: 20 });
      const done = await runWork('wr-ok', { subject: 'hello' });
      expect(done).toMatchObject({
        success: true,
        type: 'email_campaign',
        handler: 'http',
        result: { service: 'healthy2', echo: { subject: 'hello' } },
        error: null,
        service: 'healthy2',
      });
      expect(done.calls!.map((x) => `${x.service}:${x.success}:${x.error_code ?? 'ok'}:${x.fallback}`)).toEqual([
        'failing2:false:HTTP_503:false',
        'failing2:false:HTTP_503:false',
        'healthy2:true:ok:true',
      ]);
      expect(routeRequests.at(-1)).toMatchObject({ task_id: 'wr-ok', priority: 'high', track: true });
    });

    it('when every service fails the completion carries ALL_SERVICES_FAILED, exhausted', async () => {
      const d = route('failing', ['failing2'], { max_retries: 1, backoff: 'none' });
      decide = () => d;
      const done = await runWork('wr-dead', {});
      expect(done.success).toBe(false);
      expect(done.error).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: false, exhausted: true });
      expect(done.error!.message).toContain('failing (2 calls, last HTTP_503), failing2 (2 calls, last HTTP_503)');
      expect(done.service).toBe('failing2');
      expect(done.calls).toHaveLength(4);
      await waitFor('final outcome', () => outcomesOf(d.route_id).some((o) => o.final), 5000);
      expect(outcomesOf(d.route_id).map((o) => `${o.service_name}:${o.final}`)).toEqual([
        'failing:false',
        'failing:false',
        'failing2:false',
        'failing2:true',
      ]);
    });

    it('a plain http task (type http, data.url) still goes to its own URL without the router', async () => {
      const routes = routeRequests.length;
      const done = await runWork('wr-plain', { url: `${svc.healthy.endpoint}/process`, body: { n: 1 } }, true);
      expect(done).toMatchObject({ success: true, handler: 'http', result: { service: 'healthy', echo: { n: 1 } } });
      expect(done.calls).toBeUndefined();
      expect(routeRequests.length).toBe(routes);
    });

    it('with no router answering, the attempt fails retryable (ROUTER_UNAVAILABLE) and calls nothing', async () => {
      routerSub.unsubscribe();
      await nc.flush();
      try {
        const done = await runWork('wr-norouter', {});
        expect(done.error).toMatchObject({ code: 'ROUTER_UNAVAILABLE', retryable: true });
        expect(done.error!.exhausted).toBeUndefined();
        expect(done.calls).toBeUndefined();
        expect(done.service).toBeUndefined();
      } finally {
        routerSub = respondToRoutes();
        await nc.flush();
      }
    });
  });
});
