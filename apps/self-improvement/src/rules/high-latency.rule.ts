import type { ServiceStat, SuggestionPriority } from '@apiary/contracts';
import { Finding, ms, Rule, RuleThresholds, StatisticsSnapshot, windowText } from './rule';

/** Metric of {@link highLatencyRule}. */
export const P95_METRIC = 'p95_latency_ms';

/** high above the threshold, critical from 3× the threshold. */
function priorityOf(p95: number, threshold: number): SuggestionPriority {
  return p95 >= 3 * threshold ? 'critical' : 'high';
}

function judged(s: ServiceStat, t: RuleThresholds): s is ServiceStat & { p95_ms: number } {
  return s.count >= t.latencyMinSamples && typeof s.p95_ms === 'number';
}

/**
 * High latency (seed 000 CrossBotPerformanceMonitor "high_latency", 5 s threshold;
 * seed 003 "High network latency"): p95 > `latencyP95Ms` with at least
 * `latencyMinSamples` calls,
 * - per (task type, service): action `route_away_from_service` when another
 *   service of the type is judged and fast (p95 ≤ threshold), else
 *   `investigate_latency`;
 * - per task type, only when its results come from two or more services (with one,
 *   the per-service finding says the same): `investigate_latency`.
 * Priority high, critical from 3× the threshold. Category `performance_bottleneck`.
 */
export const highLatencyRule: Rule = {
  id: 'high_latency',
  needs: ['memory.service-stats', 'memory.type-stats'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const findings: Finding[] = [];
    const services = snapshot.services ?? [];
    for (const s of services) {
      if (!judged(s, t) || !(s.p95_ms > t.latencyP95Ms)) continue;
      const fastPeers = services
        .filter((o): o is ServiceStat & { p95_ms: number } => o.task_type === s.task_type && o.service !== s.service && judged(o, t) && o.p95_ms <= t.latencyP95Ms)
        .map((o) => ({ service: o.service, p95_ms: o.p95_ms, count: o.count }));
      const action = fastPeers.length > 0 ? 'route_away_from_service' : 'investigate_latency';
      findings.push({
        rule: 'high_latency',
        task_type: s.task_type,
        service: s.service,
        priority: priorityOf(s.p95_ms, t.latencyP95Ms),
        category: 'performance_bottleneck',
        title: `High p95 latency of ${s.service} on ${s.task_type}`,
        description:
          `p95 ${ms(s.p95_ms)} over ${s.count} calls in the last ${windowText(snapshot)} (threshold ${ms(t.latencyP95Ms)}). ` +
          (fastPeers.length > 0
            ? `Faster for the same type: ${fastPeers.map((p) => `${p.service} (p95 ${ms(p.p95_ms)})`).join(', ')}; consider routing ${s.task_type} away from ${s.service}.`
            : `No other service of ${s.task_type} is faster; look into the service's latency.`),
        action,
        direction: 'lower_is_better',
        evidence: {
          metric: P95_METRIC,
          value: s.p95_ms,
          threshold: t.latencyP95Ms,
          samples: s.count,
          details: { p50_ms: s.p50_ms ?? null, p99_ms: s.p99_ms ?? null, mean_latency_ms: s.mean_latency_ms, faster_peers: fastPeers },
        },
      });
    }
    const servicesPerType = new Map<string, number>();
    for (const s of services) servicesPerType.set(s.task_type, (servicesPerType.get(s.task_type) ?? 0) + 1);
    for (const s of snapshot.types ?? []) {
      if ((servicesPerType.get(s.task_type) ?? 0) < 2) continue;
      if (!judged(s, t) || !(s.p95_ms > t.latencyP95Ms)) continue;
      findings.push({
        rule: 'high_latency',
        task_type: s.task_type,
        service: null,
        priority: priorityOf(s.p95_ms, t.latencyP95Ms),
        category: 'performance_bottleneck',
        title: `High p95 latency of ${s.task_type}`,
        description:
          `p95 ${ms(s.p95_ms)} over ${s.count} calls of ${servicesPerType.get(s.task_type)} services in the last ${windowText(snapshot)} ` +
          `(threshold ${ms(t.latencyP95Ms)}).`,
        action: 'investigate_latency',
        direction: 'lower_is_better',
        evidence: {
          metric: P95_METRIC,
          value: s.p95_ms,
          threshold: t.latencyP95Ms,
          samples: s.count,
          details: { p50_ms: s.p50_ms ?? null, p99_ms: s.p99_ms ?? null, mean_latency_ms: s.mean_latency_ms, services: servicesPerType.get(s.task_type) },
        },
      });
    }
    return findings;
  },

  measure(snapshot, subject) {
    const list = subject.service === null ? snapshot.types : snapshot.services;
    const s = list?.find((x) => x.task_type === subject.task_type && (subject.service === null || x.service === subject.service));
    return s && s.count > 0 && typeof s.p95_ms === 'number' ? s.p95_ms : null;
  },
};
