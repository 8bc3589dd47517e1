import { JSONCodec, NatsConnection } from 'nats';
import {
  QuotaAcquireReply,
  QuotaAcquireRequest,
  QuotaReleaseEvent,
  QuotaThrottleRequest,
  ROUTER_QUOTA_ACQUIRE,
  ROUTER_QUOTA_RELEASE,
  ROUTER_QUOTA_THROTTLE,
} from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';

/** task-router's provider limits as {@link RoutedCaller} uses them (docs/ai-work.md "Rate limits"). */
export interface QuotaClient {
  /**
   * Reserves a call. @throws ApiaryError `SERVICE_UNAVAILABLE` / `UPSTREAM_TIMEOUT`
   *   when task-router does not answer, or its error
   */
  acquire(req: QuotaAcquireRequest): Promise<QuotaAcquireReply>;
  /** Reports a provider's 429 (pauses the service on every replica). @throws like {@link acquire} */
  throttle(req: QuotaThrottleRequest): Promise<void>;
  /** Reports that a permitted call ended (fire and forget). */
  release(event: QuotaReleaseEvent): void;
}

const codec = JSONCodec<QuotaReleaseEvent>();

/** {@link QuotaClient} over NATS: request/reply for permits and pauses, core publish for releases. */
export class NatsQuotaClient implements QuotaClient {
  /**
   * @param rpc RPC client (request/reply)
   * @param nc NATS connection (releases are published on it)
   * @param timeoutMs reply timeout of a permit or pause request, ms
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly nc: Pick<NatsConnection, 'publish'>,
    private readonly timeoutMs: number,
  ) {}

  /** {@inheritDoc QuotaClient.acquire} */
  acquire(req: QuotaAcquireRequest): Promise<QuotaAcquireReply> {
    return this.rpc.request<QuotaAcquireReply>(ROUTER_QUOTA_ACQUIRE, req, { timeoutMs: this.timeoutMs });
  }

  /** {@inheritDoc QuotaClient.throttle} */
  async throttle(req: QuotaThrottleRequest): Promise<void> {
    await this.rpc.request(ROUTER_QUOTA_THROTTLE, req, { timeoutMs: this.timeoutMs });
  }

  /** {@inheritDoc QuotaClient.release} */
  release(event: QuotaReleaseEvent): void {
    this.nc.publish(ROUTER_QUOTA_RELEASE, codec.encode(event));
  }
}
