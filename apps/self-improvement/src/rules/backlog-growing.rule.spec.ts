import { backlogGrowingRule } from './backlog-growing.rule';
import { backlog, snapshot, thresholds } from './snapshot.factory';

describe('backlogGrowingRule', () => {
  const t = thresholds(); // arrivals > completions × 1.2 and ≥ 100 waiting

  it('fires when arrivals exceed completions × factor with enough waiting, not at the factor', () => {
    const growing = backlog({
      queued: 150, retrying: 10, in_flight: 40, arrivals: 1201, completions: 1000, oldest_queued_age_ms: 42_000,
      by_type: [
        { task_type: 'a', queued: 150, retrying: 10, in_flight: 30, arrivals: 1100, completions: 800, oldest_queued_age_ms: 42_000 },
        { task_type: 'b', queued: 0, retrying: 0, in_flight: 10, arrivals: 101, completions: 200, oldest_queued_age_ms: null },
      ],
    });
    const [f, ...rest] = backlogGrowingRule.evaluate(snapshot({ backlog: growing }), t);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: 'backlog_growing', task_type: null, service: null, priority: 'high', category: 'performance_bottleneck', action: 'scale_up',
      direction: 'lower_is_better',
      evidence: { metric: 'backlog_growth_ratio', value: 1.201, threshold: 1.2, samples: 2201 },
    });
    expect(f.evidence.details).toMatchObject({ arrivals: 1201, completions: 1000, queued: 150, retrying: 10, growing_types: [{ task_type: 'a', arrivals: 1100, completions: 800, queued: 160 }] });
    expect(f.description).toContain('the oldest queued for 42 s');
    expect(backlogGrowingRule.evaluate(snapshot({ backlog: { ...growing, arrivals: 1200 } }), t)).toEqual([]);
  });

  it('needs the minimum waiting tasks (queued + retrying)', () => {
    const b = backlog({ queued: 90, retrying: 9, arrivals: 500, completions: 10 });
    expect(backlogGrowingRule.evaluate(snapshot({ backlog: b }), t)).toEqual([]);
    expect(backlogGrowingRule.evaluate(snapshot({ backlog: { ...b, retrying: 10 } }), t)).toHaveLength(1);
  });

  it('is critical from three times the factor, and counts no completion as one', () => {
    const [f] = backlogGrowingRule.evaluate(snapshot({ backlog: backlog({ queued: 100, arrivals: 360, completions: 0 }) }), t);
    expect(f).toMatchObject({ priority: 'critical', evidence: { value: 360 } });
    expect(backlogGrowingRule.evaluate(snapshot({ backlog: backlog({ queued: 100, arrivals: 359, completions: 100 }) }), t)[0].priority).toBe('high');
  });

  it('finds nothing without the brain, and measures the growth ratio', () => {
    expect(backlogGrowingRule.evaluate(snapshot({ backlog: null }), t)).toEqual([]);
    expect(backlogGrowingRule.measure(snapshot({ backlog: backlog({ arrivals: 50, completions: 100 }) }), { task_type: null, service: null }, 'backlog_growth_ratio')).toBe(0.5);
    expect(backlogGrowingRule.measure(snapshot({ backlog: null }), { task_type: null, service: null }, 'backlog_growth_ratio')).toBeNull();
  });
});
