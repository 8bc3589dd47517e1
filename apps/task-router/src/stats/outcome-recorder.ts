import type { CallOutcomesEvent } from '@apiary/contracts';
import type { InFlightTracker } from '../routing/in-flight';
import type { BreakerBoard } from './breaker-board';
import { CounterBuffer, METRICS } from './counter-buffer';

/**
 * Applies bot-runtime's call outcome reports (`apiary.router.outcomes`).
 * - {@link observe} runs on every router replica (plain subscription): a `final`
 *   outcome releases the route's in-flight slot, an earlier one moves the slot to the
 *   service just called; breaker changes update the {@link BreakerBoard}.
 * - {@link count} runs on one replica per report (queue-group subscription): failed
 *   calls per service and calls that went to a fallback, so sums are not multiplied
 *   by the number of replicas.
 */
export class OutcomeRecorder {
  constructor(
    private readonly inFlight: InFlightTracker,
    private readonly breakers: BreakerBoard,
    private readonly counters: CounterBuffer,
  ) {}

  /** Every replica: in-flight slots and breaker states. */
  observe(event: CallOutcomesEvent): void {
    for (const o of event.outcomes ?? []) {
      if (o.final) this.inFlight.release(o.route_id);
      else this.inFlight.moved(o.route_id, o.service_name);
    }
    this.breakers.apply(event);
  }

  /** One replica per report: persisted failure and fallback counters. */
  count(event: CallOutcomesEvent): void {
    for (const o of event.outcomes ?? []) {
      // A 429 (or quota not granted) is the provider's limit, not a failure of the service.
      if (!o.success && !o.throttled) this.counters.add(METRICS.failures, o.service_name);
      if (o.fallback) this.counters.add(METRICS.fallbacksUsed, '');
    }
  }
}

/**
 * Decodes a report: plain JSON of {@link CallOutcomesEvent}, or Nest's event envelope
 * `{ pattern, data }` around it.
 * @returns the event, or undefined when the payload is not one
 */
export function decodeOutcomes(bytes: Uint8Array): CallOutcomesEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (value && typeof value === 'object' && 'pattern' in value && 'data' in value) value = (value as { data: unknown }).data;
  if (!value || typeof value !== 'object') return undefined;
  const e = value as Partial<CallOutcomesEvent>;
  if (typeof e.runner !== 'string' || !Array.isArray(e.outcomes)) return undefined;
  return { runner: e.runner, outcomes: e.outcomes, breakers: Array.isArray(e.breakers) ? e.breakers : [] };
}
