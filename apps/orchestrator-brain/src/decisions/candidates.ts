import { ApiaryError, isBuiltinTaskType, ListServicesReply, ListServicesRequest, ROUTER_SERVICE_LIST } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import { TtlCache } from './ttl-cache';

/** The services a decision may choose from, and where they came from. */
export interface CandidateSet {
  services: string[];
  /** `request`: given by the caller; `router`: registered services; `builtin`: the built-in handler. */
  source: 'request' | 'router' | 'builtin';
}

/** Where decisions find the candidates of a task type when the request names none. */
export interface CandidateSource {
  /**
   * @returns the enabled, not unhealthy services offering the task type, or its
   *   built-in handler
   * @throws ApiaryError `NO_CAPABLE_SERVICE` when there is none; the router's
   *   error (`SERVICE_UNAVAILABLE`, `UPSTREAM_TIMEOUT`) when it cannot be asked
   */
  candidates(taskType: string): Promise<CandidateSet>;
}

/**
 * Candidates from task-router's service registry (`apiary.router.services.list`
 * `{ capability }`): the enabled services whose health is not `unhealthy`
 * (seed 002 "Only route to healthy services"; `degraded` ones stay candidates). A
 * built-in task type no registered service offers has its built-in handler as
 * the single candidate, named like the type. One router request per task type per
 * TTL, shared by concurrent decisions; failures are not cached.
 */
export class RouterCandidateSource implements CandidateSource {
  private readonly cache: TtlCache<CandidateSet>;

  /**
   * @param rpc NATS request/reply client
   * @param ttlMs how long one answer per task type is reused, ms
   * @param timeoutMs reply timeout of the router, ms
   * @param now clock, ms (injected for tests)
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    ttlMs: number,
    private readonly timeoutMs: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(ttlMs, now);
  }

  /** {@inheritDoc CandidateSource.candidates} */
  candidates(taskType: string): Promise<CandidateSet> {
    return this.cache.get(taskType, async () => {
      const req: ListServicesRequest = { capability: taskType };
      const reply = await this.rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, req, { timeoutMs: this.timeoutMs });
      const offering = reply.services.filter((s) => s.capabilities.includes(taskType));
      const usable = offering.filter((s) => s.enabled && s.status !== 'unhealthy').map((s) => s.service_name);
      if (usable.length > 0) return { services: usable, source: 'router' };
      if (offering.length === 0 && isBuiltinTaskType(taskType)) return { services: [taskType], source: 'builtin' };
      throw new ApiaryError(
        'NO_CAPABLE_SERVICE',
        offering.length === 0
          ? `No service offers task type ${taskType}`
          : `No enabled, healthy service offers task type ${taskType} (${offering.map((s) => `${s.service_name}: ${s.enabled ? s.status : 'disabled'}`).join(', ')})`,
        { task_type: taskType },
      );
    });
  }
}
