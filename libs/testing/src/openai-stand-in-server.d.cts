/**
 * Types of openai-stand-in-server.cjs: an OpenAI-compatible stand-in server, a
 * real HTTP server on loopback speaking the OpenAI Chat Completions wire format
 * (https://platform.openai.com/docs/api-reference/chat) so the official `openai`
 * client works against it unchanged, with its own provider-style rate limits.
 * TypeScript specs import it from `@apiary/testing`; the ESM benches from
 * `bench/lib/openai-stand-in.mjs`.
 */

/** A latency: fixed ms, or drawn uniformly in `[min, max]` ms from the random source. */
export type LatencySpec = number | { min: number; max: number };

/** A forced 429 (every chat call answered 429 while set, nothing admitted). */
export interface Force429 {
  /** `retry-after` in seconds (and `retry-after-ms` × 1000, per `retryAfterHeaders`); default 1. */
  retryAfterS?: number;
  /** Error message (default "Rate limit reached for <model>. ..."). */
  message?: string;
  /** Extra response headers (e.g. `x-ratelimit-reset-requests`). */
  headers?: Record<string, string>;
}

/** Knobs of one model, overriding the shared ones. */
export interface ModelBehaviour {
  latencyMs?: LatencySpec;
  failRate?: number;
  force429?: Force429 | null;
}

/** How the stand-in answers chat calls; every field may be changed while it runs. */
export interface StandInBehaviour {
  /** Time between admission and answer (default 0). Not applied to 4xx answers. */
  latencyMs: LatencySpec;
  /** Probability (0..1) that an admitted call is answered 500 `server_error` after its latency (default 0). */
  failRate: number;
  /** When set, every chat call is answered 429 with this `retry-after` (default null). */
  force429: Force429 | null;
  /**
   * Which wait headers a 429 carries: `retry-after` (integer seconds ≥ 1),
   * `retry-after-ms`, both (default) or none (then only `x-ratelimit-reset-*`).
   */
  retryAfterHeaders: 'both' | 'seconds' | 'ms' | 'none';
  /** Per-model overrides of `latencyMs`, `failRate`, `force429`. */
  perModel: Record<string, ModelBehaviour>;
}

/**
 * Limits of the stand-in itself, quantised per second like a provider: a token
 * bucket of capacity max(1, rpm/60) requests refilled continuously at rpm/60 a
 * second, and one of max(1, tpm/60) tokens refilled at tpm/60 a second, where a
 * call costs prompt tokens + (max_tokens ?? defaultMaxTokens) × n at admission. A
 * call larger than the bucket is admitted when the bucket is full and leaves it in
 * debt; a call larger than tpm is always refused ("Request too large", 429).
 */
export interface StandInLimits {
  /** Requests per minute (unset or 0: unlimited). */
  rpm?: number;
  /** Tokens per minute (unset or 0: unlimited). */
  tpm?: number;
}

/** Options of {@link startOpenAiStandIn}. */
export interface OpenAiStandInOptions {
  /** Models served (default {@link DEFAULT_MODELS}); any other model is 404 `model_not_found`. */
  models?: string[];
  /** When set, `Authorization: Bearer <apiKey>` is required (401 otherwise). */
  apiKey?: string;
  /** Limits shared by every model (default none). */
  limits?: StandInLimits;
  /** Models with limits of their own instead of the shared ones (like OpenAI's per-model limits). */
  modelLimits?: Record<string, StandInLimits>;
  /** Initial behaviour (defaults: no latency, no failures, no forced 429, both wait headers). */
  behaviour?: Partial<StandInBehaviour>;
  /** Random source for `failRate` and latency ranges (default Math.random; see {@link seededRandom}). */
  random?: () => number;
  /** Clock, ms since the epoch (default Date.now): records and the rate limiter. */
  now?: () => number;
  /** Completion tokens allowed (and reserved) when a call names no `max_tokens` (default 1,024). */
  defaultMaxTokens?: number;
  /** Reply text of a call (default {@link defaultReply}). */
  reply?: (body: ChatBody) => string;
  /** Keep each call's parsed body in its record (default true). */
  keepBodies?: boolean;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: chosen by the OS). */
  port?: number;
}

/** The parts of a Chat Completions request body the stand-in reads (validated before use). */
export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content?: unknown; [key: string]: unknown }>;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  temperature?: number | null;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; [key: string]: unknown } | null;
  stream?: boolean | null;
  [key: string]: unknown;
}

/** One request the stand-in received. Times are ms since the epoch (its clock). */
export interface StandInRecord {
  /** 1, 2, ... in arrival order (also in `x-request-id: req_standin_<seq>`). */
  seq: number;
  /** `chat`: `POST /v1/chat/completions`; `other`: anything else (model listings, unknown URLs). */
  kind: 'chat' | 'other';
  method: string;
  path: string;
  receivedAt: number;
  /** When the rate limiter admitted it (null: refused before, or not a chat call). */
  admittedAt: number | null;
  /** When the answer was written (or found impossible). */
  answeredAt: number | null;
  /** Requested model (when the body named one). */
  model: string | null;
  /** An `Authorization` header was sent. */
  authPresent: boolean;
  /** The key matched (always true when no key is configured). */
  authOk: boolean;
  /** Status answered; null while pending or when the client went away first. */
  status: number | null;
  /** `error.type` / `error.code` of an error answer. */
  errorType: string | null;
  errorCode: string | null;
  /** Prompt tokens counted (chat calls that got past validation). */
  promptTokens: number | null;
  /** Completion tokens answered (2xx only). */
  completionTokens: number | null;
  /** Tokens the TPM bucket was charged at admission (prompt + max_tokens × n). */
  reservedTokens: number | null;
  /** `max_completion_tokens ?? max_tokens` asked for. */
  maxTokens: number | null;
  /** The client closed the connection before the answer. */
  aborted: boolean;
  /** The parsed body (unless `keepBodies: false`). */
  body: unknown;
}

/** Counts over the chat calls received since start (or {@link OpenAiStandIn.reset}). */
export interface StandInCounts {
  /** `POST /v1/chat/completions` received. */
  calls: number;
  /** Answered 2xx. */
  successes: number;
  /** Answered 429. */
  rateLimited: number;
  /** Answered 5xx. */
  serverErrors: number;
  /** Answered 4xx other than 429 (401, 400, 404, 413). */
  clientErrors: number;
  /** Client went away before the answer. */
  aborted: number;
  /** `GET /v1/models` and `GET /v1/models/{id}` answered. */
  modelLists: number;
}

/** One second of {@link OpenAiStandIn.perSecond}, counted from the first chat call received. */
export interface StandInSecond {
  /** 0 for the first chat call's second, 1 for the next, ... */
  second: number;
  /** Calls answered 2xx, by admission time. */
  admitted: number;
  /** 429s, by arrival time. */
  rateLimited: number;
  /** 5xx, by arrival time. */
  serverErrors: number;
  /** Other answers (4xx, aborted), by arrival time. */
  other: number;
}

/**
 * A running stand-in. Routes: `POST /v1/chat/completions` (non-streaming;
 * `stream: true` is 400), `GET /v1/models`, `GET /v1/models/{id}`; anything else is
 * 404 in OpenAI's error shape `{ error: { message, type, param, code } }`.
 * Checks in order: API key (401), JSON (400), body (400 naming `param`), model (404
 * `model_not_found`), forced 429, rate limits (429 `rate_limit_exceeded`, `type`
 * `requests` or `tokens`, with `retry-after` / `retry-after-ms` and
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`), then latency, then
 * `failRate` (500) or the completion. `models`, `apiKey`, `limits`, `behaviour`,
 * `defaultMaxTokens` and `reply` may be changed while it runs.
 */
export interface OpenAiStandIn {
  /** `http://127.0.0.1:<port>/v1`: the `baseURL` of an `openai` client. */
  baseURL: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  models: string[];
  apiKey: string | undefined;
  limits: StandInLimits;
  behaviour: StandInBehaviour;
  defaultMaxTokens: number;
  reply: (body: ChatBody) => string;
  /** Every request received, in arrival order. */
  readonly requests: StandInRecord[];
  readonly counts: StandInCounts;
  /** Chat calls admitted and not yet answered. */
  readonly inFlight: number;
  /** Most chat calls in flight at once since start (or reset). */
  readonly maxInFlight: number;
  /** Chat calls answered 2xx. */
  admitted(): StandInRecord[];
  /**
   * Most chat calls answered 2xx whose admission times fall within any window of
   * `windowMs` (half-open `[t, t + windowMs)`).
   * @throws RangeError unless windowMs > 0
   */
  maxInAnyWindow(windowMs: number): number;
  /** Per-second histogram from the first chat call received. */
  perSecond(): StandInSecond[];
  /** Forgets records and counts and refills the rate limits (behaviour and limits stay). */
  reset(): void;
  /** Destroys open sockets, drops pending answers and stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a stand-in.
 * @throws Error when the address cannot be bound
 */
export declare function startOpenAiStandIn(options?: OpenAiStandInOptions): Promise<OpenAiStandIn>;

/** mulberry32: a deterministic random source in [0, 1) from a 32-bit seed. */
export declare function seededRandom(seed: number): () => number;

/** A duration as OpenAI's `x-ratelimit-reset-*` headers write it: `20ms`, `1s`, `7.66s`, `6m0s`. */
export declare function formatResetDuration(ms: number): string;

/** Prompt tokens as the stand-in counts them: ceil(characters of all messages' content / 4) + 3 per message. */
export declare function promptTokensOf(messages: Array<{ content?: unknown }>): number;

/**
 * The default reply: `Summary (<n> words): <first 12 words>[ ...]` of the last user
 * message, or `{"summary": ..., "word_count": n}` for `json_object` / `json_schema`.
 */
export declare function defaultReply(body: ChatBody): string;

/** Models served when none are configured: `phi3.5`, `gemma2`, `llama3.2`, `deepseek-coder`. */
export declare const DEFAULT_MODELS: readonly string[];

/** Completion tokens allowed when a call names no `max_tokens` (1,024). */
export declare const DEFAULT_MAX_TOKENS: number;
