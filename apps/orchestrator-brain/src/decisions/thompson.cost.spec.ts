// Proves the cost term of Thompson sampling: costUtility = (c_min / c)^w (1 when unknown, free or w = 0) and
// thompsonDraws scoring θ × latency utility × cost utility against the cheapest known cost.
import { ArmEvidence, costUtility, mulberry32, thompsonDraws } from './thompson';

describe('costUtility', () => {
  it('is (cheapest / cost) ^ weight', () => {
    expect(costUtility(0.003, 0.001, 1)).toBeCloseTo(1 / 3, 12);
    expect(costUtility(0.003, 0.001, 2)).toBeCloseTo(1 / 9, 12);
    expect(costUtility(0.01, 0.001, 0.5)).toBeCloseTo(Math.sqrt(0.1), 12);
    expect(costUtility(0.001, 0.001, 3)).toBe(1);
  });

  it('is 1 when cost is ignored, unknown or free, and never above 1', () => {
    expect(costUtility(0.01, 0.001, 0)).toBe(1);
    expect(costUtility(null, 0.001, 1)).toBe(1);
    expect(costUtility(undefined, 0.001, 1)).toBe(1);
    expect(costUtility(0, 0.001, 1)).toBe(1);
    expect(costUtility(-1, 0.001, 1)).toBe(1);
    expect(costUtility(0.01, null, 1)).toBe(1);
    expect(costUtility(0.01, 0, 1)).toBe(1);
    expect(costUtility(0.0005, 0.001, 1)).toBe(1); // cheaper than the "cheapest": capped
    expect(costUtility(0.01, 0.001, Number.NaN)).toBe(1);
  });
});

describe('thompsonDraws with a cost weight', () => {
  const arms: ArmEvidence[] = [
    { service: 'p1/m', successes: 50, failures: 0, mean_latency_ms: 100, expected_cost_usd: 0.001 },
    { service: 'p3/m', successes: 50, failures: 0, mean_latency_ms: 100, expected_cost_usd: 0.003 },
    { service: 'free/m', successes: 50, failures: 0, mean_latency_ms: 100, expected_cost_usd: null },
    { service: 'zero/m', successes: 50, failures: 0, mean_latency_ms: 100, expected_cost_usd: 0 },
  ];

  it('scores θ × utility × cost utility, the cheapest known positive cost being the reference', () => {
    const draws = thompsonDraws(arms, 1000, mulberry32(5), 1);
    const by = new Map(draws.map((d) => [d.service, d]));
    expect(by.get('p1/m')!.cost_utility).toBe(1);
    expect(by.get('p3/m')!.cost_utility).toBeCloseTo(1 / 3, 12);
    expect(by.get('free/m')!.cost_utility).toBe(1);
    expect(by.get('zero/m')!.cost_utility).toBe(1);
    for (const d of draws) {
      expect(d.score).toBeCloseTo(d.theta * d.utility * d.cost_utility, 12);
      expect(d.utility).toBeCloseTo(1000 / 1100, 12);
    }
    for (let i = 1; i < draws.length; i++) expect(draws[i - 1].score).toBeGreaterThanOrEqual(draws[i].score);
    expect(draws[draws.length - 1].service).toBe('p3/m');
  });

  it('ignores cost by default and with weight 0', () => {
    for (const draws of [thompsonDraws(arms, 1000, mulberry32(5)), thompsonDraws(arms, 1000, mulberry32(5), 0)]) {
      for (const d of draws) {
        expect(d.cost_utility).toBe(1);
        expect(d.score).toBeCloseTo(d.theta * d.utility, 12);
      }
    }
  });

  it('draws the same θ whatever the weight (the weight only rescales): same seed, same thetas', () => {
    const a = new Map(thompsonDraws(arms, 1000, mulberry32(9), 0).map((d) => [d.service, d.theta]));
    const b = new Map(thompsonDraws(arms, 1000, mulberry32(9), 2).map((d) => [d.service, d.theta]));
    expect(b).toEqual(a);
  });

  it('with equal evidence the cheaper of two arms wins nearly always at weight 1, about half the time at weight 0', () => {
    const two = arms.slice(0, 2);
    const random = mulberry32(21);
    let cheapWeighted = 0;
    let cheapIgnored = 0;
    for (let i = 0; i < 1000; i++) {
      if (thompsonDraws(two, 1000, random, 1)[0].service === 'p1/m') cheapWeighted++;
      if (thompsonDraws(two, 1000, random, 0)[0].service === 'p1/m') cheapIgnored++;
    }
    expect(cheapWeighted).toBe(1000);
    expect(cheapIgnored).toBeGreaterThan(400);
    expect(cheapIgnored).toBeLessThan(600);
  });
});
