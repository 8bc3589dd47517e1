/**
 * OpenAI-compatible stand-in for specs: a real HTTP server on 127.0.0.1 speaking the
 * OpenAI Chat Completions wire format, so the product's `openai` client
 * (`new OpenAI({ baseURL, apiKey, maxRetries: 0 })`) works against it unchanged; it
 * has its own provider-style limits (RPM/TPM token buckets quantised per second,
 * 429 with `retry-after` and `x-ratelimit-*`), latency and failure knobs, and records
 * every request for assertions.
 *
 * The implementation is the plain CommonJS module `openai-stand-in-server.cjs`
 * (types in `openai-stand-in-server.d.cts`) so the ESM benches load the same code
 * (`bench/lib/openai-stand-in.mjs`); this module re-exports it with its types and
 * adds {@link standInClient}.
 */
import OpenAI, { type ClientOptions } from 'openai';
import type { OpenAiStandIn } from './openai-stand-in-server.cjs';

export {
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODELS,
  defaultReply,
  formatResetDuration,
  promptTokensOf,
  seededRandom,
  startOpenAiStandIn,
} from './openai-stand-in-server.cjs';
export type {
  ChatBody,
  Force429,
  LatencySpec,
  ModelBehaviour,
  OpenAiStandIn,
  OpenAiStandInOptions,
  StandInBehaviour,
  StandInCounts,
  StandInLimits,
  StandInRecord,
  StandInSecond,
} from './openai-stand-in-server.cjs';

/**
 * An `openai` client for a stand-in, configured as bot-runtime configures its own
 * (SDK retries off, so every 429 and 5xx reaches the caller).
 * @param standIn a running stand-in
 * @param apiKey key to send (default the stand-in's, or `no-key` when it has none)
 * @param options further client options (e.g. `timeout` in ms)
 */
export function standInClient(standIn: OpenAiStandIn, apiKey?: string, options: Omit<ClientOptions, 'baseURL' | 'apiKey'> = {}): OpenAI {
  return new OpenAI({ maxRetries: 0, ...options, baseURL: standIn.baseURL, apiKey: apiKey ?? standIn.apiKey ?? 'no-key' });
}
