import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/**
 * Memory (seed 002 component 3 "Memory System": store results, learn patterns,
 * manage context; "Memory Types": short-term, long-term, context, pattern library).
 * Subjects, requests and replies of everything memory answers besides
 * `apiary.memory.service-stats` / `runner-stats` (service-stats.ts).
 */

/** Task type as the brain accepts it (`TaskInput.type`): 1..128 of `[A-Za-z0-9_.:-]`. */
export const MEMORY_TASK_TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Context id: 1..128 characters, `[A-Za-z0-9._:-]`, starting with a letter or digit (e.g. `campaign_2024`). */
export const CONTEXT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Largest context `data`, bytes of its JSON (after a PATCH merge too): 256 KiB. */
export const MAX_CONTEXT_DATA_BYTES = 262_144;
/** Longest context time to live, seconds (one year). */
export const MAX_CONTEXT_TTL_S = 31_536_000;
/** Longest window of any memory query, seconds (30 days: what long-term memory keeps). */
export const MAX_MEMORY_WINDOW_S = 2_592_000;

// ---------------------------------------------------------------------------
// Task parameters (what "which parameters succeed" learns from)

/** Most top-level keys a {@link TaskParams} digest keeps. */
export const MAX_TASK_PARAMS = 16;
/** Longest key, and longest string value kept verbatim, in a {@link TaskParams} digest. */
export const MAX_TASK_PARAM_LENGTH = 64;

/**
 * Digest of a task's input data carried by its completion event: top-level key →
 * value when the value is a boolean, a finite number, `null` or a string of at most
 * {@link MAX_TASK_PARAM_LENGTH} characters; otherwise a marker of its kind
 * (`<object>`, `<array>`, `<long-string>`), so only the key's presence is learned.
 */
export type TaskParams = Record<string, string | number | boolean | null>;

/** Markers standing for values a {@link TaskParams} digest does not keep verbatim. */
export const TASK_PARAM_MARKERS = ['<object>', '<array>', '<long-string>'] as const;

/**
 * Builds the {@link TaskParams} digest of task data (bot-runtime puts it on the
 * completion event; memory applies it again to whatever arrives, so a digest is
 * bounded whoever built it). Keys longer than {@link MAX_TASK_PARAM_LENGTH} are
 * skipped; at most {@link MAX_TASK_PARAMS} keys are kept, in the data's order.
 * @param data the task's `data` (anything; only a plain object has parameters)
 * @returns the digest, or undefined when `data` is not an object or has no usable key
 */
export function taskParamsDigest(data: unknown): TaskParams | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const out: TaskParams = {};
  let n = 0;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (n >= MAX_TASK_PARAMS) break;
    if (key.length === 0 || key.length > MAX_TASK_PARAM_LENGTH) continue;
    out[key] = paramValue(value);
    n += 1;
  }
  return n > 0 ? out : undefined;
}

function paramValue(value: unknown): string | number | boolean | null {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : '<long-string>';
  if (typeof value === 'string') return value.length <= MAX_TASK_PARAM_LENGTH ? value : '<long-string>';
  if (Array.isArray(value)) return '<array>';
  return '<object>';
}

// ---------------------------------------------------------------------------
// Success patterns

/** Subject: success patterns of a task type. {@link PatternsRequest} → {@link TaskPatterns}. */
export const MEMORY_PATTERNS = 'apiary.memory.patterns';

/** Request of {@link MEMORY_PATTERNS} (`GET /memory/patterns/{task_type}?window_s=`). */
export class PatternsRequest {
  /** Task type. */
  @IsDefined() @IsString() @Matches(MEMORY_TASK_TYPE_PATTERN, { message: 'task_type must match [A-Za-z0-9_.:-]{1,128}' })
  task_type!: string;
  /** Window, seconds back from now (default 604,800 = 7 days, so every hour of the day is seen; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
}

/** A frequent error: code and normalised message (digits as `#`, ids as `<id>`), with its count. */
export interface ErrorPattern {
  code: string;
  /** Normalised message ('' for a routed call, which carries a code only). */
  message: string;
  count: number;
}

/** How one service did on the task type over the window (one sample per routed call). */
export interface ServicePattern {
  service: string;
  count: number;
  successes: number;
  failures: number;
  /** successes / count. */
  success_rate: number;
  mean_latency_ms: number;
  /** Latency quantiles, ms (HDR histogram, 2 significant digits). */
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/**
 * A parameter feature and how results having it did: `present` = the key is in
 * the task data; `equals` = the key has this (scalar) value.
 */
export interface ParameterPattern {
  key: string;
  match: 'present' | 'equals';
  /** The value for `equals`; null for `present`. */
  value: string | number | boolean | null;
  /** Sampled results with the feature. */
  results: number;
  successes: number;
  success_rate: number;
  /** success_rate − the sample's success rate (positive: the feature goes with success). */
  lift: number;
}

/** Parameter patterns, learned from a bounded sample of recent results. */
export interface ParameterPatterns {
  /** Results examined: the newest results of the type in the window, at most 2,000. */
  sampled: number;
  /** Of those, results whose completion carried a parameter digest. */
  with_params: number;
  /** Success rate of the results with a digest (null when none). */
  success_rate: number | null;
  /** Features seen in at least 5 results with lift > 0, highest lift first (at most 10). */
  succeeding: ParameterPattern[];
  /** Features seen in at least 5 results with lift < 0, lowest lift first (at most 10). */
  failing: ParameterPattern[];
}

/** Results of the type that finished in one hour of the day (UTC), summed over the window. */
export interface HourPattern {
  /** 0..23, UTC. */
  hour: number;
  count: number;
  successes: number;
  success_rate: number;
}

/** Reply of {@link MEMORY_PATTERNS}: what succeeds for a task type (seed 002 `get_success_patterns`). */
export interface TaskPatterns {
  task_type: string;
  window_s: number;
  /** Results of the type in the window (one per stored result, whatever the number of calls). */
  count: number;
  successes: number;
  failures: number;
  /** successes / count (null without results). */
  success_rate: number | null;
  mean_latency_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  /** Which services succeed: highest success rate first, then most calls. */
  services: ServicePattern[];
  /** Which parameters succeed. */
  parameters: ParameterPatterns;
  /** Which times of day succeed: hours with results, 0..23 UTC. */
  hours: HourPattern[];
  /** Most frequent errors of the type's results, most frequent first (at most 10). */
  error_patterns: ErrorPattern[];
}

// ---------------------------------------------------------------------------
// Contexts

/** Subject: create or replace a context. {@link PutContextRequest} → {@link ContextView}. */
export const MEMORY_CONTEXT_PUT = 'apiary.memory.contexts.put';
/** Subject: one context (bot-runtime hands it to handlers). {@link ContextIdRequest} → {@link ContextView}; `CONTEXT_NOT_FOUND`. */
export const MEMORY_CONTEXT_GET = 'apiary.memory.contexts.get';
/** Subject: merge into a context. {@link PatchContextRequest} → {@link ContextView}; `CONTEXT_NOT_FOUND`. */
export const MEMORY_CONTEXT_PATCH = 'apiary.memory.contexts.patch';
/** Subject: delete a context. {@link ContextIdRequest} → {@link ContextDeleted}; `CONTEXT_NOT_FOUND`. */
export const MEMORY_CONTEXT_DELETE = 'apiary.memory.contexts.delete';

/** `{ context_id }` of {@link MEMORY_CONTEXT_GET} and {@link MEMORY_CONTEXT_DELETE}. */
export class ContextIdRequest {
  /** Context id ({@link CONTEXT_ID_PATTERN}). */
  @IsDefined() @IsString() @Matches(CONTEXT_ID_PATTERN, { message: 'context_id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  context_id!: string;
}

/**
 * `POST /memory/contexts` body (seed 002 `create_context`). POSTing an existing id
 * replaces that context (new data, creation time and expiry): there is no conflict.
 */
export class PutContextRequest extends ContextIdRequest {
  /** JSON object, at most 256 KiB of JSON. */
  @IsDefined() @IsObject()
  data!: Record<string, unknown>;
  /** Time to live, seconds (1..31,536,000; default `APIARY_MEMORY_CONTEXT_TTL_S`, 7 days). */
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000)
  ttl_s?: number;
}

/**
 * `PATCH /memory/contexts/{id}`: shallow merge. Each top-level key of `data`
 * replaces (or adds) that key of the context (a `null` value is stored as null;
 * nested objects are replaced whole). The expiry is unchanged unless `ttl_s` is
 * given, which sets it to now + `ttl_s`.
 */
export class PatchContextRequest extends ContextIdRequest {
  /** Keys to set (JSON object; the merged data must stay within 256 KiB). */
  @IsOptional() @IsObject()
  data?: Record<string, unknown>;
  /** New time to live from now, seconds (1..31,536,000). */
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000)
  ttl_s?: number;
}

/** A context (seed 002 "Context: active execution contexts"). Times ISO-8601. */
export interface ContextView {
  context_id: string;
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  /** After this instant the context no longer exists (`CONTEXT_NOT_FOUND`). */
  expires_at: string;
}

/** Reply of {@link MEMORY_CONTEXT_DELETE}. */
export interface ContextDeleted {
  context_id: string;
  deleted: true;
}

// ---------------------------------------------------------------------------
// Stored results: relevant memories and short-term memory

/** Subject: most relevant past results of a task type. {@link RelevantRequest} → {@link RelevantReply}. */
export const MEMORY_RELEVANT = 'apiary.memory.relevant';
/** Subject: short-term memory, the last N results. {@link ShortTermRequest} → {@link ShortTermReply}. */
export const MEMORY_SHORT_TERM = 'apiary.memory.short-term';

/** Largest result body a memory listing carries, bytes of JSON; bigger ones come as null with `result_truncated`. */
export const MAX_LISTED_RESULT_BYTES = 16_384;
/** Candidates {@link MEMORY_RELEVANT} ranks: the newest results of the type in the window. */
export const RELEVANT_CANDIDATES = 1000;

/**
 * Request of {@link MEMORY_RELEVANT} (seed 002 `get_relevant_memories`). Ranking:
 * among the {@link RELEVANT_CANDIDATES} newest results of the type that finished
 * within the window, results of `context_id` first (when given), then
 * successful before failed, then newest first.
 */
export class RelevantRequest {
  /** Task type. */
  @IsDefined() @IsString() @Matches(MEMORY_TASK_TYPE_PATTERN, { message: 'task_type must match [A-Za-z0-9_.:-]{1,128}' })
  task_type!: string;
  /** Results returned (default 10; 1..100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;
  /** Window, seconds back from now (default 86,400; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
  /** Rank results of this context first. */
  @IsOptional() @IsString() @Matches(CONTEXT_ID_PATTERN, { message: 'context_id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  context_id?: string;
}

/** Request of {@link MEMORY_SHORT_TERM}. */
export class ShortTermRequest {
  /** Results returned, newest first (default and maximum: the short-term capacity). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  limit?: number;
}

/** One stored result (one attempt of a task) as memory lists it. Times ISO-8601. */
export interface MemoryResult {
  task_id: string;
  attempt: number;
  type: string;
  /** Handler that ran it. */
  handler: string;
  /** Routed service whose reply (or last failure) is the outcome; null for built-in handlers. */
  service: string | null;
  bot_id: string | null;
  swarm_id: string | null;
  context_id: string | null;
  success: boolean;
  error_code: string | null;
  error_message: string | null;
  /** Handler wall time, ms. */
  latency_ms: number;
  /** The result, or null when its JSON exceeds 16 KiB (`result_truncated`). */
  result: unknown;
  result_truncated: boolean;
  runner: string;
  finished_at: string;
}

/** Reply of {@link MEMORY_RELEVANT}. */
export interface RelevantReply {
  task_type: string;
  window_s: number;
  results: MemoryResult[];
}

/** Reply of {@link MEMORY_SHORT_TERM}. */
export interface ShortTermReply {
  /** N: how many results short-term memory holds (`APIARY_MEMORY_SHORT_TERM`). */
  capacity: number;
  /** The last results by finish time, newest first. */
  results: MemoryResult[];
}

// ---------------------------------------------------------------------------
// Summary

/** Subject: memory summary (seed 002 `get_memory_summary`). `{}` → {@link MemorySummary}. */
export const MEMORY_SUMMARY = 'apiary.memory.summary';

/** Reply of {@link MEMORY_SUMMARY}. */
export interface MemorySummary {
  /** Results in short-term memory: min(N, results stored). */
  short_term_count: number;
  /** Task types with at least one result in long-term memory (the last 30 days). */
  long_term_types: number;
  /**
   * (task type, service) pairs with at least `APIARY_MEMORY_PATTERN_MIN_RESULTS`
   * (default 10) results in long-term memory (the last 30 days): pairs whose
   * success rate and latency are learned well enough to be a pattern.
   */
  patterns_learned: number;
  /** Contexts that have not expired. */
  contexts: number;
}
