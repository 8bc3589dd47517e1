import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

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
  /** `service` (default): one entry per (task type, service); `task_type`: one per type, `service: "*"`. */
  @IsOptional() @IsIn(['service', 'task_type'])
  group_by?: 'service' | 'task_type';
  /** Include latency quantiles and error patterns (issue 5; default false: the brain's cheap path). */
  @IsOptional() @IsBoolean()
  detail?: boolean;
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
  /** Sum of the calls' cost over the window, USD (0 for services without prices). */
  cost_usd_sum?: number;
  /** Sum of prompt and completion tokens over the window. */
  tokens_sum?: number;
  /** Latency quantiles over the window, ms (streaming HDR histograms merged per bucket); with `detail` only. */
  p50_ms?: number | null;
  p95_ms?: number | null;
  p99_ms?: number | null;
  /** Most frequent errors over the window, most frequent first (top 5); with `detail` only. */
  error_patterns?: { code: string; message: string; count: number }[];
}

/** Subject: results per bot-runtime replica over a window. {@link RunnerStatsRequest} → {@link RunnerStatsReply}. */
export const MEMORY_RUNNER_STATS = 'apiary.memory.runner-stats';

/** Request of {@link MEMORY_RUNNER_STATS}. */
export class RunnerStatsRequest {
  /** Window, seconds back from now (default 3,600; 60..2,592,000). */
  @IsOptional() @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
}

/** Load one bot-runtime replica carried over the window. */
export interface RunnerStat {
  /** Replica id (hostname:pid or instance id). */
  runner: string;
  /** Results it produced. */
  count: number;
  /** Sum of handler wall time, ms (busy time). */
  busy_ms: number;
  last_at: string;
}

/** Reply of {@link MEMORY_RUNNER_STATS}. */
export interface RunnerStatsReply {
  window_s: number;
  runners: RunnerStat[];
}

/** Reply of {@link MEMORY_SERVICE_STATS}. */
export interface ServiceStatsReply {
  window_s: number;
  stats: ServiceStat[];
}
