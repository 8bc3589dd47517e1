import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { QuotaReleaseEvent, ROUTER_QUOTA_RELEASE } from '@apiary/contracts';
import type { QuotaService } from './quota.service';

/**
 * Core-NATS queue-group subscription to `apiary.router.quota.release`: one router
 * replica applies each ended call (lease released, token reservation corrected).
 * A lost message costs nothing lasting: the lease lapses at its expiry and the
 * token schedule stays conservative.
 */
export class QuotaReleaseListener {
  private subscription?: Subscription;

  /**
   * @param nc NATS connection
   * @param quota applies releases
   * @param queue queue group (the app name)
   * @param logger logger
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly quota: Pick<QuotaService, 'release'>,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  /** Subscribes; resolves once the server has the subscription. */
  async start(): Promise<void> {
    this.subscription = this.nc.subscribe(ROUTER_QUOTA_RELEASE, {
      queue: this.queue,
      callback: (err, msg) => {
        if (err) return;
        const event = decodeRelease(msg.data);
        if (!event) {
          this.logger.warn({ subject: ROUTER_QUOTA_RELEASE }, 'ignored a malformed quota release');
          return;
        }
        this.quota.release(event).catch((e: unknown) => this.logger.warn({ err: e, service: event.service_name }, 'quota release not applied'));
      },
    });
    await this.nc.flush();
  }

  /** Unsubscribes. */
  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}

/**
 * @param bytes a message body: JSON of {@link QuotaReleaseEvent}
 * @returns the event, or undefined when malformed
 */
export function decodeRelease(bytes: Uint8Array): QuotaReleaseEvent | undefined {
  try {
    const e = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<QuotaReleaseEvent>;
    if (typeof e.service_name !== 'string') return undefined;
    const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      service_name: e.service_name,
      permit_id: typeof e.permit_id === 'string' && /^[0-9a-f-]{36}$/i.test(e.permit_id) ? e.permit_id : null,
      tokens_reserved: n(e.tokens_reserved),
      tokens_used: n(e.tokens_used),
    };
  } catch {
    return undefined;
  }
}
