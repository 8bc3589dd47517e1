import type { RuleEvaluation, ScalingRuleView } from '@apiary/contracts';
import type { SampleWindow } from './sample-window';

/** What a rule needs besides its samples. */
export interface RuleContext {
  /** Epoch ms. */
  now: number;
  /** Last applied scaling action, epoch ms (null: none). */
  lastScaleAt: number | null;
  /** Since when the scaler has been sampling, epoch ms (null: no sample yet). */
  observedSince: number | null;
  /** Replicas now. */
  current: number;
}

/**
 * One rule's vote (seed 003 `ScalingRule.should_scale_up` / `should_scale_down`):
 * - `disabled` rules and rules in their cooldown abstain (`cooldown_period` seconds
 *   after the last scaling action, as `record_scale_action` does for every rule);
 * - `warming_up` until the scaler has sampled for the rule's `evaluation_period`;
 * - the value is the mean of the metric over the last `evaluation_period` seconds
 *   (`no_data` when there is none);
 * - above `scale_up_threshold` → `up` (`hold` at `max_instances`); below
 *   `scale_down_threshold` → `down` (`hold` at `min_instances`); else `hold`.
 */
export function evaluateRule(rule: ScalingRuleView, window: SampleWindow, ctx: RuleContext): RuleEvaluation {
  const { value, samples } = window.mean(rule.metric, rule.evaluation_period, ctx.now);
  const sinceScaleS = ctx.lastScaleAt === null ? Infinity : (ctx.now - ctx.lastScaleAt) / 1000;
  const cooldownRemaining = Math.max(0, Math.ceil((rule.cooldown_period - sinceScaleS) * 1000) / 1000);
  const base: RuleEvaluation = {
    rule: rule.name,
    metric: rule.metric,
    value: value === null ? null : Math.round(value * 1000) / 1000,
    samples,
    evaluation_period: rule.evaluation_period,
    scale_up_threshold: rule.scale_up_threshold,
    scale_down_threshold: rule.scale_down_threshold,
    min_instances: rule.min_instances,
    max_instances: rule.max_instances,
    vote: 'hold',
    cooldown_remaining_s: cooldownRemaining,
    reason: '',
  };
  const shown = value === null ? 'n/a' : formatNumber(value);
  if (!rule.enabled) return { ...base, vote: 'disabled', reason: 'rule disabled' };
  if (cooldownRemaining > 0) return { ...base, vote: 'cooldown', reason: `cooldown: ${formatNumber(cooldownRemaining)} s of ${rule.cooldown_period} s left` };
  if (ctx.observedSince === null || (ctx.now - ctx.observedSince) / 1000 < rule.evaluation_period * 0.99) {
    return { ...base, vote: 'warming_up', reason: `observed less than the evaluation period (${rule.evaluation_period} s)` };
  }
  if (value === null) return { ...base, vote: 'no_data', reason: `${rule.metric} has no value` };
  if (value > rule.scale_up_threshold) {
    if (ctx.current >= rule.max_instances) return { ...base, vote: 'hold', reason: `${rule.metric} ${shown} > ${rule.scale_up_threshold} but at max_instances ${rule.max_instances}` };
    return { ...base, vote: 'up', reason: `${rule.metric} ${shown} > ${rule.scale_up_threshold}` };
  }
  if (value < rule.scale_down_threshold) {
    if (ctx.current <= rule.min_instances) return { ...base, vote: 'hold', reason: `${rule.metric} ${shown} < ${rule.scale_down_threshold} but at min_instances ${rule.min_instances}` };
    return { ...base, vote: 'down', reason: `${rule.metric} ${shown} < ${rule.scale_down_threshold}` };
  }
  return { ...base, vote: 'hold', reason: `${rule.metric} ${shown} within [${rule.scale_down_threshold}, ${rule.scale_up_threshold}]` };
}

/** Counts of a set of votes: up, down, hold, abstentions (cooldown, no_data, warming_up, disabled). */
export function countVotes(evaluations: readonly RuleEvaluation[]): { up: number; down: number; hold: number; abstain: number } {
  const votes = { up: 0, down: 0, hold: 0, abstain: 0 };
  for (const e of evaluations) {
    if (e.vote === 'up') votes.up++;
    else if (e.vote === 'down') votes.down++;
    else if (e.vote === 'hold') votes.hold++;
    else votes.abstain++;
  }
  return votes;
}

/** Number for messages: at most 2 decimals. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : (Math.round(x * 100) / 100).toString();
}
