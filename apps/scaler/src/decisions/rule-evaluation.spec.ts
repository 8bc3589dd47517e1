import type { ScalingRuleView } from '@apiary/contracts';
import { countVotes, evaluateRule } from './rule-evaluation';
import { SampleWindow } from './sample-window';
import { emptyValues } from './scaling-engine';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function rule(over: Partial<ScalingRuleView> = {}): ScalingRuleView {
  return {
    name: 'cpu', metric: 'cpu_percent', scale_up_threshold: 70, scale_down_threshold: 30, min_instances: 1, max_instances: 10,
    cooldown_period: 300, evaluation_period: 60, enabled: true, source: 'stored', created_at: null, updated_at: null, ...over,
  };
}

/** Samples every 5 s from T0 for `seconds`, with cpu_percent from `value(t)`. */
function windowOf(seconds: number, value: (t: number) => number | null): SampleWindow {
  const w = new SampleWindow(3_600_000);
  for (let t = 0; t <= seconds; t += 5) w.push({ at: T0 + t * 1000, values: { ...emptyValues(), cpu_percent: value(t) } });
  return w;
}

describe('evaluateRule (seed 003 ScalingRule)', () => {
  const now = T0 + 120_000;
  const ctx = { now, lastScaleAt: null, observedSince: T0, current: 3 };

  it('votes up when the mean over the evaluation period is above scale_up_threshold', () => {
    const e = evaluateRule(rule(), windowOf(120, () => 85), ctx);
    expect(e).toMatchObject({ vote: 'up', value: 85, samples: 13, reason: 'cpu_percent 85 > 70' });
  });

  it('averages only the evaluation period: an old spike does not count', () => {
    const w = windowOf(120, (t) => (t < 50 ? 100 : 20));
    expect(evaluateRule(rule({ evaluation_period: 60 }), w, ctx)).toMatchObject({ vote: 'down', value: 20 });
    expect(evaluateRule(rule({ evaluation_period: 120 }), w, ctx).value).toBeCloseTo((10 * 100 + 15 * 20) / 25 + 0, 0);
  });

  it('votes down below scale_down_threshold and holds in between', () => {
    expect(evaluateRule(rule(), windowOf(120, () => 10), ctx).vote).toBe('down');
    expect(evaluateRule(rule(), windowOf(120, () => 50), ctx)).toMatchObject({ vote: 'hold', reason: 'cpu_percent 50 within [30, 70]' });
  });

  it('holds at max_instances and min_instances instead of voting past them', () => {
    expect(evaluateRule(rule({ max_instances: 3 }), windowOf(120, () => 90), ctx)).toMatchObject({ vote: 'hold' });
    expect(evaluateRule(rule({ min_instances: 3 }), windowOf(120, () => 5), ctx)).toMatchObject({ vote: 'hold' });
  });

  it('abstains during the cooldown after a scaling action, then votes again (injected clock)', () => {
    const w = windowOf(600, () => 90);
    const lastScaleAt = T0 + 300_000;
    const during = evaluateRule(rule({ cooldown_period: 300 }), w, { ...ctx, now: T0 + 400_000, lastScaleAt });
    expect(during).toMatchObject({ vote: 'cooldown', cooldown_remaining_s: 200 });
    const edge = evaluateRule(rule({ cooldown_period: 300 }), w, { ...ctx, now: T0 + 599_999, lastScaleAt });
    expect(edge.vote).toBe('cooldown');
    const after = evaluateRule(rule({ cooldown_period: 300 }), w, { ...ctx, now: T0 + 600_000, lastScaleAt });
    expect(after).toMatchObject({ vote: 'up', cooldown_remaining_s: 0 });
  });

  it('warms up until the scaler has observed a whole evaluation period', () => {
    const w = windowOf(30, () => 95);
    expect(evaluateRule(rule({ evaluation_period: 60 }), w, { ...ctx, now: T0 + 30_000 })).toMatchObject({ vote: 'warming_up' });
    expect(evaluateRule(rule({ evaluation_period: 30 }), w, { ...ctx, now: T0 + 30_000 })).toMatchObject({ vote: 'up' });
  });

  it('abstains without data or when disabled', () => {
    expect(evaluateRule(rule(), windowOf(120, () => null), ctx)).toMatchObject({ vote: 'no_data', value: null, samples: 0 });
    expect(evaluateRule(rule({ enabled: false }), windowOf(120, () => 99), ctx).vote).toBe('disabled');
  });

  it('counts votes and abstentions', () => {
    const w = windowOf(120, () => 90);
    const evals = [
      evaluateRule(rule({ name: 'a' }), w, ctx),
      evaluateRule(rule({ name: 'b', scale_up_threshold: 95, scale_down_threshold: 91 }), w, ctx),
      evaluateRule(rule({ name: 'c', scale_up_threshold: 99, scale_down_threshold: 20 }), w, ctx),
      evaluateRule(rule({ name: 'd', enabled: false }), w, ctx),
    ];
    expect(evals.map((e) => e.vote)).toEqual(['up', 'down', 'hold', 'disabled']);
    expect(countVotes(evals)).toEqual({ up: 1, down: 1, hold: 1, abstain: 1 });
  });
});
