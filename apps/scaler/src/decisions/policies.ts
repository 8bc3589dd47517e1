import type { ScalingPolicyName, ScalingRuleView } from '@apiary/contracts';

/**
 * A horizontal scaling policy (seed 000 `HorizontalScalingManager.scaling_policies`).
 * Thresholds are percent (the seed's 0.7 is 70).
 */
export interface ScalingPolicy {
  name: ScalingPolicyName;
  /** Scale up above this CPU (and utilisation), %: the seed's `cpu_threshold`. */
  cpu_threshold: number;
  /** Scale down below this, %: the seed's `scale_down_threshold`. */
  scale_down_threshold: number;
  /** Replicas × factor on scale-up, or `calculated` from backlog and throughput. */
  scale_up_factor: number | 'calculated';
  min_instances: number;
  /** Most replicas the policy allows, or `unlimited` (then the scaler's maximum). */
  max_instances: number | 'unlimited';
  /** Scale up ahead of a rising backlog (seed: `ml_based_prediction` of `auto`). */
  predictive: boolean;
}

/**
 * The three policies of seed 000. `auto`'s "dynamic thresholds" are its calculated
 * replica count: it steps to the number the backlog needs, not by a fixed factor;
 * its rule thresholds (75/25) sit between the two others.
 */
export const POLICIES: Readonly<Record<ScalingPolicyName, ScalingPolicy>> = {
  aggressive: { name: 'aggressive', cpu_threshold: 70, scale_down_threshold: 30, scale_up_factor: 2.0, min_instances: 1, max_instances: 10, predictive: false },
  conservative: { name: 'conservative', cpu_threshold: 80, scale_down_threshold: 20, scale_up_factor: 1.5, min_instances: 1, max_instances: 5, predictive: false },
  auto: { name: 'auto', cpu_threshold: 75, scale_down_threshold: 25, scale_up_factor: 'calculated', min_instances: 1, max_instances: 'unlimited', predictive: true },
};

/**
 * Replicas after a scale-up from `current` (before bounds):
 * - aggressive: max(ceil(current × 2), target);
 * - conservative: ceil(current × 1.5), but no more than the target when one is known;
 * - auto: the calculated target.
 * Always at least current + 1.
 * @param target replicas the backlog needs (null when unknown)
 */
export function scaleUpTo(policy: ScalingPolicy, current: number, target: number | null): number {
  const atLeast = current + 1;
  if (policy.scale_up_factor === 'calculated') return Math.max(atLeast, target ?? atLeast);
  const stepped = Math.ceil(current * policy.scale_up_factor - 1e-9);
  if (policy.name === 'conservative') return Math.max(atLeast, Math.min(stepped, target ?? stepped));
  return Math.max(atLeast, stepped, target ?? 0);
}

/**
 * Replicas after a scale-down from `current` (before bounds), never below what
 * the backlog needs (`target`):
 * - aggressive: straight to the target (current − 1 when unknown);
 * - conservative: current − 1;
 * - auto: the target, but at most halving per step.
 * @returns the new count, or `current` when the target forbids scaling down
 */
export function scaleDownTo(policy: ScalingPolicy, current: number, target: number | null): number {
  if (target !== null && target >= current) return current;
  const oneLess = current - 1;
  switch (policy.name) {
    case 'aggressive':
      return Math.max(0, Math.min(oneLess, target ?? oneLess));
    case 'conservative':
      return Math.max(0, oneLess);
    case 'auto':
      return Math.max(0, Math.min(oneLess, Math.max(target ?? 0, Math.ceil(current / 2))));
  }
}

/** Settings that shape the default rules. */
export interface DefaultRuleSettings {
  minReplicas: number;
  maxReplicas: number;
  /** Seconds. */
  cooldownS: number;
  /** Seconds. */
  evaluationS: number;
  /** Seconds the backlog should take to drain. */
  drainTargetS: number;
}

/**
 * The rules in force while none is stored, from the policy (seed 003's
 * `cpu_scaling` example and seed 000's thresholds):
 * - `cpu`: CPU above the policy's `cpu_threshold` / below its `scale_down_threshold`;
 * - `utilisation`: task slots busy, same thresholds;
 * - `backlog`: time to drain the backlog at the pool's capacity above the drain
 *   target / below a quarter of it (at most 5 s).
 */
export function defaultRules(policy: ScalingPolicy, s: DefaultRuleSettings): ScalingRuleView[] {
  const common = {
    min_instances: Math.max(s.minReplicas, 0),
    max_instances: policy.max_instances === 'unlimited' ? s.maxReplicas : Math.min(policy.max_instances, s.maxReplicas),
    cooldown_period: s.cooldownS,
    evaluation_period: s.evaluationS,
    enabled: true,
    source: 'default' as const,
    created_at: null,
    updated_at: null,
  };
  return [
    { name: 'cpu', metric: 'cpu_percent', scale_up_threshold: policy.cpu_threshold, scale_down_threshold: policy.scale_down_threshold, ...common },
    { name: 'utilisation', metric: 'utilisation_percent', scale_up_threshold: policy.cpu_threshold, scale_down_threshold: policy.scale_down_threshold, ...common },
    { name: 'backlog', metric: 'backlog_drain_s', scale_up_threshold: s.drainTargetS, scale_down_threshold: Math.min(5, s.drainTargetS / 4), ...common },
  ];
}
