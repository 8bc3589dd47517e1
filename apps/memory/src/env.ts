import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DatabaseServiceEnv } from '@apiary/service-kit';

/** Environment of memory, validated at boot (fails naming the bad variable). */
export class MemoryEnv extends DatabaseServiceEnv {
  /** N of short-term memory: how many of the last results it holds (default 100, seed 002 "Short-term: last 100 tasks"; 1..10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  APIARY_MEMORY_SHORT_TERM = 100;

  /** Time to live of a context POSTed without `ttl_s`, seconds (default 604,800 = 7 days; 1..31,536,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(31_536_000)
  APIARY_MEMORY_CONTEXT_TTL_S = 604_800;

  /** Results a (task type, service) pair needs in long-term memory to count in `patterns_learned` (default 10). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  APIARY_MEMORY_PATTERN_MIN_RESULTS = 10;
}
