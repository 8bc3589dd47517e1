import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { BaseServiceEnv } from '@apiary/service-kit';

/** Environment of bot-runtime, validated at boot (README "Configuration"). */
export class RuntimeEnv extends BaseServiceEnv {
  /** Tasks run at once by one replica (default 64). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  APIARY_RUNTIME_CONCURRENCY = 64;

  /** JetStream AckWait, ms: a delivery not acked in time is redelivered (default 30,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(500) @Max(3_600_000)
  APIARY_ACK_WAIT_MS = 30_000;

  /** JetStream MaxDeliver per work message (default 5). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  APIARY_MAX_DELIVER = 5;

  /** Heartbeat interval of a running task, ms (default a third of AckWait). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100)
  APIARY_HEARTBEAT_MS?: number;

  /**
   * A task still running after this many ms reports `running` (a `started` event);
   * shorter tasks report their start inside the completion (default 100; 0: always).
   */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(60_000)
  APIARY_STARTED_EVENT_DELAY_MS = 100;

  /** Comma-separated handler types this replica serves (default all built-ins). */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$/, { message: 'APIARY_RUNTIME_HANDLERS must be a comma-separated list of task types' })
  APIARY_RUNTIME_HANDLERS?: string;

  /** Reply timeout of `apiary.router.route` for a routed task, ms (default 5,000); past it the attempt fails retryable (`ROUTER_TIMEOUT`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(120_000)
  APIARY_ROUTER_TIMEOUT_MS = 5_000;

  /** Reply timeout of `apiary.memory.contexts.get` for a task naming a `context_id`, ms (default 5,000); past it the attempt fails retryable (`MEMORY_UNAVAILABLE`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(120_000)
  APIARY_MEMORY_TIMEOUT_MS = 5_000;

  /** Consecutive failed calls to a routed service that open its circuit breaker on this replica (default 5). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  APIARY_BREAKER_THRESHOLD = 5;

  /** Time an open breaker rejects calls before it lets a test call through (half-open), ms (default 10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3_600_000)
  APIARY_BREAKER_HALF_OPEN_MS = 10_000;

  /** Longest a routed call's outcome waits before it is reported to task-router (`apiary.router.outcomes`), ms (default 200). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(60_000)
  APIARY_OUTCOME_FLUSH_MS = 200;

  /** Outcomes that make a report at once (default 500). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  APIARY_OUTCOME_BATCH = 500;

  /**
   * Longest a call waits for its turn under a provider's RPM/TPM/concurrency limits
   * (without holding an execution slot); past it the task is queued again for later,
   * without counting the attempt, ms (default 5,000).
   */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(600_000)
  APIARY_QUOTA_MAX_WAIT_MS = 5_000;

  /** Completion tokens an `llm.chat` without `max_tokens` reserves under a TPM limit (corrected by `usage` after the call; default 1,024). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  APIARY_LLM_DEFAULT_MAX_TOKENS = 1024;

  /** Interval of this replica's heartbeat to the scaler (`apiary.runtime.heartbeat`: CPU, RSS, event-loop lag, in-flight tasks), ms (default 2,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  APIARY_REPLICA_HEARTBEAT_MS = 2_000;
}
