import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/**
 * Environment every Apiary service reads (README "Configuration"). Apps extend it
 * with their own variables and validate it at boot with `loadEnv`.
 */
export class BaseServiceEnv {
  /** NATS server URL(s), comma-separated, e.g. `nats://127.0.0.1:4222`. Required. */
  @IsString()
  @Matches(/^(nats|tls|ws|wss):\/\/[^,\s]+(,(nats|tls|ws|wss):\/\/[^,\s]+)*$/, {
    message: 'NATS_URL must be one or more nats:// URLs separated by commas',
  })
  NATS_URL!: string;

  /** Log level: fatal, error, warn, info, debug, trace (default info). */
  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  APIARY_LOG_LEVEL = 'info';

  /** Port of the HTTP probe server (`/livez`, `/readyz`); unset or 0 disables it. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  APIARY_PROBE_PORT = 0;

  /** Replica identity in logs, events and health (default `<hostname>:<pid>`). */
  @IsOptional()
  @IsString()
  APIARY_INSTANCE_ID?: string;

  /** Time in ms a replica has to finish in-flight work on SIGTERM (default 10,000). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  APIARY_SHUTDOWN_GRACE_MS = 10_000;
}

/** {@link BaseServiceEnv} plus the PostgreSQL URL, for services that own tables. */
export class DatabaseServiceEnv extends BaseServiceEnv {
  /** PostgreSQL URL, e.g. `postgres://postgres@127.0.0.1:5432/apiary`. Required. */
  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  /** Connection pool size per replica (default 10). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;
}
