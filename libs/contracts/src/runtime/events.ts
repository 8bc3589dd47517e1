import { TaskErrorInfo } from '../common/task';
import type { TaskParams } from '../memory/memory';
import type { TokenUsage } from '../ai/llm';

/** JetStream stream of task lifecycle events from bot-runtime (limits retention). */
export const EVENTS_STREAM = 'APIARY_TASK_EVENTS';
/** Subjects of {@link EVENTS_STREAM}. */
export const EVENTS_SUBJECTS = 'apiary.events.task.>';
/** A runtime began an attempt. Payload {@link TaskStartedEvent}. */
export const TASK_STARTED = 'apiary.events.task.started';
/** A runtime is still running an attempt (extends the lease). Payload {@link TaskStartedEvent}. */
export const TASK_HEARTBEAT = 'apiary.events.task.heartbeat';
/**
 * Attempts finished, batched by the publisher (one JetStream message per batch of
 * up to ~100 completions: fewer messages, acks and decodes per task). Payload
 * {@link TaskCompletionsEvent}.
 */
export const TASK_COMPLETIONS = 'apiary.events.task.completions';
/** Durable consumer through which the brain applies events to task records. */
export const BRAIN_EVENTS_CONSUMER = 'brain-task-events';
/** Durable consumer through which memory records results (filter {@link TASK_COMPLETIONS}). */
export const MEMORY_RESULTS_CONSUMER = 'memory-completions';

/** Payload of {@link TASK_STARTED} and {@link TASK_HEARTBEAT}. */
export interface TaskStartedEvent {
  task_id: string;
  attempt: number;
  /** Runtime replica id (hostname:pid). */
  runner: string;
  /** ISO-8601. */
  at: string;
}

/** One finished attempt, an element of {@link TaskCompletionsEvent}. */
export interface TaskCompletedEvent {
  task_id: string;
  type: string;
  attempt: number;
  success: boolean;
  result: unknown;
  error: TaskErrorInfo | null;
  /** Handler that ran it (e.g. `text.sentiment`). */
  handler: string;
  runner: string;
  started_at: string;
  finished_at: string;
  /** Handler wall time in ms. */
  latency_ms: number;
  /** Routed service whose reply (or last failure) is the outcome; absent for built-in handlers. */
  service?: string;
  /** Every call made to a routed service during this attempt, in order (retries and fallbacks). */
  calls?: ServiceCallRecord[];
  /** W3C trace context of the attempt (a batch message has one header, events many traces). */
  traceparent?: string;
  /** Bot the task was assigned to (from `WorkMessage.bot_id`); stored with the result. */
  bot_id?: string;
  /** Swarm of that bot (from `WorkMessage.swarm_id`); stored with the result. */
  swarm_id?: string;
  /** Memory context the handler was given (from `WorkMessage.context_id`); stored with the result. */
  context_id?: string;
  /**
   * Digest of the task's input data, `taskParamsDigest(work.data)` (libs/contracts
   * memory/memory.ts): what memory's success patterns learn "which parameters
   * succeed" from. Bounded: at most 16 top-level keys, scalar values only.
   */
  params?: TaskParams;
  /** Model that produced the result (`llm.chat`). */
  model?: string;
  /** Tokens of the result (`llm.chat`). */
  usage?: TokenUsage;
  /** Price of the attempt's calls in USD (0 for a cached result). */
  cost_usd?: number;
  /** The result came from the result cache. */
  cached?: boolean;
  /** Id of the API key that submitted the task (cost grouping `api_key`). */
  api_key?: string;
}

/** One HTTP call of the `http` handler to a routed service (seed 002 "Complete Flow Example"). */
export interface ServiceCallRecord {
  service: string;
  success: boolean;
  /** Wall time of the call, ms. */
  latency_ms: number;
  /** Handler error code when it failed (`HTTP_503`, `HTTP_TIMEOUT`, `BREAKER_OPEN`, ...). */
  error_code?: string;
  /** The call went to a fallback service, not the primary. */
  fallback: boolean;
  /** Model called (`openai` services): the call is learned as `service/model`. */
  model?: string;
  /** The provider answered 429, or quota was not granted: not counted against the service. */
  throttled?: boolean;
  /** Price of the call, USD. */
  cost_usd?: number;
  /** Prompt + completion tokens of the call. */
  tokens?: number;
}

/** Payload of {@link TASK_COMPLETIONS}. */
export interface TaskCompletionsEvent {
  events: TaskCompletedEvent[];
}
