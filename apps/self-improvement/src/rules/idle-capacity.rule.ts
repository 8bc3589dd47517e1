import { Finding, pct, Rule, round4, RuleThresholds, StatisticsSnapshot, windowText } from './rule';
import { activeRunners } from './runners';

/** Metric of {@link idleCapacityRule}: Σ busy ms / (replicas × window ms). */
export const UTILISATION_METRIC = 'runner_utilisation';

function utilisation(snapshot: StatisticsSnapshot): { value: number; replicas: number; busy: number; results: number } | null {
  const runners = activeRunners(snapshot);
  const windowMs = snapshot.window.toMs - snapshot.window.fromMs;
  if (!runners || runners.length === 0 || windowMs <= 0) return null;
  const busy = runners.reduce((n, r) => n + r.busy_ms, 0);
  return { value: busy / (runners.length * windowMs), replicas: runners.length, busy, results: runners.reduce((n, r) => n + r.count, 0) };
}

/**
 * Idle capacity, a scale-down opportunity (seed 003 ScalabilityOptimizer,
 * seed 000 "resource_efficiency"): the backlog is empty (queued + retrying ≤
 * `idleMaxQueued`) and the active bot-runtime replicas (at least
 * `idleMinReplicas`) were busy less than `idleUtilisation` of the time:
 * Σ busy ms / (replicas × window ms), where busy time adds up concurrent handler
 * time (1.0 = one task running all the time on every replica). Replicas without
 * a result in the window are invisible, so utilisation errs on the high side (no
 * false scale-down); so does memory's window, which starts at its minute (up to
 * 59 s more busy time than the window holds: for windows of a few minutes, a
 * noticeable overestimate). Action `scale_down`. Priority low. Category
 * `resource_utilization`. Subject: service `bot-runtime`.
 */
export const idleCapacityRule: Rule = {
  id: 'idle_capacity',
  needs: ['memory.runner-stats', 'brain.backlog'],

  evaluate(snapshot: StatisticsSnapshot, t: RuleThresholds): Finding[] {
    const b = snapshot.backlog;
    const u = utilisation(snapshot);
    if (!b || !u) return [];
    const waiting = b.queued + b.retrying;
    if (waiting > t.idleMaxQueued || u.replicas < t.idleMinReplicas || !(u.value < t.idleUtilisation)) return [];
    return [
      {
        rule: 'idle_capacity',
        task_type: null,
        service: 'bot-runtime',
        priority: 'low',
        category: 'resource_utilization',
        title: 'Idle bot-runtime capacity',
        description:
          `${u.replicas} bot-runtime replicas were busy ${pct(u.value)} of the last ${windowText(snapshot)} on average ` +
          `(threshold ${pct(t.idleUtilisation)}) and ${waiting} tasks wait. Consider fewer replicas.`,
        action: 'scale_down',
        direction: 'higher_is_better',
        evidence: {
          metric: UTILISATION_METRIC,
          value: round4(u.value),
          threshold: t.idleUtilisation,
          samples: u.results,
          details: { replicas: u.replicas, busy_ms: u.busy, waiting, in_flight: b.in_flight },
        },
      },
    ];
  },

  measure(snapshot) {
    const u = utilisation(snapshot);
    return u ? round4(u.value) : null;
  },
};
