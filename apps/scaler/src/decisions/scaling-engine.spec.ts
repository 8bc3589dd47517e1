import type { ScalingMetric, ScalingRuleView } from '@apiary/contracts';
import { SampleWindow } from './sample-window';
import { boundsOf, decideScaling, EngineInput, emptyValues } from './scaling-engine';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const settings = { minReplicas: 1, maxReplicas: 20, drainTargetS: 60, predictHorizonS: 60, predictWindowS: 30 };

function rule(name: string, metric: ScalingMetric, up: number, down: number, over: Partial<ScalingRuleView> = {}): ScalingRuleView {
  return {
    name, metric, scale_up_threshold: up, scale_down_threshold: down, min_instances: 1, max_instances: 20,
    cooldown_period: 60, evaluation_period: 30, enabled: true, source: 'stored', created_at: null, updated_at: null, ...over,
  };
}

const RULES = [rule('cpu', 'cpu_percent', 70, 30), rule('utilisation', 'utilisation_percent', 75, 25), rule('backlog', 'backlog_drain_s', 60, 5)];

/** A window sampled every 5 s for `seconds`, values from `at(t)`. */
function windowOf(seconds: number, at: (t: number) => Partial<Record<ScalingMetric, number | null>>): SampleWindow {
  const w = new SampleWindow(3_600_000);
  for (let t = 0; t <= seconds; t += 5) w.push({ at: T0 + t * 1000, values: { ...emptyValues(), ...at(t) } });
  return w;
}

function input(over: Partial<EngineInput>): EngineInput {
  return {
    now: T0 + 60_000, current: 2, rules: RULES, policy: 'auto', window: windowOf(60, () => ({})), lastScaleAt: null,
    capacity: { perReplica: 40, source: 'heartbeats' }, arrivalsPerS: 0, driver: 'local', dryRun: false, settings, ...over,
  };
}

describe('decideScaling (majority vote, policies, target, prediction)', () => {
  it('scales up by majority to the target computed from backlog and throughput (auto)', () => {
    const w = windowOf(60, () => ({ cpu_percent: 20, utilisation_percent: 100, backlog_drain_s: 250, queue_depth: 20_000 }));
    const d = decideScaling(input({ window: w }));
    expect(d.votes).toEqual({ up: 2, down: 1, hold: 0, abstain: 0 });
    expect(d.action).toBe('scale_up');
    expect(d.target).toMatchObject({ queue_depth: 20_000, capacity_per_replica_per_s: 40, replicas: 9 });
    expect(d.recommended_instances).toBe(9);
    expect(d.reasoning.map((r) => r.type)).toEqual(['rule', 'rule', 'rule', 'target', 'vote', 'policy']);
  });

  it('applies the policy’s step: aggressive doubles, conservative grows by half', () => {
    const w = windowOf(60, () => ({ cpu_percent: 90, utilisation_percent: 90, backlog_drain_s: 30, queue_depth: 100 }));
    expect(decideScaling(input({ window: w, current: 4, policy: 'aggressive' })).recommended_instances).toBe(8);
    expect(decideScaling(input({ window: w, current: 4, policy: 'conservative' })).recommended_instances).toBe(5); // × 1.5 = 6, but the backlog needs only 1: one more
    expect(decideScaling(input({ window: w, current: 2, policy: 'conservative' })).recommended_instances).toBe(3);
  });

  it('holds on a tie (seed: majority voting)', () => {
    const w = windowOf(60, () => ({ cpu_percent: 90, utilisation_percent: 10, backlog_drain_s: 30, queue_depth: 0 }));
    const d = decideScaling(input({ window: w, current: 3 }));
    expect(d.votes).toMatchObject({ up: 1, down: 1, hold: 1 });
    expect(d.action).toBe('hold');
    expect(d.recommended_instances).toBe(3);
  });

  it('scales down by majority, halving at most with auto, and not below the backlog’s need', () => {
    const idle = windowOf(60, () => ({ cpu_percent: 2, utilisation_percent: 0, backlog_drain_s: 0, queue_depth: 0 }));
    expect(decideScaling(input({ window: idle, current: 8 }))).toMatchObject({ action: 'scale_down', recommended_instances: 4 });
    expect(decideScaling(input({ window: idle, current: 8, policy: 'conservative' })).recommended_instances).toBe(5); // bounded by max 5 first
    expect(decideScaling(input({ window: idle, current: 4, policy: 'conservative' })).recommended_instances).toBe(3);
    const stillBusy = windowOf(60, () => ({ cpu_percent: 2, utilisation_percent: 10, backlog_drain_s: 2, queue_depth: 7_000 }));
    const d = decideScaling(input({ window: stillBusy, current: 3 }));
    expect(d.action).toBe('hold');
    expect(d.reasoning.map((r) => r.reason)).toContain('the backlog needs 3 replica(s): not scaling down');
  });

  it('does not act during the cooldown after a scaling action (injected clock), then does', () => {
    const w = windowOf(300, () => ({ cpu_percent: 95, utilisation_percent: 95, backlog_drain_s: 200, queue_depth: 5_000 }));
    const during = decideScaling(input({ window: w, now: T0 + 300_000, lastScaleAt: T0 + 270_000, current: 3 }));
    expect(during.votes).toMatchObject({ up: 0, abstain: 3 });
    expect(during.action).toBe('hold');
    const after = decideScaling(input({ window: w, now: T0 + 330_000, lastScaleAt: T0 + 270_000, current: 3 }));
    expect(after.action).toBe('scale_up');
  });

  it('scales up ahead of a rising backlog (least-squares trend, auto only)', () => {
    // Backlog rising 100 tasks/s to 3,000 now; every rule holds (drain 20 s is under the 60 s threshold).
    const w = windowOf(60, (t) => ({ cpu_percent: 50, utilisation_percent: 50, backlog_drain_s: 20, queue_depth: 3000 + 100 * (t - 60) }));
    const d = decideScaling(input({ window: w, current: 2 }));
    expect(d.votes).toMatchObject({ up: 0, down: 0, hold: 3 });
    expect(d.prediction).toMatchObject({ slope_per_s: 100, r_squared: 1, horizon_s: 60, samples: 7, projected_queue_depth: 9000, replicas_needed: 4 });
    expect(d.recommended_instances).toBe(4);
    expect(d.action).toBe('scale_up');
    expect(d.reasoning.some((r) => r.type === 'predictive')).toBe(true);
    expect(decideScaling(input({ window: w, current: 2, policy: 'aggressive' })).action).toBe('hold');
  });

  it('does not take a burst (one jump of the backlog) for a trend', () => {
    // Flat at 0, then 2,000 at once: slope > 0 but R² < 0.9, so no projection.
    const w = windowOf(60, (t) => ({ cpu_percent: 50, utilisation_percent: 50, backlog_drain_s: 20, queue_depth: t < 60 ? 0 : 2000 }));
    const d = decideScaling(input({ window: w, current: 2 }));
    expect(d.prediction!.slope_per_s).toBeGreaterThan(0);
    expect(d.prediction!.r_squared).toBeLessThan(0.9);
    expect(d.prediction!.replicas_needed).toBeNull();
    expect(d.target.replicas).toBe(1); // 2000 / 60 / 40
    expect(d.action).toBe('hold');
  });

  it('starts a replica for waiting work when there is none (activation), and enforces the bounds', () => {
    const w = windowOf(60, () => ({ queue_depth: 50 }));
    expect(decideScaling(input({ window: w, current: 0, settings: { ...settings, minReplicas: 0 } }))).toMatchObject({ action: 'scale_up', recommended_instances: 1 });
    expect(decideScaling(input({ window: windowOf(60, () => ({})), current: 0 }))).toMatchObject({ action: 'scale_up', recommended_instances: 1 });
    expect(decideScaling(input({ window: windowOf(60, () => ({})), current: 30 }))).toMatchObject({ action: 'scale_down', recommended_instances: 20 });
  });

  it('clamps to the bounds: policy maximum, rules’ min/max, scaler’s min/max', () => {
    expect(boundsOf({ rules: RULES, policy: 'aggressive', settings })).toEqual({ min: 1, max: 10 });
    expect(boundsOf({ rules: RULES, policy: 'conservative', settings })).toEqual({ min: 1, max: 5 });
    expect(boundsOf({ rules: [rule('a', 'cpu_percent', 70, 30, { min_instances: 2, max_instances: 6 }), rule('b', 'cpu_percent', 70, 30, { min_instances: 3, max_instances: 4 })], policy: 'auto', settings })).toEqual({ min: 2, max: 6 });
    expect(boundsOf({ rules: [], policy: 'auto', settings: { ...settings, minReplicas: 30 } })).toEqual({ min: 20, max: 20 });
    const w = windowOf(60, () => ({ cpu_percent: 99, utilisation_percent: 99, backlog_drain_s: 999, queue_depth: 1e6 }));
    const d = decideScaling(input({ window: w, current: 9 }));
    expect(d).toMatchObject({ action: 'scale_up', recommended_instances: 20 });
    expect(d.reasoning.at(-1)).toMatchObject({ type: 'bounds' });
  });

  it('holds without data, saying so', () => {
    const d = decideScaling(input({ window: windowOf(60, () => ({})), current: 2 }));
    expect(d.votes).toEqual({ up: 0, down: 0, hold: 0, abstain: 3 });
    expect(d.rule_evaluations.map((e) => e.vote)).toEqual(['no_data', 'no_data', 'no_data']);
    expect(d.action).toBe('hold');
    expect(d.target.replicas).toBeNull();
  });
});
