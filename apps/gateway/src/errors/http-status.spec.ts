import { ERROR_CODES, ErrorCode } from '@apiary/contracts';
import { httpStatusOf } from './http-status';

describe('httpStatusOf', () => {
  const expected: Record<ErrorCode, number> = {
    VALIDATION_FAILED: 400,
    INVALID_JSON: 400,
    INVALID_CSV: 422,
    DATASET_NOT_FOUND: 404,
    DATASET_EXISTS: 409,
    BUDGET_EXCEEDED: 409,
    UNKNOWN_MODEL: 422,
    PAYLOAD_TOO_LARGE: 413,
    UNAUTHORIZED: 401,
    NOT_FOUND: 404,
    TASK_NOT_FOUND: 404,
    UNKNOWN_TASK_TYPE: 422,
    INVALID_TASK_DATA: 422,
    BATCH_TOO_LARGE: 413,
    IDEMPOTENCY_CONFLICT: 409,
    BOT_NOT_FOUND: 404,
    SWARM_NOT_FOUND: 404,
    BATCH_NOT_FOUND: 404,
    BOT_CAPACITY_EXCEEDED: 409,
    BOT_RETIRED: 409,
    TASK_NOT_LEASED: 409,
    TASK_NOT_RETRYABLE: 409,
    CAPABILITY_MISMATCH: 422,
    SERVICE_NOT_FOUND: 404,
    MODULE_NOT_FOUND: 404,
    MODULE_HAS_DEPENDENTS: 409,
    MODULE_DEPENDENCY_DISABLED: 409,
    MODULE_DISABLED: 409,
    NO_CAPABLE_SERVICE: 422,
    NO_HEALTHY_SERVICE: 503,
    CONTEXT_NOT_FOUND: 404,
    SUGGESTION_NOT_FOUND: 404,
    SUGGESTION_INVALID_TRANSITION: 409,
    WORKFLOW_NOT_FOUND: 404,
    INVALID_WORKFLOW: 422,
    SCHEDULE_NOT_FOUND: 404,
    SCHEDULE_EXISTS: 409,
    INVALID_SCHEDULE: 422,
    SERVICE_UNAVAILABLE: 503,
    UPSTREAM_TIMEOUT: 504,
    INTERNAL: 500,
  };

  it.each(Object.entries(expected))('maps %s to %i', (code, status) => {
    expect(httpStatusOf(code as ErrorCode)).toBe(status);
  });

  it('has a status for every code in ERROR_CODES', () => {
    for (const code of ERROR_CODES) expect(expected[code]).toBe(httpStatusOf(code));
  });

  it('answers 500 for a code unknown at run time', () => {
    expect(httpStatusOf('SOMETHING_NEW' as ErrorCode)).toBe(500);
  });
});
