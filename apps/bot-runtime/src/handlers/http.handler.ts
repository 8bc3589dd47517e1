import { HandlerContext, HandlerError, TaskHandler } from './task-handler';

/**
 * `http`: POSTs `data.body` as JSON to `data.url` (timeout `data.timeout_ms`,
 * default 30 s); the JSON reply is the result (DESIGN.md "Handlers": call a
 * registered AI service endpoint). 5xx, 429, timeouts and network errors are
 * retryable; other 4xx are not.
 */
export class HttpHandler implements TaskHandler {
  readonly type = 'http';

  /** @param defaultTimeoutMs timeout when the task gives none, ms */
  constructor(private readonly defaultTimeoutMs = 30_000) {}

  /** @throws HandlerError `HTTP_TIMEOUT` | `HTTP_NETWORK` | `HTTP_<status>` | `HTTP_BAD_JSON` */
  async run(data: Record<string, unknown>, ctx: HandlerContext): Promise<unknown> {
    const url = String(data.url);
    const timeoutMs = typeof data.timeout_ms === 'number' ? data.timeout_ms : this.defaultTimeoutMs;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...((data.headers as Record<string, string>) ?? {}) },
        body: JSON.stringify(data.body ?? {}),
        signal,
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new HandlerError('HTTP_TIMEOUT', `POST ${url} timed out after ${timeoutMs} ms`, true);
      }
      throw new HandlerError('HTTP_NETWORK', `POST ${url} failed: ${(error as Error)?.message}`, true);
    }
    const text = await res.text();
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      throw new HandlerError(`HTTP_${res.status}`, `POST ${url} answered ${res.status}: ${text.slice(0, 200)}`, retryable);
    }
    if (text.length === 0) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new HandlerError('HTTP_BAD_JSON', `POST ${url} answered with non-JSON`, false);
    }
  }
}
