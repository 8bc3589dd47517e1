/**
 * The one interface every bot handler implements (DESIGN.md "Handlers"): users add
 * a capability by writing a class like the built-ins and listing it in the registry.
 */

/** What a handler gets besides its data. */
export interface HandlerContext {
  taskId: string;
  attempt: number;
  /** Aborted when the runtime shuts down past its grace period or the task times out. */
  signal: AbortSignal;
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

/** A failed attempt: `retryable` says whether another attempt may succeed. */
export class HandlerError extends Error {
  /**
   * @param code machine-readable code, e.g. `HTTP_5XX`, `HTTP_TIMEOUT`, `BAD_INPUT`
   * @param message human-readable message
   * @param retryable whether a retry may succeed
   */
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HandlerError';
  }
}
