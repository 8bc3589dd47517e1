import { idleCapacityRule } from './idle-capacity.rule';
import { backlog, HOUR_MS, runner, snapshot, thresholds } from './snapshot.factory';

describe('idleCapacityRule', () => {
  const t = thresholds(); // empty backlog, ≥ 2 replicas, busy / (replicas × window) < 0.2

  // 0.2 × one hour per replica = 720,000 ms.
  const busy = (ms: number) => [runner('r1', { busy_ms: ms }), runner('r2', { busy_ms: ms })];

  it('fires below the utilisation threshold with an empty backlog, not at it', () => {
    const [f, ...rest] = idleCapacityRule.evaluate(snapshot({ runners: busy(719_999), backlog: backlog({ in_flight: 1 }) }), t);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: 'idle_capacity', task_type: null, service: 'bot-runtime', priority: 'low', category: 'resource_utilization',
      action: 'scale_down', direction: 'higher_is_better',
      evidence: { metric: 'runner_utilisation', value: 0.2, threshold: 0.2, samples: 200, details: { replicas: 2, busy_ms: 1_439_998, waiting: 0, in_flight: 1 } },
    });
    expect(idleCapacityRule.evaluate(snapshot({ runners: busy(720_000) }), t)).toEqual([]);
  });

  it('needs an empty backlog and enough replicas', () => {
    expect(idleCapacityRule.evaluate(snapshot({ runners: busy(1000), backlog: backlog({ queued: 1 }) }), t)).toEqual([]);
    expect(idleCapacityRule.evaluate(snapshot({ runners: busy(1000), backlog: backlog({ retrying: 1 }) }), t)).toEqual([]);
    expect(idleCapacityRule.evaluate(snapshot({ runners: busy(1000), backlog: backlog({ queued: 1 }) }), thresholds({ idleMaxQueued: 1 }))).toHaveLength(1);
    expect(idleCapacityRule.evaluate(snapshot({ runners: [runner('r1', { busy_ms: 0 })] }), t)).toEqual([]);
    expect(idleCapacityRule.evaluate(snapshot({ runners: [runner('r1', { busy_ms: 0 })] }), thresholds({ idleMinReplicas: 1 }))).toHaveLength(1);
    expect(idleCapacityRule.evaluate(snapshot({ runners: busy(1000), backlog: null }), t)).toEqual([]);
    expect(idleCapacityRule.evaluate(snapshot({ runners: null }), t)).toEqual([]);
  });

  it('measures utilisation over the window', () => {
    const s = snapshot({ runners: busy(HOUR_MS / 2) });
    expect(idleCapacityRule.measure(s, { task_type: null, service: 'bot-runtime' }, 'runner_utilisation')).toBe(0.5);
    expect(idleCapacityRule.measure(snapshot({ runners: [] }), { task_type: null, service: 'bot-runtime' }, 'runner_utilisation')).toBeNull();
  });
});
