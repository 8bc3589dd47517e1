import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { TokenUsage } from '@apiary/contracts';
import { isRetryableStatus } from '../handlers/post-json';
import { HandlerError } from '../handlers/task-handler';
import { ABORTED, THROTTLED } from '../routing/failure-kinds';

/** One chat completion to ask of a provider. */
export interface ChatRequest {
  /** API base URL of the provider (e.g. `http://127.0.0.1:11434/v1`). */
  baseUrl: string;
  /** API key, or undefined for providers that need none. */
  apiKey: string | undefined;
  /** Chat Completions body (`model`, `messages`, ...); never streamed. */
  body: ChatCompletionCreateParamsNonStreaming;
  /** Time allowed for the call, ms. */
  timeoutMs: number;
  /** Aborts the call (runtime shutdown, task cancelled). */
  signal: AbortSignal;
}

/** What a completed chat answered. */
export interface ChatAnswer {
  text: string;
  /** Model the provider says answered. */
  model: string;
  finish_reason: string | null;
  usage: TokenUsage;
}

/** A provider's 429, with how long it asked to wait. */
export class ProviderThrottledError extends HandlerError {
  /**
   * @param message what the provider said
   * @param retryAfterMs wait it asked for, ms
   * @param source which header said so
   */
  constructor(
    message: string,
    override readonly retryAfterMs: number,
    readonly source: 'retry-after' | 'retry-after-ms' | 'x-ratelimit-reset' | 'default',
  ) {
    super(THROTTLED, message, true, { retryAfterMs });
    this.name = 'ProviderThrottledError';
  }
}

/** A chat call (default {@link chatCompletion}); throws {@link HandlerError}s like it. */
export type ChatCall = (request: ChatRequest) => Promise<ChatAnswer>;

/** Wait assumed when a 429 names none, ms. */
export const DEFAULT_THROTTLE_MS = 1000;

const clients = new Map<string, OpenAI>();

/**
 * The official `openai` client for a provider, one per (base URL, key). The SDK's
 * own retries are off (`maxRetries: 0`): Apiary's retry, fallback and quota logic
 * decide, and a 429 must reach the limiter (docs/ai-work.md "Rate limits").
 */
function clientFor(baseUrl: string, apiKey: string | undefined): OpenAI {
  const key = `${baseUrl}\u0000${apiKey ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    // Providers without keys (Ollama, llama.cpp server) ignore the header.
    client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey ?? 'no-key', maxRetries: 0 });
    if (clients.size > 256) clients.clear();
    clients.set(key, client);
  }
  return client;
}

/**
 * Asks a provider for a chat completion through the official `openai` package
 * (OpenAI, Ollama, vLLM, llama.cpp server, LiteLLM: any OpenAI-compatible API).
 * @returns the first choice's text, the model, finish reason and token usage
 * @throws ProviderThrottledError (`HTTP_429`, retryable) with the wait from
 *   `retry-after-ms`, `retry-after` or `x-ratelimit-reset-*`;
 *   HandlerError `HTTP_<status>` (retryable for 5xx and 408, otherwise final),
 *   `HTTP_TIMEOUT` / `HTTP_NETWORK` (retryable), `ABORTED` (retryable) when `signal` aborted,
 *   `LLM_BAD_ANSWER` (retryable) for an answer without choices
 */
export async function chatCompletion(req: ChatRequest): Promise<ChatAnswer> {
  const client = clientFor(req.baseUrl, req.apiKey);
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  try {
    completion = await client.chat.completions.create({ ...req.body, stream: false }, { signal: req.signal, timeout: req.timeoutMs, maxRetries: 0 });
  } catch (err) {
    throw chatFailure(err, req);
  }
  const choice = completion.choices?.[0];
  if (!choice) throw new HandlerError('LLM_BAD_ANSWER', `${req.baseUrl} answered without choices`, true);
  const usage = completion.usage;
  const prompt = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  return {
    text: typeof choice.message?.content === 'string' ? choice.message.content : '',
    model: completion.model ?? req.body.model,
    finish_reason: choice.finish_reason ?? null,
    usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: usage?.total_tokens ?? prompt + completionTokens },
  };
}

function chatFailure(err: unknown, req: ChatRequest): HandlerError {
  if (req.signal.aborted || err instanceof APIUserAbortError) return new HandlerError(ABORTED, `chat call to ${req.baseUrl} aborted`, true);
  if (err instanceof APIConnectionTimeoutError) return new HandlerError('HTTP_TIMEOUT', `chat call to ${req.baseUrl} timed out after ${req.timeoutMs} ms`, true);
  if (err instanceof APIError) {
    const status = err.status;
    if (status === undefined) return new HandlerError('HTTP_NETWORK', `chat call to ${req.baseUrl} failed: ${err.message}`, true);
    if (status === 429) {
      const { ms, source } = retryAfterOf(err.headers);
      return new ProviderThrottledError(`${req.baseUrl} answered 429: ${err.message}`, ms, source);
    }
    return new HandlerError(`HTTP_${status}`, `${req.baseUrl} answered ${status}: ${err.message}`, isRetryableStatus(status));
  }
  return new HandlerError('HTTP_NETWORK', `chat call to ${req.baseUrl} failed: ${(err as Error)?.message ?? String(err)}`, true);
}

/**
 * The wait a 429 asks for: `retry-after-ms`, else `retry-after` (seconds or an
 * HTTP date, RFC 9110 §10.2.3), else the longest `x-ratelimit-reset-requests` /
 * `-tokens` whose `x-ratelimit-remaining-*` is 0 (or the longest of them), else
 * {@link DEFAULT_THROTTLE_MS}.
 * @param headers the response headers
 * @param nowMs clock for an HTTP-date `retry-after`
 * @returns ms (at least 1) and which header decided
 */
export function retryAfterOf(
  headers: Headers | undefined,
  nowMs = Date.now(),
): { ms: number; source: 'retry-after' | 'retry-after-ms' | 'x-ratelimit-reset' | 'default' } {
  // An empty header says nothing (Number('') would read as 0).
  const get = (name: string) => {
    const v = headers?.get(name);
    return v === undefined || v === null || v.trim() === '' ? null : v.trim();
  };
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return { ms: Math.max(1, Math.ceil(ms)), source: 'retry-after-ms' };
  const ra = get('retry-after');
  if (ra !== null) {
    const s = Number(ra);
    if (Number.isFinite(s) && s >= 0) return { ms: Math.max(1, Math.ceil(s * 1000)), source: 'retry-after' };
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return { ms: Math.max(1, at - nowMs), source: 'retry-after' };
  }
  const resets: { ms: number; exhausted: boolean }[] = [];
  for (const kind of ['requests', 'tokens']) {
    const reset = durationMs(get(`x-ratelimit-reset-${kind}`));
    if (reset !== undefined) resets.push({ ms: reset, exhausted: get(`x-ratelimit-remaining-${kind}`) === '0' });
  }
  const binding = resets.some((r) => r.exhausted) ? resets.filter((r) => r.exhausted) : resets;
  if (binding.length > 0) return { ms: Math.max(1, Math.ceil(Math.max(...binding.map((r) => r.ms)))), source: 'x-ratelimit-reset' };
  return { ms: DEFAULT_THROTTLE_MS, source: 'default' };
}

/**
 * Parses OpenAI's reset durations: `1s`, `20ms`, `6m0s`, `1h2m3.5s`, or plain seconds.
 * @returns ms, or undefined when unparsable
 */
export function durationMs(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3_600_000 : m[2] === 'm' ? v * 60_000 : m[2] === 's' ? v * 1000 : v;
    consumed += m[0].length;
  }
  return consumed === t.length && consumed > 0 ? total : undefined;
}
