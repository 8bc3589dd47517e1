import { ErrorCode } from '@apiary/contracts';

/**
 * HTTP status of each Apiary error code (CONVENTIONS.md "Errors"). The `switch`
 * is exhaustive: adding a code to `ERROR_CODES` without a case here fails to
 * compile (the `never` assignment).
 *
 * `BATCH_TOO_LARGE` is 413: like `PAYLOAD_TOO_LARGE`, the request is refused for
 * its size, not for its content, and the client must split it.
 * @param code an Apiary error code
 * @returns the HTTP status code
 */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
    case 'TASK_NOT_FOUND':
    case 'BOT_NOT_FOUND':
    case 'SWARM_NOT_FOUND':
    case 'BATCH_NOT_FOUND':
    case 'SERVICE_NOT_FOUND':
    case 'MODULE_NOT_FOUND':
    case 'CONTEXT_NOT_FOUND':
    case 'SUGGESTION_NOT_FOUND':
    case 'WORKFLOW_NOT_FOUND':
    case 'SCHEDULE_NOT_FOUND':
    case 'DATASET_NOT_FOUND':
      return 404;
    case 'IDEMPOTENCY_CONFLICT':
    case 'BOT_CAPACITY_EXCEEDED':
    case 'BOT_RETIRED':
    case 'TASK_NOT_LEASED':
    case 'TASK_NOT_RETRYABLE':
    case 'MODULE_HAS_DEPENDENTS':
    case 'MODULE_DEPENDENCY_DISABLED':
    case 'MODULE_DISABLED':
    case 'SUGGESTION_INVALID_TRANSITION':
    case 'SCHEDULE_EXISTS':
    case 'DATASET_EXISTS':
    case 'BUDGET_EXCEEDED':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
    case 'BATCH_TOO_LARGE':
      return 413;
    case 'UNKNOWN_TASK_TYPE':
    case 'INVALID_TASK_DATA':
    case 'CAPABILITY_MISMATCH':
    case 'NO_CAPABLE_SERVICE':
    case 'INVALID_WORKFLOW':
    case 'INVALID_SCHEDULE':
    case 'INVALID_CSV':
    case 'UNKNOWN_MODEL':
      return 422;
    case 'INTERNAL':
      return 500;
    case 'SERVICE_UNAVAILABLE':
    case 'NO_HEALTHY_SERVICE':
      return 503;
    case 'UPSTREAM_TIMEOUT':
      return 504;
    default: {
      // Compile-time exhaustiveness check; at run time an unknown code is a 500.
      const unmapped: never = code;
      void unmapped;
      return 500;
    }
  }
}
