// Proves RoutedCaller on openai targets under provider limits: chats with the key from the env reader and priced
// results, API_KEY_MISSING / 429 / paused / refused permits moving on, deferral (PROVIDER_THROTTLED, QUOTA_WAIT), permits.
import {
  ApiaryError,
  CallOutcome,
  QuotaAcquireReply,
  QuotaAcquireRequest,
  QuotaReleaseEvent,
  QuotaThrottleRequest,
  RetryStrategy,
  RouteDecision,
  RouteTarget,
} from '@apiary/contracts';
import { HandlerContext, HandlerError, ServiceCalls } from '../handlers/task-handler';
import { ChatAnswer, ChatRequest, ProviderThrottledError } from '../llm/chat-completion';
import { estimatePromptTokens } from '../llm/chat-body';
import type { QuotaClient } from './quota-client';
import { RoutedCaller } from './routed-caller';
import { ServiceBreakers } from './service-breakers';

const WALL = 1_700_000_000_000;

/** The HandlerError a run fails with; throws when it succeeds. */
function failureOf(run: Promise<unknown>): Promise<HandlerError> {
  return run.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e as HandlerError,
  );
}

function target(name: string, fields: Partial<RouteTarget> = {}): RouteTarget {
  return { service_name: name, endpoint: `http://${name}.test/v1`, protocol: 'openai', model: 'gpt-s', model_class: 'small', price: null, api_key_env: null, ...fields };
}

function decision(targets: RouteTarget[], strategy: Partial<RetryStrategy> = {}): RouteDecision {
  const [primary, ...fallbacks] = targets;
  return {
    route_id: 'r-1', task_type: 'llm.chat', primary_service: primary.service_name, endpoint: primary.endpoint,
    fallback_services: fallbacks.map((t) => t.service_name), fallbacks, primary, strategy: 'round_robin',
    retry_strategy: { max_retries: 0, backoff: 'exponential', timeout: 2, base_delay_ms: 1000, ...strategy },
    reasoning: 'test', confidence: null, decided_at: new Date(0).toISOString(),
  };
}

/** A chat answer, or an error the fake provider throws. */
type ChatScript = ChatAnswer | HandlerError;

const answer = (text: string, prompt = 1000, completion = 500): ChatAnswer => ({
  text, model: 'gpt-s-2024', finish_reason: 'stop', usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});

/** A strict fake of task-router's quota subjects: scripted permits per service, pauses and releases recorded. */
class FakeQuota implements QuotaClient {
  readonly acquires: QuotaAcquireRequest[] = [];
  readonly throttles: QuotaThrottleRequest[] = [];
  readonly releases: QuotaReleaseEvent[] = [];
  throttleFails = false;
  /** Thrown by every acquire when set (task-router not answering). */
  acquireError?: Error;
  constructor(private readonly permits: Record<string, QuotaAcquireReply[]>) {}
  async acquire(req: QuotaAcquireRequest): Promise<QuotaAcquireReply> {
    this.acquires.push(req);
    if (this.acquireError) throw this.acquireError;
    const next = this.permits[req.service_name]?.shift();
    if (!next) throw new Error(`unscripted permit for ${req.service_name}`);
    return next;
  }
  async throttle(req: QuotaThrottleRequest): Promise<void> {
    this.throttles.push(req);
    if (this.throttleFails) throw new Error('router down');
  }
  release(event: QuotaReleaseEvent): void {
    this.releases.push(event);
  }
}

const grant = (delay_ms: number, permit_id: string | null = null, turn_at_ms?: number): QuotaAcquireReply => ({
  granted: true, delay_ms, permit_id, retry_after_ms: 0, reason: null, ...(turn_at_ms !== undefined ? { turn_at_ms } : {}),
});
const refuse = (retry_after_ms: number, reason: QuotaAcquireReply['reason']): QuotaAcquireReply => ({ granted: false, delay_ms: 0, permit_id: null, retry_after_ms, reason });

function setup(opts: { route: RouteDecision; chats?: Record<string, ChatScript[]>; permits?: Record<string, QuotaAcquireReply[]>; env?: Record<string, string>; withYield?: boolean }) {
  const chats: ChatRequest[] = [];
  const sleeps: number[] = [];
  const yielded: number[] = [];
  const outcomes: CallOutcome[] = [];
  const keysRead: string[] = [];
  const recorded: ServiceCalls[] = [];
  const scripts = Object.fromEntries(Object.entries(opts.chats ?? {}).map(([k, v]) => [k, [...v]]));
  const quota = new FakeQuota(Object.fromEntries(Object.entries(opts.permits ?? {}).map(([k, v]) => [k, [...v]])));
  let clock = 0;
  const pending = new Map<Promise<void>, number>();
  const caller = new RoutedCaller({
    router: { route: async () => opts.route },
    breakers: new ServiceBreakers({ threshold: 100, halfOpenAfterMs: 10_000 }),
    outcomes: { outcome: (o) => outcomes.push(o) },
    quota,
    call: async () => {
      throw new Error('no process service in these routes');
    },
    chat: async (req) => {
      chats.push(req);
      clock += 10;
      const host = new URL(req.baseUrl).hostname.split('.')[0];
      const next = scripts[host]?.shift();
      if (next === undefined) throw new Error(`unscripted chat to ${host}`);
      if (next instanceof HandlerError) throw next;
      return next;
    },
    apiKey: (name) => {
      keysRead.push(name);
      return opts.env?.[name];
    },
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      const p = Promise.resolve();
      pending.set(p, ms);
      return p;
    },
    now: () => clock,
    wallNow: () => WALL,
  });
  const ctx: HandlerContext = {
    taskId: 't-1', attempt: 1, context: null, taskType: 'llm.chat', priority: 'normal', signal: new AbortController().signal,
    recordServiceCalls: (c) => recorded.push(c),
    ...(opts.withYield === false
      ? {}
      : {
          yieldSlot: <T>(wait: Promise<T>): Promise<T> => {
            const ms = pending.get(wait as unknown as Promise<void>);
            if (ms === undefined) throw new Error('yieldSlot was given something other than a quota sleep');
            yielded.push(ms);
            return wait;
          },
        }),
  };
  const hosts = () => chats.map((c) => new URL(c.baseUrl).hostname.split('.')[0]);
  return { caller, ctx, chats, sleeps, yielded, outcomes, keysRead, recorded, quota, hosts };
}

const throttled = (ms: number, source: ProviderThrottledError['source'] = 'retry-after') => new ProviderThrottledError('429: slow down', ms, source);

describe('RoutedCaller: openai targets', () => {
  it('calls the chat with the target\'s model and the key from its variable; the result is priced from the target', async () => {
    const price = { input_per_1m: 1, output_per_1m: 2 };
    const s = setup({
      route: decision([target('alpha', { price, api_key_env: 'ALPHA_KEY' })]),
      chats: { alpha: [answer('hello')] },
      env: { ALPHA_KEY: 'sk-alpha' },
    });
    const result = await s.caller.run({ prompt: 'hi', max_tokens: 600 }, s.ctx);
    expect(s.chats).toEqual([
      {
        baseUrl: 'http://alpha.test/v1', apiKey: 'sk-alpha', timeoutMs: 2000, signal: expect.any(AbortSignal),
        body: { model: 'gpt-s', messages: [{ role: 'user', content: 'hi' }], stream: false, max_tokens: 600 },
      },
    ]);
    expect(s.keysRead).toEqual(['ALPHA_KEY']);
    // $1/M × 1,000 + $2/M × 500 = $0.002
    expect(result).toEqual({
      text: 'hello', model: 'gpt-s-2024', finish_reason: 'stop', usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
      cost_usd: 0.002, service: 'alpha', model_class: 'small',
    });
    expect(s.recorded).toEqual([
      {
        service: 'alpha', model: 'gpt-s-2024', usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 }, cost_usd: 0.002,
        calls: [{ service: 'alpha', success: true, latency_ms: 10, fallback: false, model: 'gpt-s', cost_usd: 0.002, tokens: 1500 }],
      },
    ]);
    expect(s.outcomes).toEqual([
      { route_id: 'r-1', task_id: 't-1', task_type: 'llm.chat', service_name: 'alpha', success: true, latency_ms: 10, fallback: false, final: true, model: 'gpt-s' },
    ]);
    expect(s.quota.acquires).toEqual([]); // no limits: no permit
    expect(s.quota.releases).toEqual([]);
  });

  it('an unpriced model costs 0, and a target without a key variable is called without a key', async () => {
    const s = setup({ route: decision([target('local')]), chats: { local: [answer('ok', 10, 5)] } });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ cost_usd: 0, service: 'local' });
    expect(s.chats[0].apiKey).toBeUndefined();
    expect(s.keysRead).toEqual([]);
  });

  it('API_KEY_MISSING: the target is not called and the next one is', async () => {
    const s = setup({
      route: decision([target('alpha', { api_key_env: 'ALPHA_KEY' }), target('beta', { model: 'gpt-b' })], { max_retries: 2 }),
      chats: { beta: [answer('from beta')] },
    });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ text: 'from beta', service: 'beta' });
    expect(s.hosts()).toEqual(['beta']);
    expect(s.sleeps).toEqual([]); // not retried
    expect(s.recorded[0].calls).toEqual([
      { service: 'alpha', success: false, latency_ms: 0, fallback: false, error_code: 'API_KEY_MISSING', model: 'gpt-s' },
      { service: 'beta', success: true, latency_ms: 10, fallback: true, model: 'gpt-b', cost_usd: 0, tokens: 1500 },
    ]);
  });

  it('API_KEY_MISSING on every target is ALL_SERVICES_FAILED, exhausted', async () => {
    const s = setup({ route: decision([target('alpha', { api_key_env: 'A_KEY' }), target('beta', { api_key_env: 'B_KEY' })]) });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: false, exhausted: true, deferred: false });
    expect(err.message).toContain('alpha (1 call, last API_KEY_MISSING), beta (1 call, last API_KEY_MISSING)');
  });
});

describe('RoutedCaller: provider throttling', () => {
  it('a 429 pauses the service through the quota client, is recorded throttled and moves on without a retry', async () => {
    const s = setup({
      route: decision([target('alpha'), target('beta')], { max_retries: 3 }),
      chats: { alpha: [throttled(3000, 'retry-after-ms')], beta: [answer('b')] },
    });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ service: 'beta' });
    expect(s.quota.throttles).toEqual([{ service_name: 'alpha', retry_after_ms: 3000, source: 'retry-after-ms' }]);
    expect(s.hosts()).toEqual(['alpha', 'beta']);
    expect(s.sleeps).toEqual([]);
    expect(s.recorded[0].calls[0]).toEqual({ service: 'alpha', success: false, latency_ms: 10, fallback: false, error_code: 'HTTP_429', model: 'gpt-s', throttled: true });
    expect(s.outcomes[0]).toMatchObject({ service_name: 'alpha', success: false, throttled: true, final: false });
    expect(s.outcomes[1]).toMatchObject({ service_name: 'beta', success: true, final: true });
    expect(s.outcomes[1]).not.toHaveProperty('throttled');
  });

  it('caps the reported pause at one hour and carries on when the pause cannot be reported', async () => {
    const s = setup({ route: decision([target('alpha'), target('beta')]), chats: { alpha: [throttled(7_200_000)], beta: [answer('b')] } });
    s.quota.throttleFails = true;
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ service: 'beta' });
    expect(s.quota.throttles).toEqual([{ service_name: 'alpha', retry_after_ms: 3_600_000, source: 'retry-after' }]);
  });

  it('every target throttled or paused: deferred PROVIDER_THROTTLED with the shortest wait; a paused target is never called', async () => {
    const s = setup({
      route: decision([target('alpha'), target('beta', { throttled_until: new Date(WALL + 1500).toISOString() }), target('gamma')]),
      chats: { alpha: [throttled(3000)], gamma: [throttled(2500)] },
    });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code: 'PROVIDER_THROTTLED', retryable: true, deferred: true, exhausted: false, retryAfterMs: 1500 });
    expect(err.message).toContain('alpha: throttled for 3000 ms, beta: paused for 1500 ms, gamma: throttled for 2500 ms');
    expect(s.hosts()).toEqual(['alpha', 'gamma']);
    expect(s.outcomes.at(-1)).toMatchObject({ service_name: 'gamma', final: true, throttled: true });
  });

  it('a pause that has ended is no pause', async () => {
    const s = setup({ route: decision([target('alpha', { throttled_until: new Date(WALL).toISOString() })]), chats: { alpha: [answer('a')] } });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ service: 'alpha' });
  });
});

describe('RoutedCaller: permits under limits', () => {
  const limits = { rpm: 60, tpm: 10_000 };

  it('asks acquire with the token estimate, waits for the turn through ctx.yieldSlot, and releases with the tokens used', async () => {
    const data = { prompt: 'summarise: '.repeat(20), max_tokens: 100 };
    const s = setup({
      route: decision([target('alpha', { limits })]),
      chats: { alpha: [answer('a', 200, 80)] },
      permits: { alpha: [grant(400, 'permit-1', WALL + 400)] },
    });
    await expect(s.caller.run(data, s.ctx)).resolves.toMatchObject({ service: 'alpha' });
    const tokens = estimatePromptTokens(data) + 100;
    expect(s.quota.acquires).toEqual([{ service_name: 'alpha', tokens, max_wait_ms: 5000, lease_ms: 7000, task_id: 't-1' }]);
    expect(s.sleeps).toEqual([400]);
    expect(s.yielded).toEqual([400]);
    expect(s.quota.releases).toEqual([{ service_name: 'alpha', permit_id: 'permit-1', tokens_reserved: tokens, tokens_used: 280 }]);
  });

  it('reserves the default max tokens when the chat gives none, and no tokens without a tpm limit', async () => {
    const s = setup({
      route: decision([target('alpha', { limits: { tpm: 50_000 } }), target('beta', { limits: { rpm: 60 } })], { max_retries: 0 }),
      chats: { alpha: [new HandlerError('HTTP_503', 'down', true)], beta: [answer('b')] },
      permits: { alpha: [grant(0)], beta: [grant(0, 'permit-b')] },
    });
    await s.caller.run({ prompt: 'abcd' }, s.ctx);
    expect(s.quota.acquires.map((a) => [a.service_name, a.tokens])).toEqual([['alpha', estimatePromptTokens({ prompt: 'abcd' }) + 1024], ['beta', 0]]);
    // a failed call gives back what it reserved (used = reserved); an rpm-only permit releases its lease
    expect(s.quota.releases).toEqual([
      { service_name: 'alpha', permit_id: null, tokens_reserved: estimatePromptTokens({ prompt: 'abcd' }) + 1024, tokens_used: estimatePromptTokens({ prompt: 'abcd' }) + 1024 },
      { service_name: 'beta', permit_id: 'permit-b', tokens_reserved: 0, tokens_used: 1500 },
    ]);
    expect(s.sleeps).toEqual([]); // turns at once: no wait
  });

  it('sleeps until turn_at_ms (at most delay + 1 s), and not at all for a turn already past', async () => {
    const late = setup({ route: decision([target('alpha', { limits })]), chats: { alpha: [answer('a')] }, permits: { alpha: [grant(400, null, WALL + 2000)] } });
    await late.caller.run({ prompt: 'x' }, late.ctx);
    expect(late.yielded).toEqual([1400]);
    const past = setup({ route: decision([target('alpha', { limits })]), chats: { alpha: [answer('a')] }, permits: { alpha: [grant(400, null, WALL - 5)] } });
    await past.caller.run({ prompt: 'x' }, past.ctx);
    expect(past.sleeps).toEqual([]);
  });

  it('without yieldSlot the wait simply runs', async () => {
    const s = setup({ route: decision([target('alpha', { limits })]), chats: { alpha: [answer('a')] }, permits: { alpha: [grant(300)] }, withYield: false });
    await s.caller.run({ prompt: 'x' }, s.ctx);
    expect(s.sleeps).toEqual([300]);
    expect(s.yielded).toEqual([]);
  });

  it('a concurrency refusal is asked again after its wait (slot yielded) while within the bound', async () => {
    const s = setup({
      route: decision([target('alpha', { limits: { max_concurrency: 1 } })]),
      chats: { alpha: [answer('a')] },
      permits: { alpha: [refuse(250, 'concurrency'), grant(0, 'permit-2')] },
    });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ service: 'alpha' });
    expect(s.quota.acquires.map((a) => a.max_wait_ms)).toEqual([5000, 4750]);
    expect(s.yielded).toEqual([250]);
    expect(s.quota.releases).toEqual([{ service_name: 'alpha', permit_id: 'permit-2', tokens_reserved: 0, tokens_used: 1500 }]);
  });

  it('a refused permit moves on to the next target without a call', async () => {
    const s = setup({
      route: decision([target('alpha', { limits }), target('beta')]),
      chats: { beta: [answer('b')] },
      permits: { alpha: [refuse(9000, 'rpm')] },
    });
    await expect(s.caller.run({ prompt: 'x' }, s.ctx)).resolves.toMatchObject({ service: 'beta' });
    expect(s.hosts()).toEqual(['beta']);
    expect(s.recorded[0].calls.map((c) => c.service)).toEqual(['beta']);
  });

  it('refused permits on every target: deferred QUOTA_WAIT after the shortest wait, no call made', async () => {
    const s = setup({
      route: decision([target('alpha', { limits }), target('beta', { limits }), target('gamma', { throttled_until: new Date(WALL + 30_000).toISOString() })]),
      permits: { alpha: [refuse(8000, 'rpm')], beta: [refuse(6000, 'tpm')] },
    });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'QUOTA_WAIT', retryable: true, deferred: true, exhausted: false, retryAfterMs: 6000 });
    expect(s.chats).toEqual([]);
    expect(s.outcomes).toEqual([]);
    expect(s.recorded).toEqual([{ service: undefined, calls: [] }]);
  });

  it('a real failure on one target while another waits for quota: ALL_SERVICES_FAILED, retryable, not exhausted, not deferred', async () => {
    const s = setup({
      route: decision([target('alpha'), target('beta', { limits })], { max_retries: 1, base_delay_ms: 10 }),
      chats: { alpha: [new HandlerError('HTTP_503', 'down', true), new HandlerError('HTTP_500', 'still down', true)] },
      permits: { beta: [refuse(4000, 'rpm')] },
    });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: true, exhausted: false, deferred: false });
    expect(err.message).toContain('alpha (2 calls, last HTTP_500)');
    expect(err.message).toContain('waiting for quota: beta');
    expect(s.sleeps).toEqual([10]);
    expect(s.yielded).toEqual([]); // retry backoff holds the slot; only quota waits yield it
  });

  it('a real failure of a target is not forgotten when its retry then waits for quota: the attempt is used up', async () => {
    const s = setup({
      route: decision([target('alpha', { limits })], { max_retries: 1, base_delay_ms: 10 }),
      chats: { alpha: [new HandlerError('HTTP_503', 'down', true)] },
      permits: { alpha: [grant(0), refuse(9000, 'rpm')] },
    });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: true, exhausted: false, deferred: false });
    expect(err.message).toContain('alpha (1 call, last HTTP_503)');
    expect(err.message).toContain('waiting for quota: alpha');
  });

  it('a 503 then a 429 on the same target: not deferred, the attempt is used up', async () => {
    const s = setup({
      route: decision([target('alpha')], { max_retries: 1, base_delay_ms: 10 }),
      chats: { alpha: [new HandlerError('HTTP_503', 'down', true), new ProviderThrottledError('429', 2000, 'retry-after')] },
    });
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'ALL_SERVICES_FAILED', retryable: true, deferred: false });
    expect(err.message).toContain('last HTTP_503');
  });

  it('task-router not answering a permit ends the attempt with ROUTER_UNAVAILABLE (retryable), without a call', async () => {
    const s = setup({ route: decision([target('alpha', { limits }), target('beta')]), chats: { beta: [answer('b')] } });
    s.quota.acquireError = new ApiaryError('SERVICE_UNAVAILABLE', 'No service answers apiary.router.quota.acquire');
    const err = await failureOf(s.caller.run({ prompt: 'x' }, s.ctx));
    expect(err).toMatchObject({ code: 'ROUTER_UNAVAILABLE', retryable: true, deferred: false });
    expect(s.chats).toEqual([]);
  });
});
