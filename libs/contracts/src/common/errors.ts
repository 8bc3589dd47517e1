/**
 * Machine-readable error codes shared by every Apiary service.
 *
 * A domain throws {@link ApiaryError} with one of these codes; each transport maps
 * it (the gateway to an HTTP status through an exhaustive `switch`, NATS replies
 * carry `{ code, message, details }`). Adding a code without mapping it is a
 * compile error in the gateway.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'TASK_NOT_FOUND',
  'UNKNOWN_TASK_TYPE',
  'INVALID_TASK_DATA',
  'BATCH_TOO_LARGE',
  'IDEMPOTENCY_CONFLICT',
  'BOT_NOT_FOUND',
  'BOT_RETIRED',
  'BOT_CAPACITY_EXCEEDED',
  'CAPABILITY_MISMATCH',
  'SWARM_NOT_FOUND',
  'BATCH_NOT_FOUND',
  'TASK_NOT_LEASED',
  'TASK_NOT_RETRYABLE',
  'SERVICE_NOT_FOUND',
  'MODULE_NOT_FOUND',
  'MODULE_HAS_DEPENDENTS',
  'MODULE_DEPENDENCY_DISABLED',
  'MODULE_DISABLED',
  'NO_CAPABLE_SERVICE',
  'NO_HEALTHY_SERVICE',
  'CONTEXT_NOT_FOUND',
  'SUGGESTION_NOT_FOUND',
  'SUGGESTION_INVALID_TRANSITION',
  'WORKFLOW_NOT_FOUND',
  'INVALID_WORKFLOW',
  'SCHEDULE_NOT_FOUND',
  'SCHEDULE_EXISTS',
  'INVALID_SCHEDULE',
  'INVALID_CSV',
  'DATASET_NOT_FOUND',
  'DATASET_EXISTS',
  'BUDGET_EXCEEDED',
  'UNKNOWN_MODEL',
  'SERVICE_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'INTERNAL',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Wire shape of an error, in NATS replies and (wrapped in `{ error }`) in HTTP bodies. */
export interface ErrorPayload {
  /** Machine-readable code, one of {@link ERROR_CODES}. */
  code: ErrorCode;
  /** Human-readable message naming the offending field or resource. */
  message: string;
  /** Optional structured details, e.g. `[{ field, constraints }]` for validation. */
  details?: unknown;
}

/**
 * Base class of every domain error in Apiary. Domains never throw HTTP exceptions;
 * they throw this with a stable {@link ErrorCode}.
 */
export class ApiaryError extends Error {
  /**
   * @param code stable machine-readable code
   * @param message human-readable message; name the field or id concerned
   * @param details optional structured details (serialised as JSON)
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiaryError';
  }

  /** @returns the wire form `{ code, message, details }`. */
  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * Type guard for an {@link ErrorPayload} received over the wire.
 * @param value anything decoded from JSON
 */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((value as ErrorPayload).code) &&
    typeof (value as ErrorPayload).message === 'string'
  );
}
