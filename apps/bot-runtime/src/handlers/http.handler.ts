import type { RoutedCaller } from '../routing/routed-caller';
import { postJson } from './post-json';
import { HandlerContext, HandlerError, TaskHandler } from './task-handler';

/** Options of {@link HttpHandler}. */
export interface HttpHandlerOptions {
  /** Runs routed tasks (registered-service capabilities); without it they fail with `NO_ROUTER`. */
  routed?: RoutedCaller;
  /** Timeout of a plain `http` task that gives no `timeout_ms`, ms (default 30,000). */
  defaultTimeoutMs?: number;
}

/**
 * `http`: calls HTTP services (DESIGN.md "Handlers"; issue 4; seed 002 "Complete
 * Flow Example"). Two kinds of task reach it:
 *
 * - a plain `http` task (type `http`, lane `http`): POSTs `data.body` as JSON to
 *   `data.url` with `data.headers` (timeout `data.timeout_ms`, default 30 s); the
 *   JSON reply is the result. 5xx, 429, 408, timeouts and network errors are
 *   retryable (the brain retries the task); other 4xx and non-JSON replies are not.
 * - a routed task (work `handler: 'http'`, type = a capability of registered
 *   services such as `email_campaign`, lane `service`): delegated to
 *   {@link RoutedCaller}, which asks task-router for the route, POSTs the task's
 *   data to `{endpoint}/process` with retries, per-service circuit breakers and
 *   fallbacks, and records every call in the completion (`service`, `calls`).
 */
export class HttpHandler implements TaskHandler {
  readonly type = 'http';
  private readonly defaultTimeoutMs: number;

  /** @param options routed-call runner and the plain call's default timeout (ms) */
  constructor(private readonly options: HttpHandlerOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  }

  /**
   * @throws HandlerError for a plain task: `HTTP_TIMEOUT` | `HTTP_NETWORK` |
   *   `HTTP_<status>` | `HTTP_BAD_JSON` | `ABORTED`; for a routed task: see
   *   {@link RoutedCaller.run}, or `NO_ROUTER` (retryable) when this replica has no router client
   */
  async run(data: Record<string, unknown>, ctx: HandlerContext): Promise<unknown> {
    if (ctx.taskType !== this.type) {
      if (!this.options.routed) throw new HandlerError('NO_ROUTER', `routed task ${ctx.taskType} reached a runtime without a router client`, true);
      return this.options.routed.run(data, ctx);
    }
    return postJson({
      url: String(data.url),
      body: data.body,
      headers: (data.headers as Record<string, string>) ?? {},
      timeoutMs: typeof data.timeout_ms === 'number' ? data.timeout_ms : this.defaultTimeoutMs,
      signal: ctx.signal,
    });
  }
}
