import { setTimeout as delay } from 'node:timers/promises';
import type { RetryStrategy } from '@apiary/contracts';
import { HandlerError } from '../handlers/task-handler';

/**
 * Delay before a retry of a failed routed call (seed 002 "Retry Strategies"):
 * - `exponential`: `base_delay_ms × 2^retry` → 1 s, 2 s, 4 s, 8 s… with base 1,000;
 * - `linear`: `base_delay_ms × (retry + 1)` → 5 s, 10 s, 15 s… with base 5,000;
 * - `none`: 0.
 * No jitter and no cap: the seed's schedule exactly (the router bounds
 * `max_retries` ≤ 10 and `base_delay_ms` ≤ 60,000).
 * @param strategy backoff kind and first delay (ms)
 * @param retry 0-based retry number (0 = the wait before the first retry)
 * @returns the delay, ms
 * @throws RangeError for a negative or non-integer `retry`, or an unknown backoff kind
 */
export function retryDelayMs(strategy: Pick<RetryStrategy, 'backoff' | 'base_delay_ms'>, retry: number): number {
  if (!Number.isInteger(retry) || retry < 0) throw new RangeError(`retry must be an integer >= 0 (got ${retry})`);
  switch (strategy.backoff) {
    case 'exponential':
      return strategy.base_delay_ms * 2 ** retry;
    case 'linear':
      return strategy.base_delay_ms * (retry + 1);
    case 'none':
      return 0;
    default:
      throw new RangeError(`unknown backoff "${String((strategy as { backoff: unknown }).backoff)}"`);
  }
}

/**
 * Every wait of a strategy, in order: `max_retries` delays, one before each retry.
 * @param strategy backoff kind, first delay (ms) and retries per service
 * @returns delays, ms
 */
export function retrySchedule(strategy: Pick<RetryStrategy, 'backoff' | 'base_delay_ms' | 'max_retries'>): number[] {
  return Array.from({ length: Math.max(0, strategy.max_retries) }, (_, k) => retryDelayMs(strategy, k));
}

/** Waits `ms`; rejects when `signal` aborts first. Injected into {@link RoutedCaller} (tests pass a recorder). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * Real {@link Sleep} on Node timers.
 * @throws HandlerError `ABORTED` (retryable) when `signal` aborts (runtime shutdown)
 */
export const abortableSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new HandlerError('ABORTED', `runtime stopped during a ${ms} ms retry wait`, true);
  }
};
