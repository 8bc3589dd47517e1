import {
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { LLM_CHAT_TASK_TYPE, LlmChatTaskData } from '../ai/llm';
import { DATA_PROCESS_TASK_TYPE, DataProcessTaskData } from '../datasets/data-process';

/**
 * Built-in task handlers hosted by bot-runtime (DESIGN.md "Handlers"). Each entry
 * names the class that validates a task's `data` at submit, so a bad payload is
 * refused with 422 `INVALID_TASK_DATA` before anything is written.
 */

/** `text.sentiment` data: the text to score (AFINN sentiment). */
export class SentimentTaskData {
  /** Text to score; up to 1 MiB of characters. */
  @IsDefined()
  @IsString()
  @MaxLength(1_048_576)
  text!: string;
}

/** `http` data: POST `body` as JSON to `url`; the JSON reply is the result. */
export class HttpTaskData {
  /** Absolute http(s) URL. */
  @IsDefined()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url!: string;

  /** JSON body to send (default `{}`). */
  @IsOptional()
  body?: unknown;

  /** Extra request headers. */
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  /** Request timeout in ms (default 30,000; 1..300,000). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(300_000)
  timeout_ms?: number;
}

/** `sleep` data: wait `ms` milliseconds, then succeed (benchmarks, tests). */
export class SleepTaskData {
  /** Milliseconds to sleep, 0..600,000. */
  @IsDefined()
  @IsInt()
  @Min(0)
  @Max(600_000)
  ms!: number;
}

/** `noop` data: anything; the handler returns `{ ok: true }` at once. */
export class NoopTaskData {}

/** Built-in task type → class validating its `data`. */
export const BUILTIN_TASK_TYPES = {
  'text.sentiment': SentimentTaskData,
  http: HttpTaskData,
  noop: NoopTaskData,
  sleep: SleepTaskData,
  [LLM_CHAT_TASK_TYPE]: LlmChatTaskData,
  [DATA_PROCESS_TASK_TYPE]: DataProcessTaskData,
} as const;

/** Name of a built-in handler. */
export type BuiltinTaskType = keyof typeof BUILTIN_TASK_TYPES;

/**
 * Other names of built-in task types (docs/ai-work.md "Datasets": the names the
 * seed API uses for data processing). A task keeps the type it was submitted
 * with; it runs on the built-in's lane and handler, is validated by its data
 * class, and is merged by its reducer.
 */
export const TASK_TYPE_ALIASES: Readonly<Record<string, BuiltinTaskType>> = {
  data_processing: DATA_PROCESS_TASK_TYPE,
  distributed_analysis: DATA_PROCESS_TASK_TYPE,
  mass_data_processing: DATA_PROCESS_TASK_TYPE,
};

/**
 * @param type a task type
 * @returns whether a built-in bot-runtime handler serves it (under its own name, not an alias)
 */
export function isBuiltinTaskType(type: string): type is BuiltinTaskType {
  return Object.prototype.hasOwnProperty.call(BUILTIN_TASK_TYPES, type);
}

/**
 * @param type a task type
 * @returns the built-in it names (itself, or what the alias stands for), or undefined
 */
export function builtinOf(type: string): BuiltinTaskType | undefined {
  if (isBuiltinTaskType(type)) return type;
  return Object.prototype.hasOwnProperty.call(TASK_TYPE_ALIASES, type) ? TASK_TYPE_ALIASES[type] : undefined;
}

/** Result of `text.sentiment` (AFINN-165 via the `sentiment` package). */
export interface SentimentResult {
  /** Sum of word valences. */
  score: number;
  /** score / number of tokens. */
  comparative: number;
  /** Number of tokens scored. */
  tokens: number;
  positive: number;
  negative: number;
}
