import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  QuotaAcquireReply,
  QuotaAcquireRequest,
  QuotaAdmissionReply,
  QuotaThrottleReply,
  QuotaThrottleRequest,
  ROUTER_QUOTA_ACQUIRE,
  ROUTER_QUOTA_ADMISSION,
  ROUTER_QUOTA_THROTTLE,
} from '@apiary/contracts';
import { QuotaService } from './quota.service';

/** NATS entry of provider limits (`apiary.router.quota.*`; docs/ai-work.md "Rate limits"). */
@Controller()
export class QuotaHandler {
  constructor(@Inject(QuotaService) private readonly quota: QuotaService) {}

  /** A permit for one call. @throws ApiaryError SERVICE_NOT_FOUND */
  @MessagePattern(ROUTER_QUOTA_ACQUIRE)
  acquire(@Payload() req: QuotaAcquireRequest): Promise<QuotaAcquireReply> {
    return this.quota.acquire(req);
  }

  /** A provider's 429: pause the service. @throws ApiaryError SERVICE_NOT_FOUND */
  @MessagePattern(ROUTER_QUOTA_THROTTLE)
  throttle(@Payload() req: QuotaThrottleRequest): Promise<QuotaThrottleReply> {
    return this.quota.throttle(req);
  }

  /** Dispatch rates of the limited groups of routed tasks. */
  @MessagePattern(ROUTER_QUOTA_ADMISSION)
  admission(): QuotaAdmissionReply {
    return this.quota.admission();
  }
}
