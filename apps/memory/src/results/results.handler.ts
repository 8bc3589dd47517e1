import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MEMORY_RELEVANT, MEMORY_SHORT_TERM, RelevantReply, RelevantRequest, ShortTermReply, ShortTermRequest } from '@apiary/contracts';
import { MemoryResultsService } from './memory-results.service';

/** NATS entry of stored results (`apiary.memory.relevant`, `apiary.memory.short-term`). */
@Controller()
export class ResultsHandler {
  /** @param results reads of stored results */
  constructor(private readonly results: MemoryResultsService) {}

  /**
   * Most relevant past results of a task type.
   * @throws VALIDATION_FAILED for a bad task type or context id, limit outside 1..100, window outside 60..2,592,000 s
   */
  @MessagePattern(MEMORY_RELEVANT)
  relevant(@Payload() req: RelevantRequest): Promise<RelevantReply> {
    return this.results.relevant(req);
  }

  /** Short-term memory: the last N results, newest first. @throws VALIDATION_FAILED for a limit outside 1..10,000 */
  @MessagePattern(MEMORY_SHORT_TERM)
  shortTerm(@Payload() req: ShortTermRequest): Promise<ShortTermReply> {
    return this.results.shortTerm(req);
  }
}
