/**
 * The one interface every bot handler implements (DESIGN.md "Handlers"): users add
 * a capability by writing a class like the built-ins and listing it in the registry.
 */
import type { PriorityLevel, ServiceCallRecord, TokenUsage } from '@apiary/contracts';

/** The routed-service calls of one attempt (docs/architecture.md "Routing to AI services"). */
export interface ServiceCalls {
  /** Service whose answer (or last failure) is the attempt's outcome; undefined when no call was made. */
  service?: string;
  /** Every call made, in order (retries and fallbacks included). */
  calls: ServiceCallRecord[];
  /** Model that produced the result (`openai` services). */
  model?: string;
  /** Tokens of the result. */
  usage?: TokenUsage;
  /** Price of the attempt's calls, USD. */
  cost_usd?: number;
}

/** What a handler gets besides its data. */
export interface HandlerContext {
  taskId: string;
  attempt: number;
  /**
   * The task's type (= capability). Equals the handler's own type for built-ins;
   * for a task routed to registered services (work `handler: 'http'`) it is the
   * capability, e.g. `email_campaign`.
   */
  taskType: string;
  /** The task's priority level (passed to the router for `learned` routing). */
  priority: PriorityLevel;
  /** Aborted when the runtime shuts down past its grace period or the task times out. */
  signal: AbortSignal;
  /** The memory context the task named (`context_id`), read when the attempt started; null when none. */
  context: { context_id: string; data: Record<string, unknown> } | null;
  /**
   * Records the routed-service calls of this attempt; the runner copies them into
   * the completion event (`service`, `calls`). Handlers that call no routed service
   * never call it. A later call replaces an earlier one.
   */
  recordServiceCalls(calls: ServiceCalls): void;
  /**
   * Runs a wait (for a provider's quota) without holding this replica's execution
   * slot, so other tasks run meanwhile; the slot is taken back before it resolves.
   * Absent in unit specs: the wait then simply runs.
   */
  yieldSlot?<T>(wait: Promise<T>): Promise<T>;
}

/** A task handler: runs one task's `data` and returns its JSON result. */
export interface TaskHandler {
  /** Task type (= capability) it serves, e.g. `text.sentiment`. */
  readonly type: string;
  /**
   * @param data the task's data (already validated at submit for built-ins)
   * @returns a JSON-serialisable result
   * @throws HandlerError with a code and whether a retry may help
   */
  run(data: Record<string, unknown>, ctx: HandlerContext): Promise<unknown>;
}

/** Options of {@link HandlerError}. */
export interface HandlerErrorOptions {
  /**
   * The attempt already spent every retry the task's policy allows (e.g. every
   * routed service was tried per its retry strategy): reported as
   * `TaskErrorInfo.exhausted`, so the brain moves the task straight to `dead`.
   */
  exhausted?: boolean;
  /**
   * The attempt did not run for want of quota (a provider's 429, or its limits):
   * the brain puts the task back in the queue for `retryAfterMs` without counting
   * the attempt (docs/ai-work.md "Rate limits").
   */
  deferred?: boolean;
  /** With `deferred`: ms to wait before the next attempt. */
  retryAfterMs?: number;
}

/** A failed attempt: `retryable` says whether another attempt may succeed. */
export class HandlerError extends Error {
  /** See {@link HandlerErrorOptions.exhausted}. */
  readonly exhausted: boolean;
  /** See {@link HandlerErrorOptions.deferred}. */
  readonly deferred: boolean;
  /** See {@link HandlerErrorOptions.retryAfterMs}. */
  readonly retryAfterMs?: number;

  /**
   * @param code machine-readable code, e.g. `HTTP_503`, `HTTP_TIMEOUT`, `BAD_INPUT`
   * @param message human-readable message
   * @param retryable whether a retry may succeed
   * @param options `exhausted`: the attempt used up the task's retries (default false)
   */
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options: HandlerErrorOptions = {},
  ) {
    super(message);
    this.name = 'HandlerError';
    this.exhausted = options.exhausted ?? false;
    this.deferred = options.deferred ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
