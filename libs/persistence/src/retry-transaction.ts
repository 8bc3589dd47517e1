import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';

/** PostgreSQL SQLSTATEs after which running the whole transaction again is safe. */
const RETRYABLE_SQLSTATES = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

/** @returns whether an error is a PostgreSQL deadlock or serialization failure */
export function isRetryableTransactionError(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  return RETRYABLE_SQLSTATES.has(e?.code ?? '') || RETRYABLE_SQLSTATES.has(e?.driverError?.code ?? '');
}

const policy = retry(handleWhen(isRetryableTransactionError), {
  maxAttempts: 4,
  backoff: new ExponentialBackoff({ initialDelay: 20, maxDelay: 500 }),
});

/**
 * Runs a whole transaction again (up to 4 more times, 20 ms → 500 ms backoff with
 * jitter, cockatiel) when PostgreSQL aborted it as a deadlock victim or for a
 * serialization failure; the aborted attempt changed nothing. Other errors pass.
 * @param run starts and runs the transaction
 */
export function retryTransaction<T>(run: () => Promise<T>): Promise<T> {
  return policy.execute(() => run());
}
