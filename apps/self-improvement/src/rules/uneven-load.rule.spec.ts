import { unevenLoadRule } from './uneven-load.rule';
import { HOUR_MS, runner, snapshot, thresholds, WINDOW_END_MS } from './snapshot.factory';

describe('unevenLoadRule', () => {
  const t = thresholds(); // max/min > 2 with ≥ 2 replicas and ≥ 100 results

  it('fires when the busy-time ratio exceeds the threshold, not at it', () => {
    const over = snapshot({ runners: [runner('r1', { busy_ms: 2_000_001 }), runner('r2', { busy_ms: 1_000_000 })] });
    const [f, ...rest] = unevenLoadRule.evaluate(over, t);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: 'uneven_load', task_type: null, service: 'bot-runtime', priority: 'medium', category: 'resource_utilization',
      action: 'rebalance_load', direction: 'lower_is_better',
      evidence: { metric: 'runner_busy_ratio', value: 2, threshold: 2, samples: 200, details: { replicas: 2, results_ratio: 1 } },
    });
    expect(f.evidence.details).toMatchObject({ busy_ratio: 2 });
    const at = snapshot({ runners: [runner('r1', { busy_ms: 2_000_000 }), runner('r2', { busy_ms: 1_000_000 })] });
    expect(unevenLoadRule.evaluate(at, t)).toEqual([]);
  });

  it('uses the results ratio when a replica has no busy time, and is high from twice the threshold', () => {
    const s = snapshot({ runners: [runner('r1', { count: 400, busy_ms: 10 }), runner('r2', { count: 100, busy_ms: 0 })] });
    expect(unevenLoadRule.evaluate(s, t)[0]).toMatchObject({ priority: 'high', evidence: { metric: 'runner_results_ratio', value: 4 } });
  });

  it('needs two active replicas and the minimum results', () => {
    expect(unevenLoadRule.evaluate(snapshot({ runners: [runner('r1')] }), t)).toEqual([]);
    const few = snapshot({ runners: [runner('r1', { count: 60, busy_ms: 900 }), runner('r2', { count: 39, busy_ms: 100 })] });
    expect(unevenLoadRule.evaluate(few, t)).toEqual([]);
    expect(unevenLoadRule.evaluate(snapshot({ runners: [runner('r1', { count: 60, busy_ms: 900 }), runner('r2', { count: 40, busy_ms: 100 })] }), t)).toHaveLength(1);
    expect(unevenLoadRule.evaluate(snapshot({ runners: null }), t)).toEqual([]);
  });

  it('leaves out replicas whose last result is older than 10% of the window (a restarted replica)', () => {
    const gone = runner('old', { busy_ms: 10, last_at: new Date(WINDOW_END_MS - 0.1 * HOUR_MS - 1).toISOString() });
    const s = snapshot({ runners: [runner('r1'), runner('r2'), gone] });
    expect(unevenLoadRule.evaluate(s, t)).toEqual([]);
    const recent = { ...gone, last_at: new Date(WINDOW_END_MS - 0.1 * HOUR_MS).toISOString() };
    expect(unevenLoadRule.evaluate(snapshot({ runners: [runner('r1'), runner('r2'), recent] }), t)).toHaveLength(1);
  });

  it('measures the named ratio', () => {
    const s = snapshot({ runners: [runner('r1', { count: 300, busy_ms: 3000 }), runner('r2', { count: 100, busy_ms: 1000 })] });
    expect(unevenLoadRule.measure(s, { task_type: null, service: 'bot-runtime' }, 'runner_busy_ratio')).toBe(3);
    expect(unevenLoadRule.measure(snapshot({ runners: [runner('r1')] }), { task_type: null, service: 'bot-runtime' }, 'runner_busy_ratio')).toBeNull();
  });
});
