import type { BacklogReply } from '@apiary/contracts';
import { Finding, ms, Rule, round4, RuleThresholds, StatisticsSnapshot, windowText } from './rule';

/** Metric of {@link backlogGrowingRule}. */
export const BACKLOG_GROWTH_METRIC = 'backlog_growth_ratio';

/** arrivals / completions (completions counted as at least 1). */
function growthRatio(b: BacklogReply): number {
  return b.arrivals / Math.max(1, b.completions);
}

/**
 * Backlog growing faster than it drains (seed 003 ScalabilityOptimizer "High
 * queue depth - consider increasing worker count"): over the window, arrivals >
 * completions × `backlogGrowthFactor` (metric arrivals / max(1, completions)),
 * and at least `backlogMinQueued` tasks wait now (queued + retrying). Fleet-wide;
 * the growing types are in the evidence. Action `scale_up`. Priority high,
 * critical from a ratio of 3 × the factor. Category `performance_bottleneck`.
 */
export const backlogGrowingRule: Rule = {
  id: 'backlog_growing',
  needs: ['brain.backlog'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const b = snapshot.backlog;
    if (!b) return [];
    const waiting = b.queued + b.retrying;
    if (waiting < t.backlogMinQueued || !(b.arrivals > b.completions * t.backlogGrowthFactor)) return [];
    const ratio = growthRatio(b);
    const growing = b.by_type
      .filter((x) => x.arrivals > x.completions * t.backlogGrowthFactor)
      .sort((x, y) => y.arrivals - y.completions - (x.arrivals - x.completions))
      .slice(0, 10)
      .map((x) => ({ task_type: x.task_type, arrivals: x.arrivals, completions: x.completions, queued: x.queued + x.retrying }));
    return [
      {
        rule: 'backlog_growing',
        task_type: null,
        service: null,
        priority: ratio >= 3 * t.backlogGrowthFactor ? 'critical' : 'high',
        category: 'performance_bottleneck',
        title: 'Backlog growing faster than it drains',
        description:
          `${b.arrivals} tasks arrived and ${b.completions} finished in the last ${windowText(snapshot)} ` +
          `(ratio ${round4(ratio)}, threshold ${t.backlogGrowthFactor}); ${waiting} wait now` +
          (b.oldest_queued_age_ms !== null ? `, the oldest queued for ${ms(b.oldest_queued_age_ms)}` : '') +
          '. Consider more bot-runtime replicas.',
        action: 'scale_up',
        direction: 'lower_is_better',
        evidence: {
          metric: BACKLOG_GROWTH_METRIC,
          value: round4(ratio),
          threshold: t.backlogGrowthFactor,
          samples: b.arrivals + b.completions,
          details: {
            arrivals: b.arrivals,
            completions: b.completions,
            queued: b.queued,
            retrying: b.retrying,
            in_flight: b.in_flight,
            oldest_queued_age_ms: b.oldest_queued_age_ms,
            growing_types: growing,
          },
        },
      },
    ];
  },

  measure(snapshot) {
    return snapshot.backlog ? round4(growthRatio(snapshot.backlog)) : null;
  },
};
