import type { RunnerStat } from '@apiary/contracts';
import { EPSILON, Finding, Rule, round4, RuleThresholds, StatisticsSnapshot, windowText } from './rule';
import { activeRunners } from './runners';

/** Metric of {@link unevenLoadRule} when every replica has busy time: max busy ms / min busy ms. */
export const BUSY_RATIO_METRIC = 'runner_busy_ratio';
/** Metric of {@link unevenLoadRule} when some replica has none: max results / min results. */
export const RESULTS_RATIO_METRIC = 'runner_results_ratio';

function ratio(values: number[]): number | null {
  const min = Math.min(...values);
  return values.length >= 2 && min > 0 ? Math.max(...values) / min : null;
}

function ratios(runners: RunnerStat[]): { busy: number | null; results: number | null } {
  return { busy: ratio(runners.map((r) => r.busy_ms)), results: ratio(runners.map((r) => r.count)) };
}

/**
 * Uneven load across bot-runtime replicas (seed 000 "resource_efficiency"; seed
 * 003 load distribution): with two or more active replicas (see `activeRunners`)
 * and at least `loadMinResults` results between them, max/min busy time (or
 * results, when a replica has no busy time) > `loadImbalanceRatio`. Action
 * `rebalance_load`. Priority medium, high from 2× the threshold. Category
 * `resource_utilization`. Subject: service `bot-runtime`.
 */
export const unevenLoadRule: Rule = {
  id: 'uneven_load',
  needs: ['memory.runner-stats'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const runners = activeRunners(snapshot);
    if (!runners || runners.length < 2) return [];
    const total = runners.reduce((n, r) => n + r.count, 0);
    if (total < t.loadMinResults) return [];
    const { busy, results } = ratios(runners);
    const metric = busy !== null ? BUSY_RATIO_METRIC : RESULTS_RATIO_METRIC;
    const value = busy ?? results;
    if (value === null || !(value - t.loadImbalanceRatio > EPSILON)) return [];
    const sorted = [...runners].sort((a, b) => b.busy_ms - a.busy_ms || b.count - a.count);
    const [most, least] = [sorted[0], sorted[sorted.length - 1]];
    if (!most || !least) return [];
    return [
      {
        rule: 'uneven_load',
        task_type: null,
        service: 'bot-runtime',
        priority: value >= 2 * t.loadImbalanceRatio ? 'high' : 'medium',
        category: 'resource_utilization',
        title: 'Uneven load across bot-runtime replicas',
        description:
          `Over the last ${windowText(snapshot)}, ${most.runner} was busy ${most.busy_ms} ms (${most.count} results) and ` +
          `${least.runner} ${least.busy_ms} ms (${least.count} results): ${metric === BUSY_RATIO_METRIC ? 'busy time' : 'results'} ratio ` +
          `${round4(value)} across ${runners.length} replicas (threshold ${t.loadImbalanceRatio}). Consider rebalancing the load.`,
        action: 'rebalance_load',
        direction: 'lower_is_better',
        evidence: {
          metric,
          value: round4(value),
          threshold: t.loadImbalanceRatio,
          samples: total,
          details: {
            replicas: runners.length,
            busy_ratio: busy === null ? null : round4(busy),
            results_ratio: results === null ? null : round4(results),
            runners: sorted.map((r) => ({ runner: r.runner, count: r.count, busy_ms: r.busy_ms })),
          },
        },
      },
    ];
  },

  measure(snapshot, _subject, metric) {
    const runners = activeRunners(snapshot);
    if (!runners || runners.length < 2) return null;
    const { busy, results } = ratios(runners);
    const value = metric === BUSY_RATIO_METRIC ? busy : results;
    return value === null ? null : round4(value);
  },
};
