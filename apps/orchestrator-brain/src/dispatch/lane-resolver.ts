import { ROUTER_ROUTE_TYPES, RouteTypesReply, TypeRoute } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';

/** Routes of task types: known ones by type, unknown ones, and known types whose module is disabled. */
export interface LaneResolution {
  routes: Map<string, TypeRoute>;
  unknown: string[];
  /** Types whose module (built-in handler or every capable service) is disabled: refused at submit. */
  disabled: string[];
}

/** Resolves task types to lanes (port of the brain; the task-router answers). */
export interface LaneResolver {
  /**
   * @param types distinct task types
   * @returns a route per known, enabled type; the unknown types; the disabled ones
   * @throws ApiaryError `SERVICE_UNAVAILABLE` / `UPSTREAM_TIMEOUT` when the router is down
   */
  resolve(types: string[]): Promise<LaneResolution>;
}

/**
 * {@link LaneResolver} asking task-router over `apiary.router.route-types`, with a
 * short cache (routes change rarely; one request per batch, not per task).
 */
export class RouterLaneResolver implements LaneResolver {
  private readonly cache = new Map<string, { route: TypeRoute; until: number }>();

  /**
   * @param rpc NATS RPC client
   * @param ttlMs how long a route is reused, ms
   * @param now clock, ms since epoch
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(types: string[]): Promise<LaneResolution> {
    const routes = new Map<string, TypeRoute>();
    const missing: string[] = [];
    const t = this.now();
    for (const type of new Set(types)) {
      const hit = this.cache.get(type);
      if (hit && hit.until > t) routes.set(type, hit.route);
      else missing.push(type);
    }
    if (missing.length === 0) return { routes, unknown: [], disabled: [] };
    const reply = await this.rpc.request<RouteTypesReply>(ROUTER_ROUTE_TYPES, { task_types: missing });
    for (const route of reply.routes) {
      routes.set(route.task_type, route);
      this.cache.set(route.task_type, { route, until: t + this.ttlMs });
    }
    return { routes, unknown: reply.unknown, disabled: reply.disabled ?? [] };
  }
}
