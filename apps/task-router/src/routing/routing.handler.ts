import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  RouteDecision,
  RouteRequest,
  ROUTER_POLICY_LIST,
  ROUTER_POLICY_SET,
  ROUTER_ROUTE,
  ROUTER_ROUTE_TYPES,
  ROUTER_STATS,
  RouteTypesReply,
  RouteTypesRequest,
  RoutingPolicyView,
  RoutingStats,
  SetRoutingPolicyRequest,
} from '@apiary/contracts';
import { SnapshotStore } from '../registry/snapshot-store';
import { RoutingStatsService } from '../stats/routing-stats.service';
import { LaneCatalog } from './lane-catalog';
import { PolicyService } from './policy.service';
import { RouteService } from './route.service';

/** NATS entry of routing (`apiary.router.route-types`, `.route`, `.stats`, `.policies.*`). */
@Controller()
export class RoutingHandler {
  constructor(
    private readonly catalog: LaneCatalog,
    @Inject(SnapshotStore) private readonly snapshots: SnapshotStore,
    private readonly router: RouteService,
    private readonly stats: RoutingStatsService,
    private readonly policies: PolicyService,
  ) {}

  /** Resolves task types to lanes; unknown and disabled types are listed, not thrown. */
  @MessagePattern(ROUTER_ROUTE_TYPES)
  routeTypes(@Payload() req: RouteTypesRequest): RouteTypesReply {
    return this.catalog.routeAll(req.task_types, this.snapshots.current);
  }

  /** Routes one task. @throws ApiaryError NO_CAPABLE_SERVICE, NO_HEALTHY_SERVICE */
  @MessagePattern(ROUTER_ROUTE)
  route(@Payload() req: RouteRequest): Promise<RouteDecision> {
    return this.router.route(req);
  }

  /** Routing statistics summed over replicas. */
  @MessagePattern(ROUTER_STATS)
  routingStats(): Promise<RoutingStats> {
    return this.stats.stats();
  }

  /** Sets (persists) a task type's policy, `*` for the default. */
  @MessagePattern(ROUTER_POLICY_SET)
  setPolicy(@Payload() req: SetRoutingPolicyRequest): Promise<RoutingPolicyView> {
    return this.policies.set(req);
  }

  /** The default policy and every per-type one. */
  @MessagePattern(ROUTER_POLICY_LIST)
  listPolicies(): { default: RoutingPolicyView; policies: RoutingPolicyView[] } {
    return this.policies.list();
  }
}
