import { IsArray, IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel } from '../common/task';
import { MODEL_CLASSES, MODEL_NAME_MAX_LENGTH, ModelClass, ModelPricing, ServiceLimits, ServiceProtocol } from '../ai/llm';

/**
 * Routing of a task to a registered service (seed 002 component 2 "Routing
 * Strategy": capable services → healthy ones → load balancing → primary and
 * fallbacks → retry strategy; "Retry Strategies"; "Load Balancing Strategies").
 */

/** Load-balancing strategies. `learned` asks the brain (Thompson sampling on memory's statistics). */
export const ROUTING_STRATEGIES = ['round_robin', 'random', 'least_loaded', 'learned'] as const;
/** One of {@link ROUTING_STRATEGIES}. */
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** Backoff kinds (seed 002 "Retry Strategies"): exponential 1 s, 2 s, 4 s…; linear 5 s, 10 s, 15 s…; none. */
export const BACKOFF_KINDS = ['exponential', 'linear', 'none'] as const;
/** One of {@link BACKOFF_KINDS}. */
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** How the `http` handler retries a failed call before moving to the next fallback. */
export interface RetryStrategy {
  /** Retries per service after the first call (seed default 3). */
  max_retries: number;
  backoff: BackoffKind;
  /** Per-call timeout, seconds (seed 002 field name and unit; default 30). */
  timeout: number;
  /** First delay, ms (exponential default 1,000; linear default 5,000). */
  base_delay_ms: number;
}

/** Subject: route one task. {@link RouteRequest} → {@link RouteDecision}; `NO_CAPABLE_SERVICE`, `NO_HEALTHY_SERVICE`. */
export const ROUTER_ROUTE = 'apiary.router.route';
/** Subject: routing statistics. `{}` → {@link RoutingStats}. */
export const ROUTER_STATS = 'apiary.router.stats';
/** Subject: set the routing policy of a task type. {@link SetRoutingPolicyRequest} → {@link RoutingPolicyView}. */
export const ROUTER_POLICY_SET = 'apiary.router.policies.set';
/** Subject: routing policies. `{}` → `{ default: RoutingPolicyView, policies: RoutingPolicyView[] }`. */
export const ROUTER_POLICY_LIST = 'apiary.router.policies.list';
/**
 * Core-NATS subject (fire and forget) on which bot-runtime reports, in batches, the
 * outcome of routed calls and its breakers' state changes. Payload {@link CallOutcomesEvent}.
 */
export const ROUTER_CALL_OUTCOMES = 'apiary.router.outcomes';

/** `POST /route` body (seed 002 `route_task`). */
export class RouteRequest {
  /** Task type = capability to route. */
  @IsDefined() @IsString() @MaxLength(128)
  task_type!: string;
  /** Overrides the type's policy strategy. */
  @IsOptional() @IsIn(ROUTING_STRATEGIES)
  strategy?: RoutingStrategy;
  /** Priority of the task (passed to the brain for `learned`). */
  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;
  /** Task being routed, for the record (absent for inspection requests). */
  @IsOptional() @IsString() @MaxLength(64)
  task_id?: string;
  /**
   * Whether this decision counts as a routed call (in-flight, stats). `POST /route`
   * sends false (inspection); bot-runtime sends true.
   */
  @IsOptional()
  track?: boolean;
  /** Services to leave out (e.g. ones whose breaker is open on the caller). */
  @IsOptional() @IsArray() @IsString({ each: true })
  exclude?: string[];
  /** `llm.chat`: only (service, model) pairs serving this model are candidates. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(MODEL_NAME_MAX_LENGTH)
  model?: string;
  /** `llm.chat`: only models of this class are candidates. */
  @IsOptional() @IsIn(MODEL_CLASSES)
  model_class?: ModelClass;
}

/**
 * A service to call: name and base endpoint; for an `openai` service also the model
 * chosen and what the caller needs to call it (docs/ai-work.md "Routing").
 */
export interface RouteTarget {
  service_name: string;
  endpoint: string;
  /** Wire protocol (absent: `process`). */
  protocol?: ServiceProtocol;
  /** Model to ask for (`openai`). */
  model?: string;
  /** Its class, when declared. */
  model_class?: ModelClass | null;
  /** Its price, USD per million tokens, when declared. */
  price?: ModelPricing | null;
  /** The service's limits (absent or empty: none). */
  limits?: ServiceLimits;
  /** Environment variable holding the API key on bot-runtime. */
  api_key_env?: string | null;
  /** The service is paused by its provider's 429 until then (ISO-8601): not called before. */
  throttled_until?: string;
}

/**
 * The arm a target is learned as: the service name, or `service/model` for a model
 * of an `openai` service (each pair is a candidate of its own).
 * @param target a route target
 */
export function armOf(target: Pick<RouteTarget, 'service_name' | 'model'>): string {
  return target.model ? `${target.service_name}/${target.model}` : target.service_name;
}

/** Reply of {@link ROUTER_ROUTE} (seed 002 "Complete Flow Example" step 3, extended). */
export interface RouteDecision {
  /** Id of this decision; outcomes refer to it. */
  route_id: string;
  task_type: string;
  primary_service: string;
  /** Primary's base endpoint; the call is `POST {endpoint}/process`. */
  endpoint: string;
  /** Fallback service names, in the order they are tried. */
  fallback_services: string[];
  /** Fallbacks with their endpoints, same order. */
  fallbacks: RouteTarget[];
  /** The primary's full target (model, protocol, price, limits). */
  primary?: RouteTarget;
  strategy: RoutingStrategy;
  retry_strategy: RetryStrategy;
  /** Why this primary (strategy, health filtering, the brain's reasoning for `learned`). */
  reasoning: string;
  /** Brain confidence for `learned`; null otherwise. */
  confidence: number | null;
  decided_at: string;
}

/** `PUT /routing/policies/{task_type}` body: per task-type strategy and retries; omitted fields keep their value. */
export class SetRoutingPolicyRequest {
  /** Task type the policy applies to, or `*` for the default. */
  @IsDefined() @IsString() @MaxLength(128)
  task_type!: string;
  @IsOptional() @IsIn(ROUTING_STRATEGIES)
  strategy?: RoutingStrategy;
  /** 0..10. */
  @IsOptional() @IsInt() @Min(0) @Max(10)
  max_retries?: number;
  @IsOptional() @IsIn(BACKOFF_KINDS)
  backoff?: BackoffKind;
  /** Per-call timeout, seconds, 1..300. */
  @IsOptional() @IsInt() @Min(1) @Max(300)
  timeout?: number;
  /** First backoff delay, ms, 0..60,000. */
  @IsOptional() @IsInt() @Min(0) @Max(60_000)
  base_delay_ms?: number;
  /**
   * Weight of cost in the `learned` strategy (0 = ignore cost; default 1): the
   * draw is multiplied by (cheapest cost / this arm's cost) ^ cost_weight. 0..10.
   */
  @IsOptional() @IsNumber() @Min(0) @Max(10)
  cost_weight?: number;
  /**
   * Result cache time to live, seconds (0 = no cache, the default; up to 30 days): a
   * task of the type with the same canonical data within it succeeds with the stored result.
   */
  @IsOptional() @IsInt() @Min(0) @Max(2_592_000)
  cache_ttl_s?: number;
}

/** Cost weight of a policy that sets none. */
export const DEFAULT_COST_WEIGHT = 1;

/** Routing policy of a task type (or the default, `task_type: "*"`). */
export interface RoutingPolicyView {
  task_type: string;
  strategy: RoutingStrategy;
  retry_strategy: RetryStrategy;
  /** Weight of cost in `learned` routing (0: ignored). */
  cost_weight: number;
  /** Result cache time to live, seconds (0: off). */
  cache_ttl_s: number;
  updated_at: string | null;
}

/** Circuit-breaker states (cockatiel: closed → open → half-open → closed). */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** One routed call's outcome, reported by bot-runtime. */
export interface CallOutcome {
  route_id: string;
  task_id: string;
  task_type: string;
  service_name: string;
  success: boolean;
  latency_ms: number;
  error_code?: string;
  /** The call went to a fallback, not the primary. */
  fallback: boolean;
  /** Last call of this route (the route is finished: in-flight released). */
  final: boolean;
  /** Model called (`openai` services). */
  model?: string;
  /** The provider answered 429 (or the call waited for quota): not a failure of the service. */
  throttled?: boolean;
}

/** Payload of {@link ROUTER_CALL_OUTCOMES}. */
export interface CallOutcomesEvent {
  /** bot-runtime replica id. */
  runner: string;
  outcomes: CallOutcome[];
  /** Breaker state changes since the last report (per service, on this replica). */
  breakers: { service_name: string; state: BreakerState; at: string }[];
}

/** Reply of {@link ROUTER_STATS} (seed 002 `get_routing_stats`, extended). */
export interface RoutingStats {
  total_routes: number;
  /** Service → routes where it was primary. */
  service_distribution: Record<string, number>;
  /** Service → failed calls. */
  failures: Record<string, number>;
  /** Calls that went to a fallback service. */
  fallbacks_used: number;
  /** Service → worst breaker state over runtime replicas (`open` if any replica's is open). */
  breaker_states: Record<string, BreakerState>;
  /** Strategy → routes. */
  by_strategy: Record<string, number>;
  /** Since when the counters run (router start or persisted origin). */
  since: string;
}
