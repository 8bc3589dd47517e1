import type { SuggestionRule } from '@apiary/contracts';
import { backlogGrowingRule } from './backlog-growing.rule';
import { highErrorRateRule } from './high-error-rate.rule';
import { highLatencyRule } from './high-latency.rule';
import { idleCapacityRule } from './idle-capacity.rule';
import { lowSuccessVsPeersRule } from './low-success-vs-peers.rule';
import { Finding, Rule, RuleThresholds, StatisticsSnapshot } from './rule';
import { breakerOpenRule, serviceUnhealthyRule } from './service-health.rule';
import { unevenLoadRule } from './uneven-load.rule';

/** Every analysis rule, in evaluation order. */
export const RULES: readonly Rule[] = [
  highLatencyRule,
  highErrorRateRule,
  lowSuccessVsPeersRule,
  backlogGrowingRule,
  serviceUnhealthyRule,
  breakerOpenRule,
  unevenLoadRule,
  idleCapacityRule,
];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<SuggestionRule, Rule> = new Map(RULES.map((r) => [r.id, r]));

/**
 * Runs every rule over one snapshot (seed 000 `_identify_bottlenecks`, seed 003
 * `analyze_scalability_bottlenecks`).
 * @returns all findings, rule order, each rule's own order
 */
export function evaluateRules(snapshot: StatisticsSnapshot, thresholds: RuleThresholds): Finding[] {
  return RULES.flatMap((rule) => rule.evaluate(snapshot, thresholds));
}
