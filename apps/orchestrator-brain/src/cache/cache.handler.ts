import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { BRAIN_CACHE_STATS, CacheStatsReply } from '@apiary/contracts';
import { ResultCache } from './result-cache';

/** NATS entry of the result cache (`apiary.brain.cache.stats`). */
@Controller()
export class CacheHandler {
  constructor(@Inject(ResultCache) private readonly cache: ResultCache) {}

  /** Hits, misses and live entries. */
  @MessagePattern(BRAIN_CACHE_STATS)
  stats(): Promise<CacheStatsReply> {
    return this.cache.stats();
  }
}
