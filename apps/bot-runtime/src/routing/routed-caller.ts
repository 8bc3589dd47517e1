import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import {
  ApiaryError,
  CallOutcome,
  completionCostUsd,
  LlmChatResult,
  ModelClass,
  RetryStrategy,
  RouteDecision,
  RouteRequest,
  RouteTarget,
  ServiceCallRecord,
  TokenUsage,
} from '@apiary/contracts';
import { postJson, PostJsonRequest } from '../handlers/post-json';
import { HandlerContext, HandlerError } from '../handlers/task-handler';
import { ChatCall, chatCompletion, ProviderThrottledError } from '../llm/chat-completion';
import { chatBody, estimatePromptTokens } from '../llm/chat-body';
import { ABORTED, BREAKER_OPEN, isInputRejection } from './failure-kinds';
import type { QuotaClient } from './quota-client';
import { abortableSleep, retryDelayMs, Sleep } from './retry-backoff';
import { RouteSource } from './route-source';
import { ServiceBreakers } from './service-breakers';

/** Receives each routed call's outcome ({@link OutcomeReporter} in production). */
export interface CallOutcomeSink {
  /** @param outcome one call; `final` on the last call of its route */
  outcome(outcome: CallOutcome): void;
}

/** One HTTP call to a service (default {@link postJson}); throws {@link HandlerError}s like it. */
export type ServiceCall = (request: PostJsonRequest) => Promise<unknown>;

/** Collaborators of {@link RoutedCaller}. */
export interface RoutedCallerDeps {
  /** task-router (`apiary.router.route`). */
  router: RouteSource;
  /** This replica's breakers, one per service. */
  breakers: ServiceBreakers;
  /** Where call outcomes go (reported to the router in batches). */
  outcomes: CallOutcomeSink;
  /** task-router's provider limits (permits, pauses); without it limits are not asked for. */
  quota?: QuotaClient;
  /** Longest a call waits for its turn under a provider's limits before the task is deferred, ms (default 5,000). */
  maxQuotaWaitMs?: number;
  /** Tokens reserved for the completion when a chat gives no `max_tokens` (default 1,024). */
  defaultMaxTokens?: number;
  /** HTTP call of a `process` service (default {@link postJson}). */
  call?: ServiceCall;
  /** Chat call of an `openai` service (default {@link chatCompletion}, the `openai` package). */
  chat?: ChatCall;
  /** Reads the API key from the named environment variable (default `process.env`). */
  apiKey?: (envName: string) => string | undefined;
  /** Wait between retries (default {@link abortableSleep}). */
  sleep?: Sleep;
  /** Monotonic clock for call latencies, ms (default `performance.now`). */
  now?: () => number;
  /** Wall clock, epoch ms, compared with pauses (default `Date.now`). */
  wallNow?: () => number;
}

/** Model filter of a routed task (`llm.chat`'s `model` or `model_class`). */
export interface RouteFilter {
  model?: string;
  model_class?: ModelClass;
}

/** Route codes after which another attempt cannot help. */
const PERMANENT_ROUTE_CODES = new Set(['VALIDATION_FAILED', 'UNKNOWN_TASK_TYPE', 'UNKNOWN_MODEL']);

/** A permit of one call under a provider's limits. */
interface Permit {
  permitId: string | null;
  tokens: number;
}

/** Why a target was passed over without a call that counts. */
interface Skip {
  service: string;
  /** When it may be tried again, ms from now. */
  retryAfterMs: number;
  why: 'paused' | 'quota' | 'throttled';
}

/**
 * Runs a task routed to registered services (docs/architecture.md "Routing to AI
 * services"; docs/ai-work.md "LLM providers", "Rate limits"): `llm.chat` and every
 * capability of registered services.
 *
 * 1. asks task-router for a route (`apiary.router.route`, `track: true`, the model
 *    pin or class, excluding the services whose breaker rejects calls here);
 * 2. for each target in `[primary, ...fallbacks]`:
 *    - a service paused by its provider's 429 is passed over;
 *    - under a provider's limits, a permit is asked of task-router first; the turn
 *      is awaited (without holding this replica's slot) when it comes within
 *      `maxQuotaWaitMs`, otherwise the target is passed over;
 *    - the call: `POST {endpoint}/process` (`process`) or a chat completion through
 *      the `openai` package (`openai`; the API key read from the service's
 *      `api_key_env` variable here, never sent anywhere else), through the
 *      service's circuit breaker, per-call timeout `retry_strategy.timeout` s;
 *    - a retryable failure (5xx, 408, timeout, network) is retried up to
 *      `max_retries` times after {@link retryDelayMs}, then the next target is
 *      tried; a breaker rejection or a bad 2xx moves on at once; a 4xx other than
 *      408/429 stops everything (the input is bad);
 *    - a 429 pauses the service on every replica for the wait it asked
 *      (`apiary.router.quota.throttle`) and moves on; it counts neither against the
 *      breaker nor as a failure the learned strategy learns from;
 * 3. the first success is the result: the service's JSON reply, or an
 *    {@link LlmChatResult} with tokens and `cost_usd` from the model's price.
 *
 * When no target could be called for want of quota, the task is deferred: the
 * brain queues it again after the shortest wait, without counting the attempt.
 * Every call is recorded (`ctx.recordServiceCalls`) and reported as a
 * {@link CallOutcome}, `final` on the route's last call.
 */
export class RoutedCaller {
  private readonly call: ServiceCall;
  private readonly chat: ChatCall;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private readonly wallNow: () => number;
  private readonly apiKey: (envName: string) => string | undefined;
  private readonly maxQuotaWaitMs: number;
  private readonly defaultMaxTokens: number;

  /** @param deps router, breakers, outcome sink, quota; calls, sleep and clocks for tests */
  constructor(private readonly deps: RoutedCallerDeps) {
    this.call = deps.call ?? postJson;
    this.chat = deps.chat ?? chatCompletion;
    this.sleep = deps.sleep ?? abortableSleep;
    this.now = deps.now ?? (() => performance.now());
    this.wallNow = deps.wallNow ?? Date.now;
    this.apiKey = deps.apiKey ?? ((name) => process.env[name]);
    this.maxQuotaWaitMs = deps.maxQuotaWaitMs ?? 5000;
    this.defaultMaxTokens = deps.defaultMaxTokens ?? 1024;
  }

  /**
   * Runs one attempt of a routed task.
   * @param data the task's data: the JSON body of a `process` call, the chat of an `openai` one
   * @param ctx task id, type (capability), priority, abort signal, call recorder, slot yield
   * @param filter model pin or class (`llm.chat`)
   * @returns the JSON answer of the `process` service that succeeded, or the chat's {@link LlmChatResult}
   * @throws HandlerError
   *   - `ROUTER_UNAVAILABLE` / `ROUTER_TIMEOUT` (retryable): task-router did not answer;
   *   - `NO_CAPABLE_SERVICE` / `NO_HEALTHY_SERVICE` (retryable) and other router codes
   *     (retryable except `VALIDATION_FAILED`, `UNKNOWN_TASK_TYPE`, `UNKNOWN_MODEL`);
   *   - `HTTP_4xx` (not retryable): a service rejected the data;
   *   - `QUOTA_WAIT` / `PROVIDER_THROTTLED` (`deferred`): no target could be called for want of quota;
   *   - `ALL_SERVICES_FAILED`: every target failed after its retries (`exhausted`), or
   *     failed while others waited for quota (retryable, not exhausted);
   *   - `ABORTED` (retryable): the runtime is stopping
   */
  async run(data: Record<string, unknown>, ctx: HandlerContext, filter: RouteFilter = {}): Promise<unknown> {
    const decision = await this.route(ctx, filter);
    const strategy = decision.retry_strategy;
    const primary: RouteTarget = decision.primary ?? { service_name: decision.primary_service, endpoint: decision.endpoint };
    const targets: RouteTarget[] = [primary, ...(decision.fallbacks ?? [])];
    const calls: ServiceCallRecord[] = [];
    const failures: { service: string; calls: number; last: HandlerError }[] = [];
    const skips: Skip[] = [];
    let held: CallOutcome | undefined;
    let lastService: string | undefined;
    let answer: { model?: string; usage?: TokenUsage; cost_usd?: number } = {};
    const record = (target: RouteTarget, fallback: boolean, startedAt: number, failure?: HandlerError, extra: Partial<ServiceCallRecord> = {}): void => {
      const latency = Math.round((this.now() - startedAt) * 1000) / 1000;
      const error = failure ? { error_code: failure.code } : {};
      const throttled = failure instanceof ProviderThrottledError;
      const model = target.model ? { model: target.model } : {};
      calls.push({ service: target.service_name, success: !failure, latency_ms: latency, fallback, ...error, ...model, ...(throttled ? { throttled } : {}), ...extra });
      if (held) this.deps.outcomes.outcome(held);
      held = {
        route_id: decision.route_id,
        task_id: ctx.taskId,
        task_type: ctx.taskType,
        service_name: target.service_name,
        success: !failure,
        latency_ms: latency,
        fallback,
        final: false,
        ...error,
        ...model,
        ...(throttled ? { throttled } : {}),
      };
      lastService = target.service_name;
    };

    try {
      for (const [index, target] of targets.entries()) {
        const fallback = index > 0;
        const pausedFor = target.throttled_until ? Date.parse(target.throttled_until) - this.wallNow() : 0;
        if (pausedFor > 0) {
          skips.push({ service: target.service_name, retryAfterMs: pausedFor, why: 'paused' });
          continue;
        }
        const breaker = this.deps.breakers.policy(target.service_name);
        let failure: HandlerError | undefined;
        // The last failure of this target that was not a 429: a later wait for quota does not erase it.
        let realFailure: HandlerError | undefined;
        let made = 0;
        for (let k = 0; k <= strategy.max_retries; k++) {
          if (k > 0 && !this.deps.breakers.isRejecting(target.service_name)) await this.sleep(retryDelayMs(strategy, k - 1), ctx.signal);
          const permit = await this.permit(target, data, strategy, ctx);
          if ('retryAfterMs' in permit) {
            // A real failure before the wait still counts (it is pushed below).
            skips.push({ service: target.service_name, retryAfterMs: permit.retryAfterMs, why: 'quota' });
            break;
          }
          const startedAt = this.now();
          made++;
          try {
            const result = await breaker.execute(() => this.invoke(target, data, strategy, ctx));
            const usage = (result as { usage?: TokenUsage }).usage;
            this.releasePermit(target, permit, usage);
            if (target.protocol === 'openai') {
              const r = result as LlmChatResult;
              answer = { model: r.model, usage: r.usage, cost_usd: r.cost_usd };
              record(target, fallback, startedAt, undefined, { cost_usd: r.cost_usd, tokens: r.usage.total_tokens });
            } else {
              record(target, fallback, startedAt);
            }
            return result;
          } catch (err) {
            this.releasePermit(target, permit, undefined);
            failure = this.callFailure(err, target, ctx.signal);
            record(target, fallback, startedAt, failure);
          }
          if (failure.code === ABORTED) throw failure;
          if (failure instanceof ProviderThrottledError) {
            await this.reportThrottle(target, failure);
            skips.push({ service: target.service_name, retryAfterMs: failure.retryAfterMs, why: 'throttled' });
            failure = realFailure;
            break;
          }
          realFailure = failure;
          if (isInputRejection(failure)) {
            throw new HandlerError(failure.code, `${target.service_name} rejected the data of ${ctx.taskType}: ${failure.message}`, false);
          }
          if (failure.code === BREAKER_OPEN || !failure.retryable) break;
        }
        if (failure) failures.push({ service: target.service_name, calls: made, last: failure });
      }
      if (skips.length > 0 && failures.length === 0) {
        const retryAfterMs = Math.max(1, Math.min(...skips.map((s) => s.retryAfterMs)));
        const throttled = skips.every((s) => s.why !== 'quota');
        throw new HandlerError(
          throttled ? 'PROVIDER_THROTTLED' : 'QUOTA_WAIT',
          `no service for ${ctx.taskType} can be called now (${skips.map((s) => `${s.service}: ${s.why} for ${Math.ceil(s.retryAfterMs)} ms`).join(', ')}); queued again`,
          true,
          { deferred: true, retryAfterMs },
        );
      }
      const summary = failures.map((f) => `${f.service} (${f.calls} call${f.calls === 1 ? '' : 's'}, last ${f.last.code})`).join(', ');
      const last = failures.at(-1)?.last;
      if (skips.length > 0) {
        // Some services wait for quota: another attempt may find them free.
        throw new HandlerError(
          'ALL_SERVICES_FAILED',
          `services routed for ${ctx.taskType} failed: ${summary}; waiting for quota: ${skips.map((s) => s.service).join(', ')}`,
          true,
        );
      }
      throw new HandlerError(
        'ALL_SERVICES_FAILED',
        `every service routed for ${ctx.taskType} failed: ${summary}; last error: ${last?.message ?? 'none'}`,
        false,
        { exhausted: true },
      );
    } finally {
      if (held) this.deps.outcomes.outcome({ ...held, final: true });
      ctx.recordServiceCalls({ service: lastService, calls, ...answer });
    }
  }

  /** Calls one target by its protocol. */
  private async invoke(target: RouteTarget, data: Record<string, unknown>, strategy: RetryStrategy, ctx: HandlerContext): Promise<unknown> {
    if (target.protocol !== 'openai') {
      const url = `${target.endpoint.replace(/\/+$/, '')}/process`;
      return this.call({ url, body: data, timeoutMs: strategy.timeout * 1000, signal: ctx.signal });
    }
    let apiKey: string | undefined;
    if (target.api_key_env) {
      apiKey = this.apiKey(target.api_key_env);
      if (!apiKey) {
        throw new HandlerError('API_KEY_MISSING', `${target.service_name}: environment variable ${target.api_key_env} is not set on this runtime`, false);
      }
    }
    const answer = await this.chat({
      baseUrl: target.endpoint,
      apiKey,
      body: chatBody(data, target.model ?? ''),
      timeoutMs: strategy.timeout * 1000,
      signal: ctx.signal,
    });
    const result: LlmChatResult = {
      text: answer.text,
      model: answer.model,
      finish_reason: answer.finish_reason,
      usage: answer.usage,
      cost_usd: completionCostUsd(answer.usage, target.price ?? undefined),
      service: target.service_name,
      model_class: target.model_class ?? null,
    };
    return result;
  }

  /**
   * A permit under the target's limits, or when to try again. No limits: no permit.
   * A turn within `maxQuotaWaitMs` is awaited with the slot yielded; a refusal for
   * concurrency is asked again until the wait would pass that bound.
   */
  private async permit(target: RouteTarget, data: Record<string, unknown>, strategy: RetryStrategy, ctx: HandlerContext): Promise<Permit | { retryAfterMs: number }> {
    const limits = target.limits;
    if (!this.deps.quota || !limits || !(limits.rpm || limits.tpm || limits.max_concurrency)) return { permitId: null, tokens: 0 };
    const tokens = limits.tpm
      ? estimatePromptTokens(data) + (typeof data.max_tokens === 'number' ? data.max_tokens : this.defaultMaxTokens)
      : 0;
    const deadline = this.now() + this.maxQuotaWaitMs;
    for (;;) {
      const remaining = Math.max(0, Math.floor(deadline - this.now()));
      let reply;
      try {
        reply = await this.deps.quota.acquire({
          service_name: target.service_name,
          tokens,
          max_wait_ms: remaining,
          lease_ms: strategy.timeout * 1000 + 5000,
          task_id: ctx.taskId,
        });
      } catch (err) {
        throw routeFailure(err, ctx.taskType);
      }
      if (reply.granted) {
        // Sleep until the turn itself: a reply that took long must not bunch calls.
        const wait = typeof reply.turn_at_ms === 'number' ? Math.min(reply.delay_ms + 1000, reply.turn_at_ms - this.wallNow()) : reply.delay_ms;
        if (wait > 0) await this.yielding(ctx, this.sleep(wait, ctx.signal));
        return { permitId: reply.permit_id, tokens };
      }
      if (reply.reason === 'concurrency' && reply.retry_after_ms < remaining) {
        await this.yielding(ctx, this.sleep(reply.retry_after_ms, ctx.signal));
        continue;
      }
      return { retryAfterMs: reply.retry_after_ms };
    }
  }

  private yielding<T>(ctx: HandlerContext, wait: Promise<T>): Promise<T> {
    return ctx.yieldSlot ? ctx.yieldSlot(wait) : wait;
  }

  private releasePermit(target: RouteTarget, permit: Permit, usage: TokenUsage | undefined): void {
    if (!this.deps.quota || (!permit.permitId && permit.tokens === 0)) return;
    this.deps.quota.release({
      service_name: target.service_name,
      permit_id: permit.permitId,
      tokens_reserved: permit.tokens,
      tokens_used: usage ? usage.total_tokens : permit.tokens,
    });
  }

  private async reportThrottle(target: RouteTarget, failure: ProviderThrottledError): Promise<void> {
    if (!this.deps.quota) return;
    try {
      await this.deps.quota.throttle({ service_name: target.service_name, retry_after_ms: Math.min(3_600_000, failure.retryAfterMs), source: failure.source });
    } catch {
      // task-router unreachable: the pause is still honoured by this deferral; others learn of it from their own 429s.
    }
  }

  /** Asks the router, racing the abort signal; maps its errors to HandlerErrors. */
  private async route(ctx: HandlerContext, filter: RouteFilter): Promise<RouteDecision> {
    const request: RouteRequest = {
      task_type: ctx.taskType,
      priority: ctx.priority,
      task_id: ctx.taskId,
      track: true,
      exclude: this.deps.breakers.rejecting(),
      ...(filter.model !== undefined ? { model: filter.model } : {}),
      ...(filter.model_class !== undefined ? { model_class: filter.model_class } : {}),
    };
    let decision: RouteDecision;
    try {
      decision = await abortable(this.deps.router.route(request), ctx.signal);
    } catch (err) {
      throw routeFailure(err, ctx.taskType);
    }
    return checkDecision(decision, ctx.taskType);
  }

  private callFailure(err: unknown, target: RouteTarget, signal: AbortSignal): HandlerError {
    if (signal.aborted) return new HandlerError(ABORTED, `call to ${target.service_name} aborted: the runtime is stopping`, true);
    if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
      return new HandlerError(BREAKER_OPEN, `circuit breaker of ${target.service_name} is open on this runtime`, true);
    }
    if (err instanceof TaskCancelledError) return new HandlerError(ABORTED, `call to ${target.service_name} cancelled`, true);
    if (err instanceof HandlerError) return err;
    return new HandlerError('HTTP_ERROR', `call to ${target.service_name} failed: ${(err as Error)?.message ?? String(err)}`, true);
  }
}

/**
 * Rejects with HandlerError `ABORTED` as soon as `signal` aborts (the promise itself keeps running; its outcome is dropped).
 * @param promise work to wait for
 * @param signal abort signal
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new HandlerError(ABORTED, 'runtime stopped before the route was decided', true));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new HandlerError(ABORTED, 'runtime stopped before the route was decided', true));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Maps a route (or permit) request's failure to a HandlerError (see {@link RoutedCaller.run}).
 * @param err what the route source threw
 * @param taskType task type being routed (named in messages)
 */
export function routeFailure(err: unknown, taskType: string): HandlerError {
  if (err instanceof HandlerError) return err;
  if (err instanceof ApiaryError) {
    if (err.code === 'SERVICE_UNAVAILABLE') return new HandlerError('ROUTER_UNAVAILABLE', `task-router unavailable to route ${taskType}: ${err.message}`, true);
    if (err.code === 'UPSTREAM_TIMEOUT') return new HandlerError('ROUTER_TIMEOUT', `task-router did not route ${taskType} in time: ${err.message}`, true);
    return new HandlerError(err.code, `task-router could not route ${taskType}: ${err.message}`, !PERMANENT_ROUTE_CODES.has(err.code));
  }
  return new HandlerError('ROUTER_ERROR', `routing ${taskType} failed: ${(err as Error)?.message ?? String(err)}`, true);
}

function checkDecision(d: RouteDecision, taskType: string): RouteDecision {
  const rs: Partial<RetryStrategy> | undefined = d?.retry_strategy;
  const ok =
    typeof d?.route_id === 'string' &&
    typeof d.primary_service === 'string' &&
    typeof d.endpoint === 'string' &&
    (d.fallbacks === undefined || Array.isArray(d.fallbacks)) &&
    rs !== undefined &&
    Number.isInteger(rs.max_retries) && (rs.max_retries as number) >= 0 &&
    typeof rs.timeout === 'number' && rs.timeout > 0 &&
    typeof rs.base_delay_ms === 'number' && rs.base_delay_ms >= 0 &&
    (rs.backoff === 'exponential' || rs.backoff === 'linear' || rs.backoff === 'none');
  if (!ok) throw new HandlerError('ROUTER_BAD_DECISION', `task-router answered a malformed route for ${taskType}`, true);
  return d;
}
