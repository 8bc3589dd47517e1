import type { BacklogPrediction, ReplicaTarget, ScalingAction, ScalingDecision, ScalingPolicyName, ScalingReason, ScalingRuleView } from '@apiary/contracts';
import { POLICIES, scaleDownTo, scaleUpTo } from './policies';
import { countVotes, evaluateRule, formatNumber } from './rule-evaluation';
import type { MetricValues, SampleWindow } from './sample-window';
import { computeTarget } from './target';
import { fitLine } from './trend';

/** Scaler-wide settings of the decision. */
export interface EngineSettings {
  /** Hard floor of replicas (`APIARY_SCALER_MIN_REPLICAS`). */
  minReplicas: number;
  /** Hard ceiling of replicas (`APIARY_SCALER_MAX_REPLICAS`). */
  maxReplicas: number;
  /** Seconds the backlog should take to drain (`APIARY_SCALER_DRAIN_TARGET_S`). */
  drainTargetS: number;
  /** Seconds ahead the backlog trend is projected (`APIARY_SCALER_PREDICT_HORIZON_S`). */
  predictHorizonS: number;
  /** Seconds of samples the trend is fitted over (`APIARY_SCALER_EVALUATION_S`). */
  predictWindowS: number;
}

/** Everything one decision depends on; no I/O, no clock of its own. */
export interface EngineInput {
  /** Epoch ms. */
  now: number;
  /** Replicas now, as the driver counts them. */
  current: number;
  rules: readonly ScalingRuleView[];
  policy: ScalingPolicyName;
  /** Samples so far, the newest being the current values. */
  window: SampleWindow;
  /** Last applied scaling action, epoch ms (null: none). */
  lastScaleAt: number | null;
  /** Tasks one replica finishes per second with every slot busy, and where that comes from. */
  capacity: { perReplica: number | null; source: ReplicaTarget['capacity_source'] };
  /** Tasks arriving per second (null: unknown). */
  arrivalsPerS: number | null;
  driver: string;
  dryRun: boolean;
  settings: EngineSettings;
}

/** Fewest samples the trend needs (seed 003: "if len(self.scaling_history) < 3: no trend"). */
export const MIN_TREND_SAMPLES = 3;
/** Least R² for the trend to be acted on: a steady rise, not one jump. */
export const MIN_TREND_R2 = 0.9;

/**
 * The scaling decision (seed 003 `AutoScaler.evaluate_scaling`, seed 000 policies):
 * 1. every rule votes ({@link evaluateRule});
 * 2. bounds: the scaler's min/max, the policy's maximum, and the rules' (seed:
 *    floor = least `min_instances`, ceiling = greatest `max_instances`);
 * 3. target replicas from backlog and capacity ({@link computeTarget}), using the
 *    backlog projected by its least-squares trend when that is larger and the
 *    trend is steady (R² ≥ {@link MIN_TREND_R2}; a burst is a jump, not a trend);
 * 4. action, first match wins: no replica but work waiting → scale up
 *    (activation); outside the bounds → back inside; more `up` than `down` votes
 *    → scale up by the policy; more `down` than `up` → scale down by the policy
 *    (never below the target); a rising backlog that will need more replicas
 *    within the horizon → scale up ahead of it (`auto` only, outside cooldown);
 *    else hold;
 * 5. the result is clamped to the bounds.
 * @returns the decision with votes, target, prediction and reasoning
 */
export function decideScaling(input: EngineInput): ScalingDecision {
  const policy = POLICIES[input.policy];
  const latest = input.window.latest();
  const metrics: MetricValues = latest?.values ?? emptyValues();
  const n = input.current;
  const evaluations = input.rules.map((r) =>
    evaluateRule(r, input.window, { now: input.now, lastScaleAt: input.lastScaleAt, observedSince: input.window.firstAt(), current: n }),
  );
  const votes = countVotes(evaluations);
  const bounds = boundsOf(input);
  const reasoning: ScalingReason[] = evaluations
    .filter((e) => e.vote === 'up' || e.vote === 'down')
    .map((e) => ({ type: 'rule' as const, rule: e.rule, reason: `${e.vote}: ${e.reason}` }));

  const prediction = predict(input, metrics);
  const trusted = prediction !== null && prediction.r_squared >= MIN_TREND_R2;
  const target = computeTarget({
    queueDepth: metrics.queue_depth,
    projectedQueueDepth: policy.predictive && trusted ? prediction.projected_queue_depth : null,
    arrivalsPerS: input.arrivalsPerS,
    capacityPerReplica: input.capacity.perReplica,
    capacitySource: input.capacity.source,
    drainTargetS: input.settings.drainTargetS,
  });
  if (prediction && trusted && target.capacity_per_replica_per_s) {
    const projected = computeTarget({ ...targetInputs(input, metrics), projectedQueueDepth: prediction.projected_queue_depth });
    prediction.replicas_needed = projected.replicas;
  }
  if (target.replicas !== null) {
    reasoning.push({
      type: 'target',
      reason:
        `backlog ${formatNumber(target.queue_depth ?? 0)} and ${formatNumber(target.arrivals_per_s ?? 0)} arrivals/s need ` +
        `${formatNumber(target.required_per_s ?? 0)} tasks/s; a replica does ${formatNumber(target.capacity_per_replica_per_s ?? 0)}/s ` +
        `(${target.capacity_source}) → ${target.replicas} replica(s)`,
    });
  }

  let action: ScalingAction = 'hold';
  let recommended = n;
  const queue = metrics.queue_depth ?? 0;
  const minCooldownS = Math.min(...input.rules.filter((r) => r.enabled).map((r) => r.cooldown_period), Infinity);
  const inCooldown = input.lastScaleAt !== null && Number.isFinite(minCooldownS) && (input.now - input.lastScaleAt) / 1000 < minCooldownS;

  if (n === 0 && queue > 0 && bounds.max > 0) {
    recommended = Math.max(1, bounds.min, target.replicas ?? 1);
    reasoning.push({ type: 'activation', reason: `no replica and ${formatNumber(queue)} task(s) waiting` });
  } else if (n < bounds.min) {
    recommended = bounds.min;
    reasoning.push({ type: 'bounds', reason: `${n} replica(s) is below the minimum ${bounds.min}` });
  } else if (n > bounds.max) {
    recommended = bounds.max;
    reasoning.push({ type: 'bounds', reason: `${n} replica(s) is above the maximum ${bounds.max}` });
  } else if (votes.up > votes.down) {
    const wanted = Math.max(target.replicas ?? 0, policy.predictive ? (prediction?.replicas_needed ?? 0) : 0);
    recommended = scaleUpTo(policy, n, wanted > 0 ? wanted : null);
    reasoning.push({ type: 'vote', reason: `${votes.up} up, ${votes.down} down, ${votes.hold} hold, ${votes.abstain} abstained → scale up` });
    reasoning.push({ type: 'policy', reason: `${policy.name}: ${upStepText(policy.scale_up_factor)} → ${recommended}` });
  } else if (votes.down > votes.up) {
    recommended = scaleDownTo(policy, n, target.replicas);
    reasoning.push({ type: 'vote', reason: `${votes.up} up, ${votes.down} down, ${votes.hold} hold, ${votes.abstain} abstained → scale down` });
    if (recommended === n) reasoning.push({ type: 'hold', reason: `the backlog needs ${target.replicas} replica(s): not scaling down` });
    else reasoning.push({ type: 'policy', reason: `${policy.name}: ${downStepText(policy.name)} → ${recommended}` });
  } else if (policy.predictive && !inCooldown && prediction && prediction.slope_per_s > 0 && prediction.replicas_needed !== null && prediction.replicas_needed > n) {
    recommended = scaleUpTo(policy, n, prediction.replicas_needed);
    reasoning.push({
      type: 'predictive',
      reason:
        `backlog rising ${formatNumber(prediction.slope_per_s)} tasks/s; ${formatNumber(prediction.projected_queue_depth)} in ` +
        `${prediction.horizon_s} s needs ${prediction.replicas_needed} replica(s)`,
    });
  } else {
    reasoning.push({ type: 'hold', reason: `${votes.up} up, ${votes.down} down, ${votes.hold} hold, ${votes.abstain} abstained → hold` });
  }

  const clamped = Math.min(bounds.max, Math.max(bounds.min, recommended));
  if (clamped !== recommended) reasoning.push({ type: 'bounds', reason: `${recommended} clamped to [${bounds.min}, ${bounds.max}] → ${clamped}` });
  recommended = clamped;
  if (recommended > n) action = 'scale_up';
  else if (recommended < n) action = 'scale_down';
  else if (reasoning.at(-1)?.type !== 'hold') reasoning.push({ type: 'hold', reason: `stays at ${n} replica(s)` });

  return {
    at: new Date(input.now).toISOString(),
    dry_run: input.dryRun,
    policy: input.policy,
    driver: input.driver,
    action,
    current_instances: n,
    recommended_instances: recommended,
    bounds,
    votes,
    rule_evaluations: evaluations,
    prediction,
    target,
    reasoning,
    metrics,
  };
}

/**
 * Replica bounds: floor = max(scaler minimum, least rule `min_instances`),
 * ceiling = min(scaler maximum, policy maximum, greatest rule `max_instances`);
 * the floor never exceeds the ceiling.
 */
export function boundsOf(input: Pick<EngineInput, 'rules' | 'policy' | 'settings'>): { min: number; max: number } {
  const enabled = input.rules.filter((r) => r.enabled);
  const policyMax = POLICIES[input.policy].max_instances;
  const ruleMin = enabled.length ? Math.min(...enabled.map((r) => r.min_instances)) : input.settings.minReplicas;
  const ruleMax = enabled.length ? Math.max(...enabled.map((r) => r.max_instances)) : input.settings.maxReplicas;
  const max = Math.min(input.settings.maxReplicas, policyMax === 'unlimited' ? Infinity : policyMax, ruleMax);
  const min = Math.min(Math.max(input.settings.minReplicas, ruleMin), max);
  return { min, max };
}

function predict(input: EngineInput, metrics: MetricValues): BacklogPrediction | null {
  const points = input.window.series('queue_depth', input.settings.predictWindowS, input.now);
  if (points.length < MIN_TREND_SAMPLES || metrics.queue_depth === null) return null;
  const fit = fitLine(points);
  if (fit === null) return null;
  const projected = Math.max(0, metrics.queue_depth + fit.slope * input.settings.predictHorizonS);
  return {
    slope_per_s: Math.round(fit.slope * 1000) / 1000,
    r_squared: Math.round(fit.r2 * 1000) / 1000,
    samples: points.length,
    window_s: input.settings.predictWindowS,
    horizon_s: input.settings.predictHorizonS,
    projected_queue_depth: Math.round(projected * 1000) / 1000,
    replicas_needed: null,
  };
}

function targetInputs(input: EngineInput, metrics: MetricValues) {
  return {
    queueDepth: metrics.queue_depth,
    projectedQueueDepth: null,
    arrivalsPerS: input.arrivalsPerS,
    capacityPerReplica: input.capacity.perReplica,
    capacitySource: input.capacity.source,
    drainTargetS: input.settings.drainTargetS,
  };
}

function upStepText(factor: number | 'calculated'): string {
  return factor === 'calculated' ? 'to the calculated target' : `× ${factor}`;
}

function downStepText(policy: ScalingPolicyName): string {
  switch (policy) {
    case 'aggressive':
      return 'down to the target';
    case 'conservative':
      return 'one replica less';
    case 'auto':
      return 'to the target, at most halving';
  }
}

/** Values with every metric null. */
export function emptyValues(): MetricValues {
  return {
    cpu_percent: null,
    memory_percent: null,
    event_loop_lag_ms: null,
    utilisation_percent: null,
    queue_depth: null,
    backlog_per_replica: null,
    backlog_age_s: null,
    backlog_drain_s: null,
    avg_response_time_ms: null,
    p95_response_time_ms: null,
    error_rate_percent: null,
    throughput_per_s: null,
  };
}
