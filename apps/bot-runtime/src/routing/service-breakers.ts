import { CircuitBreakerPolicy, CircuitState, circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import type { BreakerState } from '@apiary/contracts';
import { countsAgainstService } from './failure-kinds';

/** Tunables of {@link ServiceBreakers} (env `APIARY_BREAKER_THRESHOLD`, `APIARY_BREAKER_HALF_OPEN_MS`). */
export interface ServiceBreakersConfig {
  /** Consecutive failed calls that open a service's breaker (default 5). */
  threshold: number;
  /** Time an open breaker rejects calls before it lets one test call through (half-open), ms (default 10,000). */
  halfOpenAfterMs: number;
}

/** Told of every state change of a breaker of this replica. */
export type BreakerListener = (service: string, state: BreakerState, at: Date) => void;

interface Entry {
  policy: CircuitBreakerPolicy;
  /** `now()` when it last opened. */
  openedAt: number;
}

/**
 * One cockatiel circuit breaker per routed service on this replica (issue 4
 * "Failure handling": a breaker per service opens after repeated failures and
 * half-opens later). `ConsecutiveBreaker(threshold)`: the breaker opens after
 * `threshold` consecutive failures that count against the service (see
 * {@link countsAgainstService}); while open, calls are rejected at once with
 * `BrokenCircuitError`; after `halfOpenAfterMs` the next call is let through as
 * a test: success closes the breaker, failure opens it again for another
 * `halfOpenAfterMs`. Each state change goes to the listener (reported to the
 * router on `apiary.router.outcomes`).
 */
export class ServiceBreakers {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param config threshold and half-open delay (ms)
   * @param onChange told of each state change (closed, open, half_open)
   * @param now clock, ms since the epoch; must agree with `Date.now`, which cockatiel uses for half-opening
   * @throws RangeError for a threshold < 1 or a negative delay
   */
  constructor(
    private readonly config: ServiceBreakersConfig,
    private readonly onChange: BreakerListener = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(config.threshold) || config.threshold < 1) throw new RangeError(`breaker threshold must be an integer >= 1 (got ${config.threshold})`);
    if (!(config.halfOpenAfterMs >= 0)) throw new RangeError(`breaker halfOpenAfterMs must be >= 0 (got ${config.halfOpenAfterMs})`);
  }

  /**
   * The breaker of a service, created closed on first use.
   * @param service service name
   */
  policy(service: string): CircuitBreakerPolicy {
    return this.entry(service).policy;
  }

  /**
   * State of a service's breaker (`closed` for a service never called).
   * @param service service name
   */
  state(service: string): BreakerState {
    const e = this.entries.get(service);
    return e ? toBreakerState(e.policy.state) : 'closed';
  }

  /**
   * Whether the service's breaker would reject a call right now: open, and its
   * half-open delay not yet over. (Cockatiel only leaves `open` on the next call
   * after the delay, so "open" alone would exclude a service forever.)
   * @param service service name
   */
  isRejecting(service: string): boolean {
    const e = this.entries.get(service);
    if (!e) return false;
    const state = e.policy.state;
    if (state === CircuitState.Isolated) return true;
    return state === CircuitState.Open && this.now() - e.openedAt < this.config.halfOpenAfterMs;
  }

  /** Services whose breaker rejects calls now ({@link isRejecting}): the route request's `exclude`. */
  rejecting(): string[] {
    return [...this.entries.keys()].filter((s) => this.isRejecting(s));
  }

  private entry(service: string): Entry {
    const existing = this.entries.get(service);
    if (existing) return existing;
    const policy = circuitBreaker(handleWhen(countsAgainstService), {
      halfOpenAfter: this.config.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.config.threshold),
    });
    const entry: Entry = { policy, openedAt: 0 };
    policy.onStateChange((state) => {
      const at = this.now();
      if (state === CircuitState.Open) entry.openedAt = at;
      this.onChange(service, toBreakerState(state), new Date(at));
    });
    this.entries.set(service, entry);
    return entry;
  }
}

/**
 * cockatiel state → contract state; `Isolated` (held open by hand, unused here) is `open`.
 * @param state cockatiel circuit state
 */
export function toBreakerState(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
