import type { ServiceStat } from '@apiary/contracts';
import { EPSILON, Finding, pct, Rule, round4, RuleThresholds, StatisticsSnapshot, windowText } from './rule';

/** Metric of {@link lowSuccessVsPeersRule}. */
export const SUCCESS_RATE_METRIC = 'success_rate';

/**
 * Low success compared with peers (seed 002 "What the System Learns": success
 * rates per service): among the services of one task type with at least
 * `peerMinSamples` calls each, a service whose success rate is `peerGap` or more
 * below the pooled rate of the others (Σ successes / Σ calls). Evidence: its
 * rate, threshold = peers' rate − gap (fires at or below it). Action
 * `route_away_from_service`. Priority medium, high from a gap of 2 × `peerGap`.
 * Category `optimization_opportunity`.
 */
export const lowSuccessVsPeersRule: Rule = {
  id: 'low_success_vs_peers',
  needs: ['memory.service-stats'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const byType = new Map<string, ServiceStat[]>();
    for (const s of snapshot.services ?? []) {
      if (s.count < t.peerMinSamples || s.count === 0) continue;
      byType.set(s.task_type, [...(byType.get(s.task_type) ?? []), s]);
    }
    const findings: Finding[] = [];
    for (const [type, stats] of byType) {
      if (stats.length < 2) continue;
      for (const s of stats) {
        const peers = stats.filter((o) => o !== s);
        const peerCount = peers.reduce((n, p) => n + p.count, 0);
        const peerRate = peers.reduce((n, p) => n + p.successes, 0) / peerCount;
        const rate = s.successes / s.count;
        const gap = peerRate - rate;
        if (gap + EPSILON < t.peerGap) continue;
        findings.push({
          rule: 'low_success_vs_peers',
          task_type: type,
          service: s.service,
          priority: gap + EPSILON >= 2 * t.peerGap ? 'high' : 'medium',
          category: 'optimization_opportunity',
          title: `${s.service} succeeds less often than its peers on ${type}`,
          description:
            `${s.service} succeeded in ${pct(rate)} of ${s.count} calls in the last ${windowText(snapshot)}; ` +
            `${peers.map((p) => p.service).join(', ')} together in ${pct(peerRate)} of ${peerCount} ` +
            `(${Math.round(gap * 1000) / 10} points better; threshold ${Math.round(t.peerGap * 1000) / 10}). ` +
            `Consider routing ${type} away from ${s.service}.`,
          action: 'route_away_from_service',
          direction: 'higher_is_better',
          evidence: {
            metric: SUCCESS_RATE_METRIC,
            value: round4(rate),
            threshold: round4(peerRate - t.peerGap),
            samples: s.count,
            details: {
              peers_success_rate: round4(peerRate),
              peers_samples: peerCount,
              gap: round4(gap),
              peers: peers.map((p) => ({ service: p.service, count: p.count, success_rate: round4(p.successes / p.count) })),
            },
          },
        });
      }
    }
    return findings;
  },

  measure(snapshot, subject) {
    const s = snapshot.services?.find((x) => x.task_type === subject.task_type && x.service === subject.service);
    return s && s.count > 0 ? round4(s.successes / s.count) : null;
  },
};
