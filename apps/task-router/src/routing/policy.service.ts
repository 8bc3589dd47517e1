import type { RoutingPolicyView, SetRoutingPolicyRequest } from '@apiary/contracts';
import type { RoutingPolicyRepository } from '@apiary/persistence';
import type { RouterSnapshot } from '../registry/router-snapshot';

/**
 * Routing policies set through the API (issue 4: strategy, `max_retries`, backoff,
 * timeout and first delay per task type, `*` for the default), persisted; fields not
 * given keep their value. The replica that takes a change reloads its snapshot before
 * replying; the others follow within one refresh interval.
 */
export class PolicyService {
  /**
   * @param repo stored policies
   * @param snapshot the routing snapshot in force
   * @param afterWrite reloads the snapshot
   */
  constructor(
    private readonly repo: Pick<RoutingPolicyRepository, 'upsert'>,
    private readonly snapshot: () => RouterSnapshot,
    private readonly afterWrite: () => Promise<void>,
  ) {}

  /** @returns the policy in force after the change */
  async set(req: SetRoutingPolicyRequest): Promise<RoutingPolicyView> {
    await this.repo.upsert({
      task_type: req.task_type,
      strategy: req.strategy,
      max_retries: req.max_retries,
      backoff: req.backoff,
      timeout_s: req.timeout,
      base_delay_ms: req.base_delay_ms,
      cost_weight: req.cost_weight,
      cache_ttl_s: req.cache_ttl_s,
    });
    await this.afterWrite();
    return this.snapshot().policies.resolve(req.task_type);
  }

  /** @returns the default policy and every stored per-type policy */
  list(): { default: RoutingPolicyView; policies: RoutingPolicyView[] } {
    const book = this.snapshot().policies;
    return { default: book.defaultPolicy(), policies: book.typePolicies() };
  }
}
