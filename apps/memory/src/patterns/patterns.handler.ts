import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MEMORY_PATTERNS, PatternsRequest, TaskPatterns } from '@apiary/contracts';
import { PatternsService } from './patterns.service';

/** NATS entry of success patterns (`apiary.memory.patterns`). */
@Controller()
export class PatternsHandler {
  /** @param patterns the pattern computation */
  constructor(private readonly patterns: PatternsService) {}

  /**
   * Success patterns of a task type over `window_s` (default 7 days).
   * @throws VALIDATION_FAILED for a bad task type or a window outside 60..2,592,000 s
   */
  @MessagePattern(MEMORY_PATTERNS)
  get(@Payload() req: PatternsRequest): Promise<TaskPatterns> {
    return this.patterns.patterns(req);
  }
}
