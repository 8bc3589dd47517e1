import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import { ApiaryError, CallOutcome, RetryStrategy, RouteDecision, RouteTarget, ServiceCallRecord } from '@apiary/contracts';
import { postJson, PostJsonRequest } from '../handlers/post-json';
import { HandlerContext, HandlerError } from '../handlers/task-handler';
import { ABORTED, BREAKER_OPEN, isInputRejection } from './failure-kinds';
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
  /** HTTP call (default {@link postJson}). */
  call?: ServiceCall;
  /** Wait between retries (default {@link abortableSleep}). */
  sleep?: Sleep;
  /** Monotonic clock for call latencies, ms (default `performance.now`). */
  now?: () => number;
}

/** Route codes after which another attempt cannot help. */
const PERMANENT_ROUTE_CODES = new Set(['VALIDATION_FAILED', 'UNKNOWN_TASK_TYPE']);

/**
 * Runs a task whose type is a capability of registered HTTP services (issue 4;
 * seed 002 "Complete Flow Example", "Retry Strategies", "Safety Mechanisms:
 * Fallback Strategies"):
 *
 * 1. asks task-router for a route (`apiary.router.route`, `track: true`, excluding
 *    the services whose breaker rejects calls on this replica);
 * 2. for each target in `[primary, ...fallbacks]`: `POST {endpoint}/process` with
 *    the task's data as JSON through the service's circuit breaker, per-call
 *    timeout `retry_strategy.timeout` seconds. A retryable failure (5xx, 429, 408,
 *    timeout, network) is retried up to `max_retries` times after
 *    {@link retryDelayMs} (exponential 1 s, 2 s, 4 s…; linear 5 s, 10 s, 15 s…;
 *    none), then the next target is tried. A breaker rejection (`BREAKER_OPEN`) or
 *    a non-JSON 2xx moves to the next target at once; so does a retry due while
 *    the breaker is open (no pointless wait). A non-retryable 4xx stops
 *    everything: the input is bad;
 * 3. the first 2xx answer (JSON body) is the task's result.
 *
 * Every call is recorded (`ctx.recordServiceCalls`: the completion's `service` and
 * `calls`) and reported as a {@link CallOutcome}, `final` on the route's last call.
 * Outcomes are held back one call so that the last one can carry `final`.
 *
 * The retry loop is ours rather than cockatiel's `RetryPolicy`: that policy's
 * waits ignore the abort signal and cannot be injected; the breaker is cockatiel's.
 * The abort signal (shutdown) interrupts the route request, calls and waits.
 */
export class RoutedCaller {
  private readonly call: ServiceCall;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  /** @param deps router, breakers, outcome sink; HTTP call, sleep and clock for tests */
  constructor(private readonly deps: RoutedCallerDeps) {
    this.call = deps.call ?? postJson;
    this.sleep = deps.sleep ?? abortableSleep;
    this.now = deps.now ?? (() => performance.now());
  }

  /**
   * Runs one attempt of a routed task.
   * @param data the task's data, sent as the JSON body
   * @param ctx task id, type (capability), priority, abort signal, call recorder
   * @returns the JSON answer of the service that succeeded
   * @throws HandlerError
   *   - `ROUTER_UNAVAILABLE` / `ROUTER_TIMEOUT` (retryable): task-router did not answer;
   *   - `NO_CAPABLE_SERVICE` / `NO_HEALTHY_SERVICE` (retryable) and other router codes
   *     (retryable except `VALIDATION_FAILED`, `UNKNOWN_TASK_TYPE`);
   *   - `HTTP_4xx` (not retryable): a service rejected the data;
   *   - `ALL_SERVICES_FAILED` (not retryable, `exhausted`): every target failed after its retries;
   *   - `ABORTED` (retryable): the runtime is stopping
   */
  async run(data: Record<string, unknown>, ctx: HandlerContext): Promise<unknown> {
    const decision = await this.route(ctx);
    const strategy = decision.retry_strategy;
    const targets: RouteTarget[] = [{ service_name: decision.primary_service, endpoint: decision.endpoint }, ...(decision.fallbacks ?? [])];
    const calls: ServiceCallRecord[] = [];
    const failures: { service: string; calls: number; last: HandlerError }[] = [];
    let held: CallOutcome | undefined;
    let lastService: string | undefined;
    const record = (target: RouteTarget, fallback: boolean, startedAt: number, failure?: HandlerError): void => {
      const latency = Math.round((this.now() - startedAt) * 1000) / 1000;
      const error = failure ? { error_code: failure.code } : {};
      calls.push({ service: target.service_name, success: !failure, latency_ms: latency, fallback, ...error });
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
      };
      lastService = target.service_name;
    };

    try {
      for (const [index, target] of targets.entries()) {
        const fallback = index > 0;
        const breaker = this.deps.breakers.policy(target.service_name);
        const url = `${target.endpoint.replace(/\/+$/, '')}/process`;
        let failure: HandlerError | undefined;
        let made = 0;
        for (let k = 0; k <= strategy.max_retries; k++) {
          if (k > 0 && !this.deps.breakers.isRejecting(target.service_name)) await this.sleep(retryDelayMs(strategy, k - 1), ctx.signal);
          const startedAt = this.now();
          made++;
          try {
            const result = await breaker.execute(() => this.call({ url, body: data, timeoutMs: strategy.timeout * 1000, signal: ctx.signal }));
            record(target, fallback, startedAt);
            return result;
          } catch (err) {
            failure = this.callFailure(err, target, ctx.signal);
            record(target, fallback, startedAt, failure);
          }
          if (failure.code === ABORTED) throw failure;
          if (isInputRejection(failure)) {
            throw new HandlerError(failure.code, `${target.service_name} rejected the data of ${ctx.taskType}: ${failure.message}`, false);
          }
          if (failure.code === BREAKER_OPEN || !failure.retryable) break;
        }
        if (failure) failures.push({ service: target.service_name, calls: made, last: failure });
      }
      const summary = failures.map((f) => `${f.service} (${f.calls} call${f.calls === 1 ? '' : 's'}, last ${f.last.code})`).join(', ');
      const last = failures.at(-1)?.last;
      throw new HandlerError(
        'ALL_SERVICES_FAILED',
        `every service routed for ${ctx.taskType} failed: ${summary}; last error: ${last?.message ?? 'none'}`,
        false,
        { exhausted: true },
      );
    } finally {
      if (held) this.deps.outcomes.outcome({ ...held, final: true });
      ctx.recordServiceCalls({ service: lastService, calls });
    }
  }

  /** Asks the router, racing the abort signal; maps its errors to HandlerErrors. */
  private async route(ctx: HandlerContext): Promise<RouteDecision> {
    const request = {
      task_type: ctx.taskType,
      priority: ctx.priority,
      task_id: ctx.taskId,
      track: true,
      exclude: this.deps.breakers.rejecting(),
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
 * Maps a route request's failure to a HandlerError (see {@link RoutedCaller.run}).
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
