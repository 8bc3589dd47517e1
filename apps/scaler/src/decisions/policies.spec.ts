import { defaultRules, POLICIES, scaleDownTo, scaleUpTo } from './policies';

describe('policies (seed 000)', () => {
  it('carries the seed’s thresholds, factors and limits', () => {
    expect(POLICIES.aggressive).toMatchObject({ cpu_threshold: 70, scale_up_factor: 2, scale_down_threshold: 30, min_instances: 1, max_instances: 10 });
    expect(POLICIES.conservative).toMatchObject({ cpu_threshold: 80, scale_up_factor: 1.5, scale_down_threshold: 20, min_instances: 1, max_instances: 5 });
    expect(POLICIES.auto).toMatchObject({ scale_up_factor: 'calculated', min_instances: 1, max_instances: 'unlimited', predictive: true });
  });

  it('aggressive doubles, or jumps to a larger target', () => {
    expect(scaleUpTo(POLICIES.aggressive, 3, null)).toBe(6);
    expect(scaleUpTo(POLICIES.aggressive, 3, 9)).toBe(9);
    expect(scaleUpTo(POLICIES.aggressive, 0, null)).toBe(1);
  });

  it('conservative grows by half, never past a known target, always by one at least', () => {
    expect(scaleUpTo(POLICIES.conservative, 4, null)).toBe(6);
    expect(scaleUpTo(POLICIES.conservative, 4, 5)).toBe(5);
    expect(scaleUpTo(POLICIES.conservative, 1, null)).toBe(2);
    expect(scaleUpTo(POLICIES.conservative, 4, 2)).toBe(5);
  });

  it('auto steps to the calculated target, or one more without one', () => {
    expect(scaleUpTo(POLICIES.auto, 2, 7)).toBe(7);
    expect(scaleUpTo(POLICIES.auto, 2, null)).toBe(3);
    expect(scaleUpTo(POLICIES.auto, 5, 3)).toBe(6);
  });

  it('scales down by policy but never below what the backlog needs', () => {
    expect(scaleDownTo(POLICIES.aggressive, 8, 2)).toBe(2);
    expect(scaleDownTo(POLICIES.aggressive, 8, null)).toBe(7);
    expect(scaleDownTo(POLICIES.conservative, 8, 2)).toBe(7);
    expect(scaleDownTo(POLICIES.auto, 8, 1)).toBe(4);
    expect(scaleDownTo(POLICIES.auto, 8, 6)).toBe(6);
    expect(scaleDownTo(POLICIES.auto, 2, 0)).toBe(1);
    for (const p of Object.values(POLICIES)) expect(scaleDownTo(p, 4, 4)).toBe(4);
    for (const p of Object.values(POLICIES)) expect(scaleDownTo(p, 4, 9)).toBe(4);
  });

  it('derives the default rules (cpu, utilisation, backlog) from the policy', () => {
    const rules = defaultRules(POLICIES.conservative, { minReplicas: 1, maxReplicas: 20, cooldownS: 60, evaluationS: 30, drainTargetS: 60 });
    expect(rules.map((r) => [r.name, r.metric, r.scale_up_threshold, r.scale_down_threshold, r.max_instances])).toEqual([
      ['cpu', 'cpu_percent', 80, 20, 5],
      ['utilisation', 'utilisation_percent', 80, 20, 5],
      ['backlog', 'backlog_drain_s', 60, 5, 5],
    ]);
    expect(rules.every((r) => r.source === 'default' && r.cooldown_period === 60 && r.evaluation_period === 30)).toBe(true);
    expect(defaultRules(POLICIES.auto, { minReplicas: 2, maxReplicas: 20, cooldownS: 10, evaluationS: 5, drainTargetS: 12 })[2]).toMatchObject({ max_instances: 20, min_instances: 2, scale_up_threshold: 12, scale_down_threshold: 3 });
  });
});
