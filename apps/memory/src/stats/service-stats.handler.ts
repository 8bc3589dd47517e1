import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MEMORY_SERVICE_STATS, ServiceStatsReply, ServiceStatsRequest } from '@apiary/contracts';
import { ServiceStatsService } from './service-stats.service';

/** NATS entry of memory's learned statistics (`apiary.memory.service-stats`). */
@Controller()
export class ServiceStatsHandler {
  /** @param stats the statistics query */
  constructor(private readonly stats: ServiceStatsService) {}

  /**
   * Statistics per (task type, service) over `window_s` (default 3,600 s).
   * @throws VALIDATION_FAILED for a window outside 60..2,592,000 s or more than 1,000 task types
   */
  @MessagePattern(MEMORY_SERVICE_STATS)
  serviceStats(@Payload() req: ServiceStatsRequest): Promise<ServiceStatsReply> {
    return this.stats.query(req);
  }
}
