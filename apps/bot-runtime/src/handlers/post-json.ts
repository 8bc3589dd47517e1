import { HandlerError } from './task-handler';

/** One JSON POST of {@link postJson}. */
export interface PostJsonRequest {
  /** Absolute http(s) URL. */
  url: string;
  /** Serialised with `JSON.stringify` (`undefined` sends `{}`). */
  body: unknown;
  /** Extra request headers (content-type is JSON). */
  headers?: Record<string, string>;
  /** Time allowed for the whole exchange (answer and body), ms. */
  timeoutMs: number;
  /** Aborts the call (runtime shutdown). */
  signal: AbortSignal;
}

/**
 * Whether an HTTP status means "try again later" (5xx, 429 Too Many Requests,
 * 408 Request Timeout); any other non-2xx answer means the request itself is wrong.
 * @param status HTTP status code
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * POSTs a JSON body and returns the JSON answer (the shared HTTP call of the
 * `http` handler, plain and routed).
 * @returns the parsed reply body; `null` for an empty body
 * @throws HandlerError `ABORTED` (retryable) when `signal` aborted the call;
 *   `HTTP_TIMEOUT` (retryable) after `timeoutMs`; `HTTP_NETWORK` (retryable) when
 *   no answer came (refused, reset, DNS); `HTTP_<status>` for a non-2xx answer,
 *   retryable per {@link isRetryableStatus}; `HTTP_BAD_JSON` (not retryable) for a
 *   2xx answer that is not JSON
 */
export async function postJson(req: PostJsonRequest): Promise<unknown> {
  const signal = AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]);
  const failed = (error: unknown, during: string): HandlerError => {
    if (req.signal.aborted) return new HandlerError('ABORTED', `POST ${req.url} aborted: the runtime is stopping`, true);
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError' || signal.aborted) {
      return new HandlerError('HTTP_TIMEOUT', `POST ${req.url} timed out after ${req.timeoutMs} ms`, true);
    }
    return new HandlerError('HTTP_NETWORK', `POST ${req.url} failed ${during}: ${(error as Error)?.message}`, true);
  };
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(req.headers ?? {}) },
      body: JSON.stringify(req.body ?? {}),
      signal,
    });
  } catch (error) {
    throw failed(error, 'before an answer');
  }
  try {
    text = await res.text();
  } catch (error) {
    throw failed(error, 'while reading the answer');
  }
  if (!res.ok) {
    throw new HandlerError(`HTTP_${res.status}`, `POST ${req.url} answered ${res.status}: ${text.slice(0, 200)}`, isRetryableStatus(res.status));
  }
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new HandlerError('HTTP_BAD_JSON', `POST ${req.url} answered ${res.status} with non-JSON: ${text.slice(0, 100)}`, false);
  }
}
