import { QuantileSketch } from './quantile-sketch';

describe('QuantileSketch (DDSketch, 1 %)', () => {
  it('answers the median within 1 % relative error, negatives and zeros included', () => {
    const s = new QuantileSketch();
    const values = [-50, -3.5, -1, 0, 0, 2, 4.2, 8, 100, 1000, 1001];
    values.forEach((v) => s.add(v));
    const median = 2; // sorted: -50, -3.5, -1, 0, 0, 2, 4.2, ...: the 6th of 11
    expect(Math.abs((s.quantile(0.5) as number) - median) / median).toBeLessThanOrEqual(0.01);
    expect(Math.abs((s.quantile(0) as number) - -50) / 50).toBeLessThanOrEqual(0.01);
    expect(new QuantileSketch().quantile(0.5)).toBeNull();
  });

  it('merges bucket counts (negative store too) and survives its JSON state', () => {
    const all = new QuantileSketch();
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    for (let i = -500; i < 1500; i++) {
      const v = i * 0.37;
      all.add(v);
      (i % 2 === 0 ? a : b).add(v);
    }
    const merged = QuantileSketch.fromState(JSON.parse(JSON.stringify(a.toState())));
    merged.merge(QuantileSketch.fromState(b.toState()));
    expect(merged.count).toBe(all.count);
    for (const q of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) expect(merged.quantile(q)).toBe(all.quantile(q));
    expect(merged.toState()).toEqual(all.toState());
  });
});
