import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { MEMORY_SUMMARY, MemorySummary } from '@apiary/contracts';
import { SummaryService } from './summary.service';

/** NATS entry of the memory summary (`apiary.memory.summary`). */
@Controller()
export class SummaryHandler {
  /** @param summaries the summary counts */
  constructor(private readonly summaries: SummaryService) {}

  /** `{}` → `{ short_term_count, long_term_types, patterns_learned, contexts }`. */
  @MessagePattern(MEMORY_SUMMARY)
  summary(): Promise<MemorySummary> {
    return this.summaries.summary();
  }
}
