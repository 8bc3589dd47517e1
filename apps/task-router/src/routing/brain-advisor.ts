import { BRAIN_DECIDE, Decision, DecisionRequest } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import type { BrainAdvisor } from './route.service';

/** {@link BrainAdvisor} over NATS: `apiary.brain.decide` with a short timeout. */
export class NatsBrainAdvisor implements BrainAdvisor {
  /**
   * @param rpc NATS request client
   * @param timeoutMs reply timeout, ms (`APIARY_LEARNED_TIMEOUT_MS`)
   */
  constructor(
    private readonly rpc: NatsRpcClient,
    private readonly timeoutMs: number,
  ) {}

  /** @throws ApiaryError SERVICE_UNAVAILABLE, UPSTREAM_TIMEOUT, or the brain's error */
  decide(req: DecisionRequest): Promise<Decision> {
    return this.rpc.request<Decision>(BRAIN_DECIDE, req, { timeoutMs: this.timeoutMs });
  }
}
