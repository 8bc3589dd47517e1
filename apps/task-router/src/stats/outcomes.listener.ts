import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { ROUTER_CALL_OUTCOMES } from '@apiary/contracts';
import { decodeOutcomes, OutcomeRecorder } from './outcome-recorder';

/**
 * Core-NATS subscriptions to bot-runtime's outcome reports (`apiary.router.outcomes`):
 * one plain subscription (every replica: in-flight, breakers) and one in the queue
 * group `queue` (one replica per report: persisted failure and fallback counters).
 */
export class OutcomesListener {
  private subscriptions: Subscription[] = [];

  /**
   * @param nc NATS connection
   * @param recorder applies the reports
   * @param queue queue group of the counting subscription (the app name)
   * @param logger logger
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly recorder: OutcomeRecorder,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  /** Subscribes both; resolves once the server has them. */
  async start(): Promise<void> {
    const handle = (apply: (e: NonNullable<ReturnType<typeof decodeOutcomes>>) => void) => (err: Error | null, msg: { data: Uint8Array }) => {
      if (err) return;
      const event = decodeOutcomes(msg.data);
      if (!event) {
        this.logger.warn({ subject: ROUTER_CALL_OUTCOMES }, 'ignored a malformed outcomes report');
        return;
      }
      apply(event);
    };
    this.subscriptions = [
      this.nc.subscribe(ROUTER_CALL_OUTCOMES, { callback: handle((e) => this.recorder.observe(e)) }),
      this.nc.subscribe(ROUTER_CALL_OUTCOMES, { queue: this.queue, callback: handle((e) => this.recorder.count(e)) }),
    ];
    await this.nc.flush();
  }

  /** Unsubscribes (reports already received have been applied). */
  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
  }
}
