import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { NotWith } from '../common/exclusive';

/**
 * AI work on OpenAI-compatible providers (docs/ai-work.md "LLM providers"): the
 * `llm.chat` task type, model classes, prices and the limits of a provider.
 */

/** Task type of a chat completion on a registered OpenAI-compatible provider. */
export const LLM_CHAT_TASK_TYPE = 'llm.chat';

/** Wire protocols of a registered service: `process` (`POST {endpoint}/process`, the default) or `openai` (Chat Completions). */
export const SERVICE_PROTOCOLS = ['process', 'openai'] as const;
/** One of {@link SERVICE_PROTOCOLS}. */
export type ServiceProtocol = (typeof SERVICE_PROTOCOLS)[number];

/**
 * Model classes (docs/ai-work.md "Model classes"): `small` (fast, high-volume simple
 * tasks, e.g. phi3.5), `medium` (general purpose, e.g. gemma2), `large` (complex
 * reasoning, e.g. llama3.2), `code` (code generation, e.g. deepseek-coder).
 */
export const MODEL_CLASSES = ['small', 'medium', 'large', 'code'] as const;
/** One of {@link MODEL_CLASSES}. */
export type ModelClass = (typeof MODEL_CLASSES)[number];

/** Chat roles accepted in `llm.chat` messages. */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'developer'] as const;
/** One of {@link CHAT_ROLES}. */
export type ChatRole = (typeof CHAT_ROLES)[number];

/** Model name: 1..256 characters (Ollama `llama3.2:1b`, vLLM `meta-llama/Llama-3-8B`, OpenAI `gpt-4o-mini`). */
export const MODEL_NAME_MAX_LENGTH = 256;

/** One message of a chat (OpenAI Chat Completions `messages[]`). */
export class ChatMessage {
  @IsDefined() @IsIn(CHAT_ROLES)
  role!: ChatRole;
  /** Message text, up to 1 MiB of characters. */
  @IsDefined() @IsString() @MaxLength(1_048_576)
  content!: string;
}

/** `response_format` of a chat completion (OpenAI: `text`, `json_object`, `json_schema`). */
export class ChatResponseFormat {
  @IsDefined() @IsIn(['text', 'json_object', 'json_schema'])
  type!: 'text' | 'json_object' | 'json_schema';
  /** With `json_schema`: `{ name, schema, strict? }`, passed through to the provider. */
  @IsOptional() @IsObject()
  json_schema?: Record<string, unknown>;
}

/** Checks a `stop` value: a string, or an array of 1..4 strings (OpenAI's limit). */
function IsStopSequences(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStopSequences',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'stop must be a string or an array of 1..4 strings of at most 256 characters', ...options },
      validator: {
        validate(value: unknown): boolean {
          const ok = (s: unknown) => typeof s === 'string' && s.length > 0 && s.length <= 256;
          return value === undefined || ok(value) || (Array.isArray(value) && value.length >= 1 && value.length <= 4 && value.every(ok));
        },
      },
    });
}

/**
 * `llm.chat` data (docs/ai-work.md "llm.chat"): a chat (`messages`) or a single
 * user `prompt`, and the completion settings passed to the provider. A bad payload
 * is refused at submit with 422 `INVALID_TASK_DATA` naming the field.
 */
export class LlmChatTaskData {
  /** The conversation, 1..1,000 messages. Exactly one of `messages` and `prompt`. */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => ChatMessage)
  messages?: ChatMessage[];
  /** A single user message (up to 1 MiB of characters). */
  @ValidateIf((o: LlmChatTaskData) => o.prompt !== undefined || o.messages === undefined)
  @IsDefined({ message: 'give one of messages and prompt' })
  @NotWith(['messages'], { message: 'give messages or prompt, not both' })
  @IsString() @MinLength(1) @MaxLength(1_048_576)
  prompt?: string;
  /** Pins the model: only (service, model) pairs serving it are candidates. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(MODEL_NAME_MAX_LENGTH)
  model?: string;
  /** Asks for a class of model instead of a model; the learned strategy picks among that class. */
  @IsOptional() @NotWith(['model'], { message: 'give model or model_class, not both' }) @IsIn(MODEL_CLASSES)
  model_class?: ModelClass;
  /** Most tokens to generate (1..1,000,000); also what the TPM limit reserves up front. */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  max_tokens?: number;
  /** Sampling temperature, 0..2. */
  @IsOptional() @IsNumber() @Min(0) @Max(2)
  temperature?: number;
  @IsOptional() @ValidateNested() @Type(() => ChatResponseFormat)
  response_format?: ChatResponseFormat;
  /** Up to 4 stop sequences. */
  @IsStopSequences()
  @IsOptional()
  stop?: string | string[];
}

/** Token counts of one completion (OpenAI `usage`). */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Result of an `llm.chat` task (docs/ai-work.md "llm.chat"). */
export interface LlmChatResult {
  /** The first choice's message content. */
  text: string;
  /** Model that answered (the provider's `model` field). */
  model: string;
  /** `stop`, `length`, `content_filter`, ... */
  finish_reason: string | null;
  usage: TokenUsage;
  /** Price of this completion in USD from the service's `pricing` (0 when the model has no price). */
  cost_usd: number;
  /** Registered service that answered. */
  service: string;
  /** Class of the model, when the service declares one. */
  model_class?: ModelClass | null;
  /** True when served from the result cache (no provider call was made). */
  cached?: boolean;
}

/** Price of one model, USD per million tokens. */
export class ModelPricing {
  /** USD per 1,000,000 prompt tokens. */
  @IsDefined() @IsNumber() @Min(0) @Max(1_000_000)
  input_per_1m!: number;
  /** USD per 1,000,000 completion tokens. */
  @IsDefined() @IsNumber() @Min(0) @Max(1_000_000)
  output_per_1m!: number;
}

/** A model of a service with its class: the object form of a `models` entry. */
export class ModelSpec {
  @IsDefined() @IsString() @MinLength(1) @MaxLength(MODEL_NAME_MAX_LENGTH)
  name!: string;
  @IsOptional() @IsIn(MODEL_CLASSES)
  class?: ModelClass;
}

/**
 * Limits of a provider (docs/ai-work.md "Rate limits"), held across every
 * bot-runtime replica together, smoothly per second.
 */
export class ServiceLimits {
  /** Requests per minute; at most rpm/60 in any second. */
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000)
  rpm?: number;
  /** Tokens per minute (prompt + max_tokens reserved up front, corrected by `usage`). */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000)
  tpm?: number;
  /** Calls in flight at once across replicas. */
  @IsOptional() @IsInt() @Min(1) @Max(100_000)
  max_concurrency?: number;
}

/** Live use of a provider's limits (`GET /services/{name}` `usage`). */
export class ServiceUsage {
  /** Requests granted in the last 60 s. */
  rpm!: number;
  /** Tokens counted in the last 60 s (reservations corrected by `usage`). */
  tpm!: number;
  /** Calls holding a concurrency lease now. */
  in_flight!: number;
  /** Paused by the provider's 429 until then (ISO-8601), or null. */
  throttled_until!: string | null;
}

/**
 * Validates a `models` list: each entry is a model name or `{ name, class? }`;
 * 1..200 entries, names unique.
 */
export function IsModelList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isModelList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `models must be 1..200 unique model names (1..${MODEL_NAME_MAX_LENGTH} characters) or { name, class } with class one of ${MODEL_CLASSES.join(', ')}`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (value === undefined) return true;
          if (!Array.isArray(value) || value.length < 1 || value.length > 200) return false;
          const names = new Set<string>();
          for (const m of value) {
            const spec = typeof m === 'string' ? { name: m } : m;
            if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return false;
            const { name, class: cls, ...rest } = spec as Record<string, unknown>;
            if (Object.keys(rest).length > 0) return false;
            if (typeof name !== 'string' || name.length < 1 || name.length > MODEL_NAME_MAX_LENGTH) return false;
            if (cls !== undefined && !(MODEL_CLASSES as readonly unknown[]).includes(cls)) return false;
            if (names.has(name)) return false;
            names.add(name);
          }
          return true;
        },
      },
    });
}

/**
 * Validates `pricing`: an object of model name → {@link ModelPricing} (numbers
 * 0..1,000,000 USD per million tokens), at most 200 entries.
 */
export function IsPricingTable(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPricingTable',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'pricing must map model names to { input_per_1m, output_per_1m } (USD per million tokens, 0..1,000,000)', ...options },
      validator: {
        validate(value: unknown): boolean {
          if (value === undefined) return true;
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          if (entries.length > 200) return false;
          const price = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1_000_000;
          return entries.every(([model, p]) => {
            if (model.length < 1 || model.length > MODEL_NAME_MAX_LENGTH) return false;
            if (typeof p !== 'object' || p === null) return false;
            const { input_per_1m, output_per_1m, ...rest } = p as Record<string, unknown>;
            return Object.keys(rest).length === 0 && price(input_per_1m) && price(output_per_1m);
          });
        },
      },
    });
}

/** A model of a service, normalised (what the registry stores and shows). */
export class ServiceModel {
  name!: string;
  /** `small`, `medium`, `large`, `code`, or null when not declared. */
  class!: ModelClass | null;
}

/**
 * Normalises a `models` list (strings or `{ name, class }`) to {@link ServiceModel}s.
 * @param models the validated list (or undefined)
 */
export function normaliseModels(models: (string | ModelSpec)[] | undefined): ServiceModel[] {
  return (models ?? []).map((m) => (typeof m === 'string' ? { name: m, class: null } : { name: m.name, class: m.class ?? null }));
}

/**
 * Cost of a completion in USD.
 * @param usage token counts
 * @param price the model's price (USD per million tokens), or undefined (free)
 * @returns USD, rounded to 10 decimal places (a nano-dollar)
 */
export function completionCostUsd(usage: Pick<TokenUsage, 'prompt_tokens' | 'completion_tokens'>, price: ModelPricing | undefined): number {
  if (!price) return 0;
  const usd = (usage.prompt_tokens * price.input_per_1m + usage.completion_tokens * price.output_per_1m) / 1_000_000;
  return Math.round(usd * 1e10) / 1e10;
}
