import { ApiaryError, CallOutcome, PriorityLevel, RetryStrategy, RouteDecision, RouteRequest } from '@apiary/contracts';
import { isRetryableStatus, PostJsonRequest } from '../handlers/post-json';
import { HandlerContext, HandlerError, ServiceCalls } from '../handlers/task-handler';
import { RoutedCaller } from './routed-caller';
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

/** A scripted answer of a fake service: a JSON result, or an error code thrown as the HTTP call would. */
type Answer = { json: unknown } | string;

function failure(code: string): HandlerError {
  const status = /^HTTP_(\d{3})$/.exec(code);
  const retryable = status ? isRetryableStatus(Number(status[1])) : code !== 'HTTP_BAD_JSON';
  return new HandlerError(code, `fake ${code}`, retryable);
}

function decision(strategy: Partial<RetryStrategy> = {}, fallbacks = ['b', 'c']): RouteDecision {
  return {
    route_id: 'r-1',
    task_type: 'email_campaign',
    primary_service: 'a',
    endpoint: 'http://a.test/',
    fallback_services: fallbacks,
    fallbacks: fallbacks.map((s) => ({ service_name: s, endpoint: `http://${s}.test` })),
    strategy: 'round_robin',
    retry_strategy: { max_retries: 3, backoff: 'exponential', timeout: 2, base_delay_ms: 1000, ...strategy },
    reasoning: 'test',
    confidence: null,
    decided_at: new Date(0).toISOString(),
  };
}

/** Builds a caller over strict fakes: scripted services, a fixed route, recorded sleeps and outcomes. */
function setup(opts: {
  script: Record<string, Answer[]>;
  route?: RouteDecision | Error;
  threshold?: number;
  halfOpenAfterMs?: number;
  /** Abort (runtime shutdown) when the first retry wait begins, or during the first call. */
  abortOn?: 'sleep' | 'call';
}) {
  const requests: PostJsonRequest[] = [];
  const sleeps: number[] = [];
  const outcomes: CallOutcome[] = [];
  const routeRequests: RouteRequest[] = [];
  const breakerChanges: string[] = [];
  const script = Object.fromEntries(Object.entries(opts.script).map(([k, v]) => [k, [...v]]));
  const breakers = new ServiceBreakers(
    { threshold: opts.threshold ?? 100, halfOpenAfterMs: opts.halfOpenAfterMs ?? 10_000 },
    (service, state) => breakerChanges.push(`${service}:${state}`),
  );
  let clock = 0;
  const abort = new AbortController();
  const caller = new RoutedCaller({
    router: {
      route: async (req) => {
        routeRequests.push(req);
        if (opts.route instanceof Error) throw opts.route;
        return opts.route ?? decision();
      },
    },
    breakers,
    outcomes: { outcome: (o) => outcomes.push(o) },
    call: async (req) => {
      requests.push(req);
      clock += 10;
      const service = new URL(req.url).hostname.split('.')[0];
      const next = script[service]?.shift();
      if (opts.abortOn === 'call') {
        abort.abort();
        throw new DOMException('aborted', 'AbortError');
      }
      if (next === undefined) throw new Error(`unscripted call to ${service}`);
      if (typeof next === 'string') throw failure(next);
      return next.json;
    },
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      if (opts.abortOn === 'sleep') abort.abort();
      if (signal.aborted) throw new HandlerError('ABORTED', 'aborted', true);
    },
    now: () => clock,
  });
  const recorded: ServiceCalls[] = [];
  const ctx = (priority: PriorityLevel = 'high'): HandlerContext => ({
    taskId: 't-1',
    attempt: 1,
    context: null,
    taskType: 'email_campaign',
    priority,
    signal: abort.signal,
    recordServiceCalls: (c) => recorded.push(c),
  });
  const called = () => requests.map((r) => new URL(r.url).hostname.split('.')[0]);
  return { caller, ctx, requests, sleeps, outcomes, routeRequests, breakerChanges, recorded, abort, breakers, called };
}

describe('RoutedCaller', () => {
  it('POSTs the data to {endpoint}/process of the primary and returns its JSON', async () => {
    const s = setup({ script: { a: [{ json: { sent: 3 } }] } });
    await expect(s.caller.run({ subject: 'hi' }, s.ctx())).resolves.toEqual({ sent: 3 });
    expect(s.routeRequests).toEqual([{ task_type: 'email_campaign', priority: 'high', task_id: 't-1', track: true, exclude: [] }]);
    expect(s.requests).toEqual([{ url: 'http://a.test/process', body: { subject: 'hi' }, timeoutMs: 2000, signal: expect.any(AbortSignal) }]);
    expect(s.recorded).toEqual([{ service: 'a', calls: [{ service: 'a', success: true, latency_ms: 10, fallback: false }] }]);
    expect(s.outcomes).toEqual([
      { route_id: 'r-1', task_id: 't-1', task_type: 'email_campaign', service_name: 'a', success: true, latency_ms: 10, fallback: false, final: true },
    ]);
    expect(s.sleeps).toEqual([]);
  });

  it('retries with exponential delays (1 s, 2 s, 4 s) and succeeds on the last retry', async () => {
    const s = setup({ script: { a: ['HTTP_503', 'HTTP_TIMEOUT', 'HTTP_NETWORK', { json: 'ok' }] } });
    await expect(s.caller.run({}, s.ctx())).resolves.toBe('ok');
    expect(s.sleeps).toEqual([1000, 2000, 4000]);
    expect(s.called()).toEqual(['a', 'a', 'a', 'a']);
    expect(s.recorded[0].calls.map((c) => c.error_code ?? 'ok')).toEqual(['HTTP_503', 'HTTP_TIMEOUT', 'HTTP_NETWORK', 'ok']);
    expect(s.outcomes.map((o) => o.final)).toEqual([false, false, false, true]);
  });

  it('after max_retries with linear delays (5 s, 10 s, 15 s) it falls back to the next service', async () => {
    const s = setup({
      route: decision({ backoff: 'linear', base_delay_ms: 5000, max_retries: 3 }),
      script: { a: ['HTTP_500', 'HTTP_502', 'HTTP_429', 'HTTP_408'], b: [{ json: { from: 'b' } }] },
    });
    await expect(s.caller.run({}, s.ctx())).resolves.toEqual({ from: 'b' });
    expect(s.sleeps).toEqual([5000, 10000, 15000]);
    expect(s.called()).toEqual(['a', 'a', 'a', 'a', 'b']);
    expect(s.recorded[0].service).toBe('b');
    expect(s.recorded[0].calls.map((c) => c.fallback)).toEqual([false, false, false, false, true]);
    expect(s.outcomes.at(-1)).toMatchObject({ service_name: 'b', success: true, fallback: true, final: true });
  });

  it('backoff none retries without waiting', async () => {
    const s = setup({ route: decision({ backoff: 'none', max_retries: 2 }), script: { a: ['HTTP_503', 'HTTP_503', { json: 1 }] } });
    await expect(s.caller.run({}, s.ctx())).resolves.toBe(1);
    expect(s.sleeps).toEqual([0, 0]);
  });

  it('a non-retryable 4xx stops everything: no retry, no fallback, not exhausted', async () => {
    const s = setup({ script: { a: ['HTTP_422'] } });
    const err = await failureOf(s.caller.run({}, s.ctx()));
    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code: 'HTTP_422', retryable: false, exhausted: false });
    expect(err.message).toMatch(/^a rejected the data of email_campaign/);
    expect(s.called()).toEqual(['a']);
    expect(s.recorded).toEqual([{ service: 'a', calls: [{ service: 'a', success: false, latency_ms: 10, fallback: false, error_code: 'HTTP_422' }] }]);
    expect(s.outcomes).toMatchObject([{ final: true, error_code: 'HTTP_422' }]);
  });

  it('a non-JSON 2xx moves to the next service without a retry', async () => {
    const s = setup({ script: { a: ['HTTP_BAD_JSON'], b: [{ json: 2 }] } });
    await expect(s.caller.run({}, s.ctx())).resolves.toBe(2);
    expect(s.called()).toEqual(['a', 'b']);
    expect(s.sleeps).toEqual([]);
  });

  it('when every service fails: ALL_SERVICES_FAILED, not retryable, exhausted, naming the services', async () => {
    const s = setup({
      route: decision({ max_retries: 1, base_delay_ms: 10 }),
      script: { a: ['HTTP_503', 'HTTP_503'], b: ['HTTP_TIMEOUT', 'HTTP_TIMEOUT'], c: ['HTTP_NETWORK', 'HTTP_500'] },
    });
    const err = await failureOf(s.caller.run({}, s.ctx()));
    expect(err).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: false, exhausted: true });
    expect(err.message).toContain('a (2 calls, last HTTP_503), b (2 calls, last HTTP_TIMEOUT), c (2 calls, last HTTP_500)');
    expect(err.message).toContain('last error: fake HTTP_500');
    expect(s.sleeps).toEqual([10, 10, 10]);
    expect(s.recorded[0].service).toBe('c');
    expect(s.recorded[0].calls).toHaveLength(6);
    expect(s.outcomes.map((o) => o.final)).toEqual([false, false, false, false, false, true]);
  });

  it('the breaker opens after the threshold: no wait, BREAKER_OPEN, next service; later routes exclude it', async () => {
    const s = setup({ threshold: 2, script: { a: ['HTTP_503', 'HTTP_503'], b: [{ json: 'b1' }, { json: 'b2' }] } });
    await expect(s.caller.run({}, s.ctx())).resolves.toBe('b1');
    // call 1 fails, wait 1 s, call 2 fails and opens the breaker, the next retry is refused at once
    expect(s.sleeps).toEqual([1000]);
    expect(s.called()).toEqual(['a', 'a', 'b']);
    expect(s.recorded[0].calls.map((c) => c.error_code ?? 'ok')).toEqual(['HTTP_503', 'HTTP_503', 'BREAKER_OPEN', 'ok']);
    expect(s.breakerChanges).toEqual(['a:open']);
    expect(s.breakers.state('a')).toBe('open');

    await expect(s.caller.run({}, s.ctx())).resolves.toBe('b2');
    expect(s.routeRequests[1].exclude).toEqual(['a']);
  });

  it('a breaker half-opens after halfOpenAfterMs; a good test call closes it, a bad one re-opens it', async () => {
    let now = 1_000_000;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const s = setup({
        threshold: 1,
        halfOpenAfterMs: 5000,
        route: decision({ max_retries: 0 }),
        script: { a: ['HTTP_503', 'HTTP_503', { json: 'a-back' }], b: [{ json: 'b' }, { json: 'b' }] },
      });
      await expect(s.caller.run({}, s.ctx())).resolves.toBe('b');
      expect(s.breakers.isRejecting('a')).toBe(true);
      now += 4999;
      expect(s.breakers.rejecting()).toEqual(['a']);
      now += 1;
      expect(s.breakers.rejecting()).toEqual([]);
      await expect(s.caller.run({}, s.ctx())).resolves.toBe('b'); // test call fails: open again
      expect(s.breakerChanges).toEqual(['a:open', 'a:half_open', 'a:open']);
      now += 5000;
      await expect(s.caller.run({}, s.ctx())).resolves.toBe('a-back');
      expect(s.breakerChanges).toEqual(['a:open', 'a:half_open', 'a:open', 'a:half_open', 'a:closed']);
      expect(s.breakers.state('a')).toBe('closed');
    } finally {
      spy.mockRestore();
    }
  });

  it('a 4xx does not count against the breaker', async () => {
    const s = setup({ threshold: 1, script: { a: ['HTTP_400', { json: 'fine' }] } });
    await expect(s.caller.run({}, s.ctx())).rejects.toMatchObject({ code: 'HTTP_400' });
    expect(s.breakers.state('a')).toBe('closed');
    await expect(s.caller.run({}, s.ctx())).resolves.toBe('fine');
  });

  it('an abort during a retry wait ends the attempt with ABORTED, the last call final', async () => {
    const s = setup({ abortOn: 'sleep', script: { a: ['HTTP_503'] } });
    const err = await failureOf(s.caller.run({}, s.ctx()));
    expect(err).toMatchObject({ code: 'ABORTED', retryable: true });
    expect(s.called()).toEqual(['a']);
    expect(s.outcomes).toMatchObject([{ service_name: 'a', final: true, error_code: 'HTTP_503' }]);
    expect(s.recorded[0].calls).toHaveLength(1);
  });

  it('an abort during a call is recorded as ABORTED (final) and ends the attempt', async () => {
    const s = setup({ abortOn: 'call', threshold: 1, script: { a: [{ json: 'never' }] } });
    const err = await failureOf(s.caller.run({}, s.ctx()));
    expect(err).toMatchObject({ code: 'ABORTED', retryable: true });
    expect(s.outcomes).toMatchObject([{ service_name: 'a', final: true, error_code: 'ABORTED' }]);
    expect(s.breakers.state('a')).toBe('closed');
  });

  it('an abort before the route arrives ends the attempt with ABORTED and no call', async () => {
    const s = setup({ script: {} });
    s.abort.abort();
    await expect(s.caller.run({}, s.ctx())).rejects.toMatchObject({ code: 'ABORTED', retryable: true });
    expect(s.requests).toEqual([]);
    expect(s.recorded).toEqual([]);
  });

  it.each([
    [new ApiaryError('SERVICE_UNAVAILABLE', 'No service answers apiary.router.route'), 'ROUTER_UNAVAILABLE', true],
    [new ApiaryError('UPSTREAM_TIMEOUT', 'No reply'), 'ROUTER_TIMEOUT', true],
    [new ApiaryError('NO_CAPABLE_SERVICE', 'none'), 'NO_CAPABLE_SERVICE', true],
    [new ApiaryError('NO_HEALTHY_SERVICE', 'none healthy'), 'NO_HEALTHY_SERVICE', true],
    [new ApiaryError('VALIDATION_FAILED', 'bad'), 'VALIDATION_FAILED', false],
    [new Error('boom'), 'ROUTER_ERROR', true],
  ])('a route failure %p becomes %s (retryable %s) without any call', async (error, code, retryable) => {
    const s = setup({ route: error, script: {} });
    const err = await failureOf(s.caller.run({}, s.ctx()));
    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code, retryable, exhausted: false });
    expect(s.requests).toEqual([]);
    expect(s.outcomes).toEqual([]);
  });

  it('refuses a malformed route decision (retryable)', async () => {
    const s = setup({ route: { ...decision(), retry_strategy: { max_retries: -1 } } as unknown as RouteDecision, script: {} });
    await expect(s.caller.run({}, s.ctx())).rejects.toMatchObject({ code: 'ROUTER_BAD_DECISION', retryable: true });
  });
});
