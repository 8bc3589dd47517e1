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
}
