import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MEMORY_RUNNER_STATS,
  MEMORY_SERVICE_STATS,
  RunnerStatsReply,
  RunnerStatsRequest,
  ServiceStatsReply,
  ServiceStatsRequest,
} from '@apiary/contracts';
import { ServiceStatsService } from './service-stats.service';

/** NATS entry of memory's learned statistics (`apiary.memory.service-stats`, `apiary.memory.runner-stats`). */
@Controller()
export class ServiceStatsHandler {
  /** @param stats the statistics queries */
  constructor(private readonly stats: ServiceStatsService) {}

  /**
   * Statistics per (task type, service), or per task type with `group_by: task_type`,
   * over `window_s` (default 3,600 s); quantiles and error patterns with `detail`.
   * @throws VALIDATION_FAILED for a window outside 60..2,592,000 s, more than 1,000
   *   task types, an unknown `group_by` or a non-boolean `detail`
   */
  @MessagePattern(MEMORY_SERVICE_STATS)
  serviceStats(@Payload() req: ServiceStatsRequest): Promise<ServiceStatsReply> {
    return this.stats.query(req);
  }

  /**
   * Results and busy time per bot-runtime replica over `window_s` (default 3,600 s).
   * @throws VALIDATION_FAILED for a window outside 60..2,592,000 s
   */
  @MessagePattern(MEMORY_RUNNER_STATS)
  runnerStats(@Payload() req: RunnerStatsRequest): Promise<RunnerStatsReply> {
    return this.stats.runners(req);
  }
}
