import { HandlerError } from '../handlers/task-handler';

/** Code of a call refused by an open circuit breaker (cockatiel `BrokenCircuitError`). */
export const BREAKER_OPEN = 'BREAKER_OPEN';
/** Code of a call or wait interrupted by the runtime's shutdown. */
export const ABORTED = 'ABORTED';
/** Code of a provider's 429 Too Many Requests. */
export const THROTTLED = 'HTTP_429';

/**
 * Whether a failed call means the task's input is bad: a non-retryable HTTP answer
 * (4xx other than 408 and 429). Another service would refuse it too, so the
 * routed path stops and the task fails without retry; it says nothing about the
 * service's health (it does not count against its breaker).
 * @param error failure of one call
 */
export function isInputRejection(error: HandlerError): boolean {
  return /^HTTP_\d{3}$/.test(error.code) && !error.retryable;
}

/**
 * Whether a failure counts against the service's circuit breaker: every
 * {@link HandlerError} of a call (5xx, 408, timeout, network, non-JSON 2xx)
 * except input rejections, a provider's 429 and shutdown aborts. Anything else thrown is a bug of
 * ours, not the service's.
 * @param error anything a call threw
 */
export function countsAgainstService(error: unknown): boolean {
  // A 429 is the provider's limit, not its health (docs/ai-work.md "Rate limits").
  return error instanceof HandlerError && error.code !== ABORTED && error.code !== THROTTLED && !isInputRejection(error);
}
