import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SCALING_POLICIES, ScalingPolicyName } from '@apiary/contracts';
import { DatabaseServiceEnv } from '@apiary/service-kit';
import { DRIVER_NAMES, DriverName } from './drivers/scaling-driver';

/** Environment of the scaler, validated at boot (README "Configuration"). */
export class ScalerEnv extends DatabaseServiceEnv {
  /** How decisions are applied: `local` (child processes here), `kubernetes` (Deployment scale), `hpa` (metrics only). Default local. */
  @IsOptional() @IsIn(DRIVER_NAMES)
  APIARY_SCALER_DRIVER: DriverName = 'local';

  /** Scaling policy (seed 000): `auto`, `aggressive`, `conservative`. Default auto. */
  @IsOptional() @IsIn(SCALING_POLICIES)
  APIARY_SCALER_POLICY: ScalingPolicyName = 'auto';

  /** Control loop interval, ms (default 5,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(200) @Max(600_000)
  APIARY_SCALER_INTERVAL_MS = 5_000;

  /** Fewest bot-runtime replicas (default 1; 0 allows scale to zero, restarted by a waiting backlog). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  APIARY_SCALER_MIN_REPLICAS = 1;

  /** Most bot-runtime replicas (default 10). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  APIARY_SCALER_MAX_REPLICAS = 10;

  /** Replicas the local driver starts with (default: the minimum). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  APIARY_SCALER_INITIAL_REPLICAS?: number;

  /** Cooldown of the default rules, s (default 60). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  APIARY_SCALER_COOLDOWN_S = 60;

  /** Evaluation period of the default rules, the trend window and the throughput window, s (default 30). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400)
  APIARY_SCALER_EVALUATION_S = 30;

  /** Time the backlog should take to drain at the target replica count, s (default 60). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400)
  APIARY_SCALER_DRAIN_TARGET_S = 60;

  /** How far ahead the backlog trend is projected, s (default 60). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  APIARY_SCALER_PREDICT_HORIZON_S = 60;

  /** A replica with no heartbeat for this long is marked lost, ms (default 10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(500) @Max(3_600_000)
  APIARY_SCALER_LOST_AFTER_MS = 10_000;

  /** Window of the arrival rate asked of the brain (`apiary.brain.backlog`), s (default 10). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3_600)
  APIARY_SCALER_BACKLOG_WINDOW_S = 10;

  /** Reply timeout of the brain's and memory's signal requests, ms (default 3,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  APIARY_SCALER_SIGNAL_TIMEOUT_MS = 3_000;

  /** Local driver: bot-runtime bundle (default `dist/apps/bot-runtime/main.js` under the working directory). */
  @IsOptional() @IsString()
  APIARY_SCALER_RUNTIME_MAIN?: string;

  /** Local driver: extra environment of the replicas, `NAME=value,NAME=value` (e.g. `APIARY_RUNTIME_CONCURRENCY=16`). */
  @IsOptional() @IsString() @Matches(/^([A-Z_][A-Z0-9_]*=[^,]*)(,[A-Z_][A-Z0-9_]*=[^,]*)*$/, { message: 'APIARY_SCALER_RUNTIME_ENV must be NAME=value pairs separated by commas' })
  APIARY_SCALER_RUNTIME_ENV?: string;

  /** Local driver: folder of the replicas' logs (default `<tmp>/apiary-scaler-<pid>`). */
  @IsOptional() @IsString()
  APIARY_SCALER_LOG_DIR?: string;

  /** Time after start during which decisions are not applied while heartbeats show the replicas (the local driver also waits this long for replicas started by others before starting its own), ms (default: APIARY_SCALER_LOST_AFTER_MS). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(600_000)
  APIARY_SCALER_STARTUP_WAIT_MS?: number;

  /** Local driver: time a stopped replica gets to drain before SIGKILL, ms (default APIARY_SHUTDOWN_GRACE_MS + 5,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000)
  APIARY_SCALER_DRAIN_TIMEOUT_MS?: number;

  /** Kubernetes driver: namespace of the Deployment (default the pod's namespace, else `default`). */
  @IsOptional() @IsString() @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'APIARY_SCALER_K8S_NAMESPACE must be a Kubernetes namespace name' })
  APIARY_SCALER_K8S_NAMESPACE?: string;

  /** Kubernetes driver: the bot-runtime Deployment (default `apiary-bot-runtime`). */
  @IsOptional() @IsString() @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'APIARY_SCALER_K8S_DEPLOYMENT must be a Kubernetes object name' })
  APIARY_SCALER_K8S_DEPLOYMENT = 'apiary-bot-runtime';

  /** Port of the Prometheus `/metrics` endpoint (default 9464 with the hpa driver, else 0: off). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65_535)
  APIARY_SCALER_METRICS_PORT?: number;

  /** Interface of the `/metrics` endpoint (default 0.0.0.0). */
  @IsOptional() @IsString()
  APIARY_SCALER_METRICS_HOST = '0.0.0.0';
}
