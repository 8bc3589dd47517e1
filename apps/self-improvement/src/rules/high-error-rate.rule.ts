import type { SuggestionPriority } from '@apiary/contracts';
import { EPSILON, Finding, pct, Rule, round4, RuleThresholds, StatisticsSnapshot, windowText } from './rule';

/** Metric of {@link highErrorRateRule}. */
export const ERROR_RATE_METRIC = 'error_rate';

/** Error codes read as timeouts (then `increase_timeout` is the suggested action). */
const TIMEOUT_CODE = /TIMEOUT|TIMED_OUT/i;

/** high above the threshold, critical above 2× the threshold. */
function priorityOf(rate: number, threshold: number): SuggestionPriority {
  return rate > 2 * threshold ? 'critical' : 'high';
}

/**
 * High error rate (seed 000 CrossBotPerformanceMonitor "high_error_rate", 5%,
 * severity critical): failures / calls > `errorRate` for a (task type, service)
 * with at least `errorMinSamples` calls. Action `increase_timeout` when the most
 * frequent error is a timeout, else `investigate_errors`; the top error patterns
 * are in the evidence. Priority high, critical above 2× the threshold. Category
 * `service_health`.
 */
export const highErrorRateRule: Rule = {
  id: 'high_error_rate',
  needs: ['memory.service-stats'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const findings: Finding[] = [];
    for (const s of snapshot.services ?? []) {
      if (s.count < t.errorMinSamples || s.count === 0) continue;
      const rate = s.failures / s.count;
      if (!(rate - t.errorRate > EPSILON)) continue;
      const patterns = s.error_patterns ?? [];
      const top = patterns[0];
      const timeouts = top !== undefined && TIMEOUT_CODE.test(top.code);
      findings.push({
        rule: 'high_error_rate',
        task_type: s.task_type,
        service: s.service,
        priority: priorityOf(rate, t.errorRate),
        category: 'service_health',
        title: `High error rate of ${s.service} on ${s.task_type}`,
        description:
          `${pct(rate)} of ${s.count} calls failed in the last ${windowText(snapshot)} (threshold ${pct(t.errorRate)}).` +
          (top ? ` Most frequent error: ${top.code} (${top.count}×)${top.message ? `: ${top.message}` : ''}.` : '') +
          (timeouts ? ' The calls time out: consider a longer timeout.' : ' Investigate the error causes.'),
        action: timeouts ? 'increase_timeout' : 'investigate_errors',
        direction: 'lower_is_better',
        evidence: {
          metric: ERROR_RATE_METRIC,
          value: round4(rate),
          threshold: t.errorRate,
          samples: s.count,
          details: { failures: s.failures, error_patterns: patterns },
        },
      });
    }
    return findings;
  },

  measure(snapshot, subject) {
    const s = snapshot.services?.find((x) => x.task_type === subject.task_type && x.service === subject.service);
    return s && s.count > 0 ? round4(s.failures / s.count) : null;
  },
};
