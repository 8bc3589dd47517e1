import { JSONCodec, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { BreakerState, CallOutcome, CallOutcomesEvent, ROUTER_CALL_OUTCOMES } from '@apiary/contracts';

const codec = JSONCodec<CallOutcomesEvent>();

/** Tunables of {@link OutcomeReporter} (env `APIARY_OUTCOME_FLUSH_MS`, `APIARY_OUTCOME_BATCH`). */
export interface OutcomeReporterConfig {
  /** Longest an outcome waits for its report, ms (default 200). */
  flushMs: number;
  /** Outcomes that trigger a report at once (default 500). */
  maxBatch: number;
}

/**
 * Reports routed calls and breaker changes of this replica to task-router on
 * `apiary.router.outcomes` (core NATS publish, fire and forget: no reply, no
 * JetStream). One {@link CallOutcomesEvent} per `flushMs` or per `maxBatch`
 * outcomes, whichever comes first; nothing is sent while nothing happened. A
 * report that cannot be published (connection closed) is dropped with a warning:
 * the router's statistics are advisory, the task's own result travels on
 * JetStream.
 */
export class OutcomeReporter {
  private outcomes: CallOutcome[] = [];
  private breakers: CallOutcomesEvent['breakers'] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  /**
   * @param nc NATS connection (only `publish` is used)
   * @param runner replica id put in each report
   * @param config flush interval (ms) and batch size
   * @param logger warns about dropped reports
   */
  constructor(
    private readonly nc: Pick<NatsConnection, 'publish'>,
    private readonly runner: string,
    private readonly config: OutcomeReporterConfig = { flushMs: 200, maxBatch: 500 },
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /**
   * Queues one call outcome.
   * @param outcome the call (final=true on the last call of its route)
   */
  outcome(outcome: CallOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length >= this.config.maxBatch) this.flush();
    else this.schedule();
  }

  /**
   * Queues one breaker state change.
   * @param service service name
   * @param state new state
   * @param at when it changed
   */
  breaker(service: string, state: BreakerState, at: Date): void {
    this.breakers.push({ service_name: service, state, at: at.toISOString() });
    this.schedule();
  }

  /** Publishes what is queued now (nothing when empty). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outcomes.length === 0 && this.breakers.length === 0) return;
    const event: CallOutcomesEvent = { runner: this.runner, outcomes: this.outcomes, breakers: this.breakers };
    this.outcomes = [];
    this.breakers = [];
    try {
      this.nc.publish(ROUTER_CALL_OUTCOMES, codec.encode(event));
    } catch (err) {
      this.logger?.warn({ err, outcomes: event.outcomes.length, breakers: event.breakers.length }, 'call outcomes not reported');
    }
  }

  /** Publishes what is queued and stops the timer; later items are published at once. */
  stop(): void {
    this.stopped = true;
    this.flush();
  }

  private schedule(): void {
    if (this.stopped) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.config.flushMs);
      this.timer.unref();
    }
  }
}
