import { ROUTER_ROUTE, RouteDecision, RouteRequest } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';

/** Where {@link RoutedCaller} gets its route: task-router, or a fake in unit specs. */
export interface RouteSource {
  /**
   * Routes one task.
   * @returns the decision: primary, fallbacks, retry strategy
   * @throws ApiaryError `NO_CAPABLE_SERVICE`, `NO_HEALTHY_SERVICE`, `SERVICE_UNAVAILABLE`
   *   (router down), `UPSTREAM_TIMEOUT` (no reply in time), or any code the router replies with
   */
  route(request: RouteRequest): Promise<RouteDecision>;
}

/** {@link RouteSource} over NATS: request/reply on `apiary.router.route` (task-router). */
export class NatsRouteSource implements RouteSource {
  /**
   * @param rpc RPC client on the runtime's NATS connection
   * @param timeoutMs reply timeout, ms (env `APIARY_ROUTER_TIMEOUT_MS`)
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly timeoutMs: number,
  ) {}

  /** @inheritdoc */
  route(request: RouteRequest): Promise<RouteDecision> {
    return this.rpc.request<RouteDecision>(ROUTER_ROUTE, request, { timeoutMs: this.timeoutMs });
  }
}
