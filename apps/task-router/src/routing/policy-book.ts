import { BackoffKind, DEFAULT_COST_WEIGHT, RetryStrategy, RoutingPolicyView, RoutingStrategy } from '@apiary/contracts';
import type { PolicyRow } from '@apiary/persistence';

/** Task type of the default policy. */
export const DEFAULT_POLICY_TYPE = '*';

/** Seed 002 "Retry Strategies": 3 retries, exponential backoff, 30 s per call. */
export const SEED_RETRY: Omit<RetryStrategy, 'base_delay_ms'> = { max_retries: 3, backoff: 'exponential', timeout: 30 };

/**
 * First backoff delay of a kind when none is set (seed 002 "Retry Strategies").
 * @returns ms: exponential 1,000 (1 s, 2 s, 4 s…), linear 5,000 (5 s, 10 s, 15 s…), none 0
 */
export function defaultBaseDelayMs(backoff: BackoffKind): number {
  switch (backoff) {
    case 'exponential':
      return 1000;
    case 'linear':
      return 5000;
    case 'none':
      return 0;
  }
}

/**
 * Delay before retry number `retry` (1-based) of one service.
 * @returns ms: exponential `base × 2^(retry−1)`, linear `base × retry`, none 0
 */
export function backoffDelayMs(strategy: RetryStrategy, retry: number): number {
  switch (strategy.backoff) {
    case 'exponential':
      return strategy.base_delay_ms * 2 ** (retry - 1);
    case 'linear':
      return strategy.base_delay_ms * retry;
    case 'none':
      return 0;
  }
}

/**
 * Longest a routed task can keep calling services under a retry strategy: for each
 * of `services` (primary and fallbacks), `max_retries + 1` calls of up to `timeout`
 * seconds and the backoff delays between them; plus `slackMs`. Tracked routes not
 * reported finished by then stop counting as in flight.
 * @returns ms
 */
export function routeDurationBoundMs(strategy: RetryStrategy, services: number, slackMs = 60_000): number {
  let perService = (strategy.max_retries + 1) * strategy.timeout * 1000;
  for (let r = 1; r <= strategy.max_retries; r++) perService += backoffDelayMs(strategy, r);
  return Math.max(1, services) * perService + slackMs;
}

/**
 * Routing policies in force (docs/architecture.md "Routing to AI services": per
 * task type strategy, retry strategy, cost weight and result cache TTL, persisted). A type's unset fields come from the default policy (`*`), whose unset
 * fields come from the environment's strategy and seed 002's retry strategy. An
 * unset `base_delay_ms` follows the backoff kind (1 s exponential, 5 s linear) unless
 * the type keeps the default's backoff kind, in which case it keeps the default's delay.
 */
export class PolicyBook {
  private readonly rows: Map<string, PolicyRow>;
  private readonly resolved = new Map<string, RoutingPolicyView>();

  /**
   * @param rows stored policies
   * @param envStrategy strategy of the default policy when none is stored (`APIARY_ROUTING_STRATEGY`)
   */
  constructor(rows: PolicyRow[], private readonly envStrategy: RoutingStrategy) {
    this.rows = new Map(rows.map((r) => [r.task_type, r]));
  }

  /** @returns the default policy (`task_type: "*"`) */
  defaultPolicy(): RoutingPolicyView {
    return this.resolve(DEFAULT_POLICY_TYPE);
  }

  /** @returns every stored per-type policy (not the default), resolved, by task type */
  typePolicies(): RoutingPolicyView[] {
    return [...this.rows.keys()].filter((t) => t !== DEFAULT_POLICY_TYPE).sort().map((t) => this.resolve(t));
  }

  /**
   * @param taskType a task type, or `*`
   * @returns its policy; a type without a stored policy gets the default's values
   *   under its own name (updated_at null)
   */
  resolve(taskType: string): RoutingPolicyView {
    const hit = this.resolved.get(taskType);
    if (hit) return hit;
    const def = this.rows.get(DEFAULT_POLICY_TYPE);
    const own = taskType === DEFAULT_POLICY_TYPE ? undefined : this.rows.get(taskType);
    const defBackoff = def?.backoff ?? SEED_RETRY.backoff;
    const backoff = own?.backoff ?? defBackoff;
    const inheritedDelay = own?.backoff == null || own.backoff === defBackoff ? def?.base_delay_ms : null;
    const view: RoutingPolicyView = {
      task_type: taskType,
      strategy: own?.strategy ?? def?.strategy ?? this.envStrategy,
      retry_strategy: {
        max_retries: own?.max_retries ?? def?.max_retries ?? SEED_RETRY.max_retries,
        backoff,
        timeout: own?.timeout_s ?? def?.timeout_s ?? SEED_RETRY.timeout,
        base_delay_ms: own?.base_delay_ms ?? inheritedDelay ?? defaultBaseDelayMs(backoff),
      },
      cost_weight: own?.cost_weight ?? def?.cost_weight ?? DEFAULT_COST_WEIGHT,
      cache_ttl_s: own?.cache_ttl_s ?? def?.cache_ttl_s ?? 0,
      updated_at: (taskType === DEFAULT_POLICY_TYPE ? def : own)?.updated_at?.toISOString() ?? null,
    };
    this.resolved.set(taskType, view);
    return view;
  }
}
