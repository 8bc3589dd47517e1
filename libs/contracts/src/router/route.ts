import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsString, MaxLength } from 'class-validator';

/**
 * Subject: resolve the lane (JetStream work subject) of task types.
 * Request {@link RouteTypesRequest}, reply {@link RouteTypesReply}.
 * The brain's outbox relay publishes to the returned subjects.
 */
export const ROUTER_ROUTE_TYPES = 'apiary.router.route-types';

/** Request of {@link ROUTER_ROUTE_TYPES}: distinct task types (1..1,000). */
export class RouteTypesRequest {
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  task_types!: string[];
}

/** Route of one task type. */
export interface TypeRoute {
  task_type: string;
  /** Lane name: the task type with `.` replaced by `_`. */
  lane: string;
  /** JetStream subject the work is published on, `apiary.work.<lane>`. */
  subject: string;
  /** Handler that runs it on bot-runtime (`http` for a registered-service capability). */
  handler: string;
  /** `builtin`: a bot-runtime handler serves the type; `service`: registered HTTP services do. */
  kind: 'builtin' | 'service';
  /**
   * Whether tasks of the type call registered services (a `service` capability, or
   * `llm.chat`): their provider limits gate dispatch (docs/ai-work.md "Rate limits").
   */
  routed?: boolean;
  /** Result cache time to live of the type's routing policy, seconds (0 or absent: no cache). */
  cache_ttl_s?: number;
}

/** Reply of {@link ROUTER_ROUTE_TYPES}. */
export interface RouteTypesReply {
  routes: TypeRoute[];
  /** Types no handler or registered capability serves. */
  unknown: string[];
  /** Known types whose module (built-in handler, or every capable service) is disabled. */
  disabled?: string[];
}
