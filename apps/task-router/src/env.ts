import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ROUTING_STRATEGIES, RoutingStrategy } from '@apiary/contracts';
import { DatabaseServiceEnv } from '@apiary/service-kit';

/** Environment of task-router, validated at boot (README "Configuration"). */
export class RouterEnv extends DatabaseServiceEnv {
  /**
   * Strategy of the default routing policy until one is stored with `PUT
   * /routing/policies/*`: round_robin, random, least_loaded or learned (default learned).
   */
  @IsOptional() @IsIn(ROUTING_STRATEGIES)
  APIARY_ROUTING_STRATEGY: RoutingStrategy = 'learned';

  /** How long `learned` routing waits for the brain's decision before falling back to least_loaded, ms (default 500). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(60_000)
  APIARY_LEARNED_TIMEOUT_MS = 500;

  /** Period of a service's active health check (`GET {endpoint}{path}`), ms (default 10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(3_600_000)
  APIARY_HEALTH_CHECK_INTERVAL_MS = 10_000;

  /** Timeout of one health check request, ms (default 2,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(600_000)
  APIARY_HEALTH_CHECK_TIMEOUT_MS = 2000;

  /** Consecutive failed checks that make a service `unhealthy` (default 3; one failure makes it `degraded`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  APIARY_HEALTH_UNHEALTHY_THRESHOLD = 3;

  /** Consecutive successful checks that make a service `healthy` again (default 2). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  APIARY_HEALTH_HEALTHY_THRESHOLD = 2;

  /** How often a replica checks PostgreSQL for registry, health or policy changes made elsewhere, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(20) @Max(600_000)
  APIARY_ROUTER_REFRESH_MS = 1000;

  /** How often buffered routing counters are added to PostgreSQL, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(20) @Max(600_000)
  APIARY_ROUTER_STATS_FLUSH_MS = 1000;

  /** A runtime replica's breaker reports count in `breaker_states` for this long after its last report, ms (default 300,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(86_400_000)
  APIARY_BREAKER_REPORT_TTL_MS = 300_000;

  /** How often provider pauses (429) and limit usage are re-read from PostgreSQL, ms (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(50) @Max(600_000)
  APIARY_QUOTA_REFRESH_MS = 1000;

  /** Tokens one call is assumed to take for a TPM-limited service's dispatch rate until usage is seen (default 1,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000_000)
  APIARY_QUOTA_DEFAULT_TOKENS = 1000;
}
