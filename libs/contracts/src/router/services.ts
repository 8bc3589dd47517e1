import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import {
  IsModelList,
  IsPricingTable,
  ModelPricing,
  ModelSpec,
  SERVICE_PROTOCOLS,
  ServiceLimits,
  ServiceModel,
  ServiceProtocol,
  ServiceUsage,
} from '../ai/llm';

/**
 * Service registry of the task-router (seed 002 component 2 "Task Router":
 * `register_service`, `update_service_health`). A service is an HTTP AI service
 * (`POST {endpoint}/process`) offering capabilities (= task types); it is also a
 * module of the module manager (seed 002 component 5).
 */

/** Health states of a service or module (seed 002 "Module States"). */
export const HEALTH_STATES = ['healthy', 'degraded', 'unhealthy'] as const;
/** One of {@link HEALTH_STATES}. */
export type HealthState = (typeof HEALTH_STATES)[number];

/** Subject: register (or re-register) a service. {@link RegisterServiceRequest} → {@link ServiceView}. */
export const ROUTER_SERVICE_REGISTER = 'apiary.router.services.register';
/** Subject: list services. {@link ListServicesRequest} → {@link ListServicesReply}. */
export const ROUTER_SERVICE_LIST = 'apiary.router.services.list';
/** Subject: one service. `{ service_name }` → {@link ServiceView}; `SERVICE_NOT_FOUND`. */
export const ROUTER_SERVICE_GET = 'apiary.router.services.get';
/** Subject: set a service's health by hand. {@link SetServiceHealthRequest} → {@link ServiceView}. */
export const ROUTER_SERVICE_SET_HEALTH = 'apiary.router.services.set-health';
/** Subject: deregister a service. `{ service_name }` → `{ service_name, deleted: true }`; `SERVICE_NOT_FOUND`, `MODULE_HAS_DEPENDENTS`. */
export const ROUTER_SERVICE_DEREGISTER = 'apiary.router.services.deregister';

/** Name pattern of services and modules: lower-case letters, digits, `-`, `_`, `.`; 1..64. */
export const MODULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Active health check of a service: `GET {endpoint}{path}` every `interval_ms`. */
export class HealthCheckConfig {
  /** Path probed (default `/health`). A 2xx answer is a success. */
  @IsOptional() @IsString() @MaxLength(256) @Matches(/^\//, { message: 'path must start with /' })
  path?: string;
  /** Set false to rely on `PUT /services/{name}/health` alone (default true). */
  @IsOptional() @IsBoolean()
  enabled?: boolean;
}

/** Name of an environment variable: letters, digits and `_`, not starting with a digit. */
export const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** `POST /services` body (docs/requirements.md "Routing": `register_service`; docs/ai-work.md "LLM providers"). */
export class RegisterServiceRequest {
  /** Unique name, e.g. `email-ai` ({@link MODULE_NAME_PATTERN}). */
  @IsDefined() @IsString() @Matches(MODULE_NAME_PATTERN, { message: 'service_name must match ^[a-z0-9][a-z0-9._-]{0,63}$' })
  service_name!: string;
  /**
   * Base URL. `process` services get tasks as `POST {endpoint}/process`; for `openai`
   * it is the API base URL (e.g. `http://host:11434/v1`).
   */
  @IsDefined() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  endpoint!: string;
  /**
   * Task types it serves (1..100). Required for `process`; an `openai` service serves
   * `llm.chat` whatever it lists.
   */
  @ValidateIf((o: RegisterServiceRequest) => o.protocol !== 'openai' || o.capabilities !== undefined)
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(128, { each: true })
  capabilities?: string[];
  /** Wire protocol: `process` (default) or `openai` (OpenAI-compatible Chat Completions). */
  @IsOptional() @IsIn(SERVICE_PROTOCOLS)
  protocol?: ServiceProtocol;
  /**
   * Models it serves (`openai`): names, or `{ name, class }` with class `small`,
   * `medium`, `large` or `code`. Required for `openai`.
   */
  @ValidateIf((o: RegisterServiceRequest) => o.protocol === 'openai' || o.models !== undefined)
  @IsDefined({ message: 'models is required when protocol is openai' }) @IsModelList()
  models?: (string | ModelSpec)[];
  /**
   * Name of the environment variable on bot-runtime that holds the API key (sent as
   * `Authorization: Bearer`). The key itself is never stored, logged or returned.
   */
  @IsOptional() @IsString() @Matches(ENV_VAR_NAME_PATTERN, { message: 'api_key_env must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' })
  api_key_env?: string;
  /** Model → price, USD per million tokens: `{ "<model>": { input_per_1m, output_per_1m } }`. */
  @IsOptional() @IsPricingTable()
  pricing?: Record<string, ModelPricing>;
  /** Requests and tokens per minute, and calls in flight, across all bot-runtime replicas. */
  @IsOptional() @ValidateNested() @Type(() => ServiceLimits)
  limits?: ServiceLimits;
  /** Module category (default `ai-service`), e.g. `business`, `finance`. */
  @IsOptional() @IsString() @MaxLength(64)
  category?: string;
  /** Modules this one needs enabled (seed 002 "Dependency Management"). */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true })
  depends_on?: string[];
  /** Active health check settings. */
  @IsOptional() @ValidateNested() @Type(() => HealthCheckConfig)
  health_check?: HealthCheckConfig;
}

/** `GET /services` query. */
export class ListServicesRequest {
  /** Only services offering this capability. */
  @IsOptional() @IsString() @MaxLength(128)
  capability?: string;
  /** Only services with this health. */
  @IsOptional() @IsIn(HEALTH_STATES)
  status?: HealthState;
}

/** `PUT /services/{name}/health` body (seed 002 `update_service_health`). */
export class SetServiceHealthRequest {
  @IsDefined() @IsString()
  service_name!: string;
  @IsDefined() @IsIn(HEALTH_STATES)
  status!: HealthState;
}

/** A registered service. Times are ISO-8601. */
export interface ServiceView {
  service_name: string;
  endpoint: string;
  capabilities: string[];
  protocol: ServiceProtocol;
  /** Models with their class (`openai` services; empty for `process`). */
  models: ServiceModel[];
  /** Environment variable holding the API key on bot-runtime (never the key), or null. */
  api_key_env: string | null;
  /** Model → USD per million tokens. */
  pricing: Record<string, ModelPricing>;
  /** Limits in force (empty object: none). */
  limits: ServiceLimits;
  /** Live use of the limits; null when the service has none and was never throttled. */
  usage: ServiceUsage | null;
  category: string;
  enabled: boolean;
  depends_on: string[];
  status: HealthState;
  /** Who set `status` last: `registration`, `manual` (PUT), or `probe` (active check). */
  status_source: 'registration' | 'manual' | 'probe';
  health_check: { enabled: boolean; path: string };
  /** Consecutive failed probes (0 after a success). */
  consecutive_failures: number;
  /** Calls routed to it and not yet reported finished (least-loaded input). */
  in_flight: number;
  last_checked_at: string | null;
  registered_at: string;
  updated_at: string;
}

/** Reply of {@link ROUTER_SERVICE_LIST}. */
export interface ListServicesReply {
  services: ServiceView[];
}
