import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/**
 * What memory learned per (task type, service) (seed 002 "What the System
 * Learns": success rates and execution times), read by the brain's decisions.
 * Kept per minute bucket so any window can be asked for.
 */

/** Subject: statistics per (task type, service). {@link ServiceStatsRequest} → {@link ServiceStatsReply}. */
export const MEMORY_SERVICE_STATS = 'apiary.memory.service-stats';

/** Request of {@link MEMORY_SERVICE_STATS}. */
export class ServiceStatsRequest {
  /** Task types to report (all when absent; at most 1,000). */
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true })
  task_types?: string[];
  /** Window, seconds back from now (default 3,600; 60..2,592,000). */
  @IsOptional() @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
}

/** Statistics of one (task type, service) over the window. */
export interface ServiceStat {
  task_type: string;
  /** Routed service, or the built-in handler's name. */
  service: string;
  count: number;
  successes: number;
  failures: number;
  /** Mean latency of all calls, ms. */
  mean_latency_ms: number;
  /** Last result time, ISO-8601. */
  last_at: string;
}

/** Reply of {@link MEMORY_SERVICE_STATS}. */
export interface ServiceStatsReply {
  window_s: number;
  stats: ServiceStat[];
}
