import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  BackoffKind,
  BrainPerformance,
  BreakerState,
  Decision,
  DecisionAlternative,
  HealthState,
  ListServicesReply,
  ModuleHealthSummary,
  ModulesByCategory,
  ModuleView,
  RetryStrategy,
  RouteDecision,
  RouteTarget,
  RoutingPolicyView,
  RoutingStats,
  RoutingStrategy,
  ServiceView,
  ModelPricing,
  ServiceLimits,
  ServiceModel,
  ServiceProtocol,
  ServiceUsage,
} from '@apiary/contracts';

/*
 * OpenAPI shapes of the router's and the brain's decision replies (issue 4), in
 * the style of responses.dto.ts: each class `implements` the contract interface.
 */

const NUMBER_MAP = { type: 'object', additionalProperties: { type: 'number' } } as const;

/** Active health check settings of a service. */
@ApiSchema({ name: 'HealthCheck' })
export class HealthCheckDto {
  enabled!: boolean;
  /** Path probed with GET; a 2xx answer is a success. */
  path!: string;
}

/** A registered service (seed 002 `register_service`). Times ISO-8601. */
@ApiSchema({ name: 'Service' })
export class ServiceViewDto implements ServiceView {
  service_name!: string;
  /** Base URL; tasks are POSTed to `{endpoint}/process`. */
  endpoint!: string;
  capabilities!: string[];
  category!: string;
  enabled!: boolean;
  depends_on!: string[];
  status!: HealthState;
  /** Who set `status` last. */
  status_source!: 'registration' | 'manual' | 'probe';
  health_check!: HealthCheckDto;
  /** Consecutive failed probes. */
  consecutive_failures!: number;
  /** Routed calls not yet finished. */
  in_flight!: number;
  last_checked_at!: string | null;
  registered_at!: string;
  updated_at!: string;
  /** `process` (`POST {endpoint}/process`) or `openai` (Chat Completions at the base URL `endpoint`). */
  @ApiProperty({ enum: ['process', 'openai'] })
  protocol!: ServiceProtocol;
  /** Models with their class (`openai` services). */
  @ApiProperty({ type: [ServiceModel] })
  models!: ServiceModel[];
  /** Name of the environment variable holding the API key on bot-runtime (never the key). */
  @ApiProperty({ type: String, nullable: true })
  api_key_env!: string | null;
  /** Model → USD per million tokens. */
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ModelPricing' } })
  pricing!: Record<string, ModelPricing>;
  /** Limits held across every bot-runtime replica. */
  @ApiProperty({ type: ServiceLimits })
  limits!: ServiceLimits;
  /** Live use of the limits: requests and tokens of the last minute, calls in flight, 429 pause. */
  @ApiProperty({ type: ServiceUsage, nullable: true })
  usage!: ServiceUsage | null;
}

/** `GET /services`. */
@ApiSchema({ name: 'ServiceList' })
export class ListServicesReplyDto implements ListServicesReply {
  services!: ServiceViewDto[];
}

/** `DELETE /services/{name}`. */
@ApiSchema({ name: 'ServiceDeleted' })
export class ServiceDeletedDto {
  service_name!: string;
  @ApiProperty({ enum: [true] })
  deleted!: true;
}

/** Retry strategy of a route (seed 002 "Retry Strategies"). */
@ApiSchema({ name: 'RetryStrategy' })
export class RetryStrategyDto implements RetryStrategy {
  /** Retries per service after the first call. */
  max_retries!: number;
  backoff!: BackoffKind;
  /** Per-call timeout, seconds. */
  timeout!: number;
  /** First backoff delay, ms. */
  base_delay_ms!: number;
}

/** A service to call (with its model, for an `openai` service). */
@ApiSchema({ name: 'RouteTarget' })
export class RouteTargetDto implements RouteTarget {
  service_name!: string;
  endpoint!: string;
  @ApiProperty({ enum: ['process', 'openai'], required: false })
  protocol?: ServiceProtocol;
  /** Model to ask for (`openai`). */
  model?: string;
  /** Its class, when declared. */
  @ApiProperty({ enum: ['small', 'medium', 'large', 'code'], required: false, nullable: true })
  model_class?: 'small' | 'medium' | 'large' | 'code' | null;
  @ApiProperty({ type: ModelPricing, required: false, nullable: true })
  price?: ModelPricing | null;
  @ApiProperty({ type: ServiceLimits, required: false })
  limits?: ServiceLimits;
  @ApiProperty({ type: String, required: false, nullable: true })
  api_key_env?: string | null;
  /** Paused by its provider's 429 until then (ISO-8601). */
  throttled_until?: string;
}

/** `POST /route` (seed 002 `route_task`). */
@ApiSchema({ name: 'RouteDecision' })
export class RouteDecisionDto implements RouteDecision {
  route_id!: string;
  task_type!: string;
  primary_service!: string;
  endpoint!: string;
  fallback_services!: string[];
  fallbacks!: RouteTargetDto[];
  /** The primary's full target. */
  primary?: RouteTargetDto;
  strategy!: RoutingStrategy;
  retry_strategy!: RetryStrategyDto;
  reasoning!: string;
  /** The brain's confidence for `learned`; null otherwise. */
  confidence!: number | null;
  decided_at!: string;
}

/** Routing policy of a task type (`*`: the default). */
@ApiSchema({ name: 'RoutingPolicy' })
export class RoutingPolicyViewDto implements RoutingPolicyView {
  task_type!: string;
  strategy!: RoutingStrategy;
  retry_strategy!: RetryStrategyDto;
  /** Weight of cost in `learned` routing (0: ignored; default 1). */
  cost_weight!: number;
  /** Result cache time to live, seconds (0: off). */
  cache_ttl_s!: number;
  updated_at!: string | null;
}

/** `GET /routing/policies`. */
@ApiSchema({ name: 'RoutingPolicies' })
export class RoutingPoliciesDto {
  default!: RoutingPolicyViewDto;
  policies!: RoutingPolicyViewDto[];
}

/** `GET /routing/stats` (seed 002 `get_routing_stats`). */
@ApiSchema({ name: 'RoutingStats' })
export class RoutingStatsDto implements RoutingStats {
  total_routes!: number;
  /** Service → routes where it was primary. */
  @ApiProperty({ ...NUMBER_MAP, example: { 'email-ai': 400, 'content-ai': 600 } })
  service_distribution!: Record<string, number>;
  /** Service → failed calls. */
  @ApiProperty(NUMBER_MAP)
  failures!: Record<string, number>;
  fallbacks_used!: number;
  /** Service → breaker state (worst over runtime replicas). */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', enum: ['closed', 'open', 'half_open'] } })
  breaker_states!: Record<string, BreakerState>;
  /** Strategy → routes. */
  @ApiProperty(NUMBER_MAP)
  by_strategy!: Record<string, number>;
  since!: string;
}

/** A module (seed 002 component 5 `get_module_status`). */
@ApiSchema({ name: 'Module' })
export class ModuleViewDto implements ModuleView {
  name!: string;
  kind!: 'service' | 'builtin';
  category!: string;
  enabled!: boolean;
  depends_on!: string[];
  /** Enabled modules depending on this one. */
  required_by!: string[];
  health!: HealthState;
  capabilities!: string[];
  endpoint!: string | null;
}

/** `GET /modules`. */
@ApiSchema({ name: 'ModuleList' })
export class ModuleListDto {
  modules!: ModuleViewDto[];
}

/** `GET /modules/health` (seed `get_health_summary`). */
@ApiSchema({ name: 'ModuleHealthSummary' })
export class ModuleHealthSummaryDto implements ModuleHealthSummary {
  total_modules!: number;
  enabled!: number;
  /** Enabled and healthy. */
  healthy!: number;
  degraded!: number;
  unhealthy!: number;
  disabled!: number;
}

/** `GET /modules/by-category` (seed `get_modules_by_category`). */
@ApiSchema({ name: 'ModulesByCategory' })
export class ModulesByCategoryDto implements ModulesByCategory {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { $ref: '#/components/schemas/Module' } } })
  categories!: Record<string, ModuleViewDto[]>;
}

/** A candidate as the brain's decision rule saw it. */
@ApiSchema({ name: 'DecisionAlternative' })
export class DecisionAlternativeDto implements DecisionAlternative {
  service!: string;
  /** Posterior mean success rate. */
  expected_success!: number;
  mean_latency_ms!: number | null;
  /** Results seen in the learning window. */
  samples!: number;
  /** The Thompson draw used (success draw × latency utility × cost utility). */
  sampled_score!: number;
  /** Expected cost of one successful call, USD (null: unknown or free). */
  @ApiProperty({ type: Number, nullable: true, required: false })
  expected_cost_usd?: number | null;
}

/** Resources allocated by a decision. */
@ApiSchema({ name: 'DecisionResourcesAllocated' })
export class DecisionResourcesDto {
  /** CPU cores. */
  cpu!: number;
  /** Memory, MiB. */
  memory!: number;
}

/** `POST /decisions` (seed 002 `make_decision`). */
@ApiSchema({ name: 'Decision' })
export class DecisionDto implements Decision {
  decision_id!: string;
  task_type!: string;
  selected_service!: string;
  /** critical 4, high 3, normal 2, low 1. */
  priority_level!: number;
  /** 0.7 with no history; grows with evidence. */
  confidence!: number;
  reasoning!: string;
  alternatives!: DecisionAlternativeDto[];
  selected!: DecisionAlternativeDto;
  resources!: DecisionResourcesDto;
  /** `thompson_sampling`. */
  rule!: string;
  decided_at!: string;
}

/** Learned statistics of a (task type, service). */
@ApiSchema({ name: 'LearnedStat' })
export class LearnedStatDto {
  task_type!: string;
  service!: string;
  samples!: number;
  success_rate!: number;
  mean_latency_ms!: number | null;
}

/** `GET /brain/performance` (seed 002 `get_performance_summary`). */
@ApiSchema({ name: 'BrainPerformance' })
export class BrainPerformanceDto implements BrainPerformance {
  total_decisions!: number;
  task_types_learned!: number;
  average_confidence!: number | null;
  @ApiProperty(NUMBER_MAP)
  decisions_by_type!: Record<string, number>;
  learned!: LearnedStatDto[];
  rule!: string;
  /** Learning window, seconds. */
  window_s!: number;
}
