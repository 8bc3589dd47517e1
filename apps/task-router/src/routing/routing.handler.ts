import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ROUTER_ROUTE_TYPES, RouteTypesReply, RouteTypesRequest } from '@apiary/contracts';
import { LaneCatalog } from './lane-catalog';

/** NATS entry of routing (`apiary.router.route-types`). */
@Controller()
export class RoutingHandler {
  constructor(private readonly catalog: LaneCatalog) {}

  /** Resolves task types to lanes; unknown types are listed, not thrown. */
  @MessagePattern(ROUTER_ROUTE_TYPES)
  routeTypes(@Payload() req: RouteTypesRequest): RouteTypesReply {
    return this.catalog.routeAll(req.task_types);
  }
}
