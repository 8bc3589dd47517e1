import { Transform, Type } from 'class-transformer';
import { IsInt, IsNumber, IsObject, IsOptional, Max, Min } from 'class-validator';
import { DatabaseServiceEnv } from '@apiary/service-kit';

/** Environment of orchestrator-brain, validated at boot (README "Configuration"). */
export class BrainEnv extends DatabaseServiceEnv {
  /** Most tasks `dispatched` or `running` at once; the rest wait in PostgreSQL in priority order (default 4,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  APIARY_DISPATCH_WINDOW = 4000;

  /** Tasks claimed per dispatch round trip (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  APIARY_DISPATCH_BATCH = 1000;

  /** Idle poll interval of the dispatcher, ms (default 100; a submit wakes it at once). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(5) @Max(60_000)
  APIARY_DISPATCH_INTERVAL_MS = 100;

  /** Lease of a dispatched or running attempt, ms; renewed by runtime heartbeats (default 120,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(86_400_000)
  APIARY_LEASE_MS = 120_000;

  /** How often expired leases are looked for, ms (default 2,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(600_000)
  APIARY_LEASE_SCAN_MS = 2000;

  /** Attempts per task before `dead` (default 3). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  APIARY_MAX_ATTEMPTS = 3;

  /** First retry delay, ms; doubles per attempt (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3_600_000)
  APIARY_RETRY_BASE_MS = 1000;

  /** Largest retry delay, ms (default 60,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400_000)
  APIARY_RETRY_MAX_MS = 60_000;

  /** Priority aging, score points per minute waited (default 0.5). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0)
  APIARY_PRIORITY_AGING_PER_MIN = 0.5;

  /** JSON object of task type → priority multiplier, merged over seed 002's defaults. */
  @IsOptional()
  @Transform(({ value }) => {
    try {
      return typeof value === 'string' ? JSON.parse(value) : value;
    } catch {
      return value;
    }
  })
  @IsObject({ message: 'APIARY_TYPE_MULTIPLIERS must be a JSON object of type → number' })
  APIARY_TYPE_MULTIPLIERS?: Record<string, number>;

  /** How long an idempotency key returns its first task, seconds (default 86,400). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_IDEMPOTENCY_TTL_S = 86_400;

  // Bots and swarms (seed 001).
  /** Most bots (not retired) per deployment (default 50,000); past it: 409 BOT_CAPACITY_EXCEEDED. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000_000)
  APIARY_MAX_BOTS = 50_000;

  /** Fair-share cost of one task in a fairness key's virtual clock, ms (default 1). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0)
  APIARY_FAIR_SHARE_MS = 1;

  /** Default lease of a task leased by an external bot, ms (default 60,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(3_600_000)
  APIARY_EXTERNAL_LEASE_MS = 60_000;

  // Decisions (seed 002 make_decision: Thompson sampling over memory's statistics).
  /** τ of the decisions' latency utility τ / (τ + mean latency), ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3_600_000)
  APIARY_DECISION_LATENCY_REF_MS = 1000;

  /** How long memory's statistics (and the router's candidates) of a task type are reused by decisions, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3_600_000)
  APIARY_DECISION_STATS_TTL_MS = 1000;

  /** Learning window of decisions and the performance summary, seconds (default 3,600; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  APIARY_DECISION_WINDOW_S = 3600;

  /** Reply timeout of memory's statistics and the router's service list for a decision, ms (default 2,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(60_000)
  APIARY_DECISION_RPC_TIMEOUT_MS = 2000;

  // Workflows, batches and schedules (issue 6).
  /** Period of the workflow sweep, ms: retry delays and step timeouts are checked this often (default 1,000; ended steps wake the engine at once). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(60_000)
  APIARY_WORKFLOW_SWEEP_MS = 1000;

  /**
   * Run-creating transactions at once per brain replica (default 2); `POST /workflows`
   * arriving meanwhile are written together by the next one (up to 200 per
   * transaction), and a burst leaves pooled connections to the dispatcher, the
   * lifecycle and the workflow engine.
   */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(64)
  APIARY_WORKFLOW_START_CONCURRENCY = 2;

  /** How often each replica looks for due schedule occurrences, ms (default 250). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(20) @Max(60_000)
  APIARY_SCHEDULE_TICK_MS = 250;

  /** A schedule occurrence later than this is missed (run once or skipped per `catch_up`), ms (default 5,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(86_400_000)
  APIARY_SCHEDULE_MISFIRE_MS = 5000;
}
