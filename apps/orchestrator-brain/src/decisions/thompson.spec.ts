import {
  latencyUtility,
  mulberry32,
  posteriorMean,
  PRIOR_ALPHA,
  PRIOR_BETA,
  sampleBeta,
  sampleGamma,
  sampleNormal,
  thompsonDraws,
} from './thompson';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
}

describe('samplers (seeded)', () => {
  const N = 200_000;

  it('mulberry32 is reproducible and uniform on [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const m = moments(mulberry32(7), N);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(m.variance).toBeCloseTo(1 / 12, 2);
  });

  it('normal draws have mean 0 and variance 1', () => {
    const r = mulberry32(1);
    const m = moments(() => sampleNormal(r), N);
    expect(Math.abs(m.mean)).toBeLessThan(0.01);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
  });

  it.each([0.6, 1, 2.5, 10, 50])('Gamma(%p) draws have mean k and variance k', (k) => {
    const r = mulberry32(1000 + k * 10);
    const m = moments(() => sampleGamma(k, r), N);
    expect(Math.abs(m.mean - k) / k).toBeLessThan(0.01);
    expect(Math.abs(m.variance - k) / k).toBeLessThan(0.03);
  });

  it.each([
    [PRIOR_ALPHA, PRIOR_BETA],
    [3.4, 18.6],
    [19.4, 2.6],
    [0.6, 0.6],
  ])('Beta(%p, %p) draws have mean a/(a+b) and variance ab/((a+b)²(a+b+1))', (a, b) => {
    const r = mulberry32(99);
    const m = moments(() => sampleBeta(a, b, r), N);
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(m.mean - mean)).toBeLessThan(0.005);
    expect(Math.abs(m.variance - variance) / variance).toBeLessThan(0.03);
  });

  it('the prior Beta(1.4, 0.6) has mean 0.7 and variance 0.07', () => {
    const r = mulberry32(5);
    const m = moments(() => sampleBeta(PRIOR_ALPHA, PRIOR_BETA, r), N);
    expect(m.mean).toBeCloseTo(0.7, 2);
    expect(m.variance).toBeCloseTo(0.07, 2);
  });

  it('refuses a non-positive shape', () => {
    expect(() => sampleGamma(0, Math.random)).toThrow(RangeError);
    expect(() => sampleBeta(1, -1, Math.random)).toThrow(RangeError);
  });
});

describe('posterior mean and latency utility', () => {
  it('confidence is 0.7 with no history and 0.95 after 10 successes', () => {
    expect(posteriorMean(0, 0)).toBeCloseTo(0.7, 12);
    expect(posteriorMean(10, 0)).toBeCloseTo(0.95, 12);
    expect(posteriorMean(95, 5)).toBeCloseTo(96.4 / 102, 12);
  });

  it('utility is 1 without samples, ½ at τ, falling with latency', () => {
    expect(latencyUtility(null, 1000)).toBe(1);
    expect(latencyUtility(1000, 1000)).toBe(0.5);
    expect(latencyUtility(100, 1000)).toBeGreaterThan(latencyUtility(2000, 1000));
  });
});

describe('thompsonDraws', () => {
  it('returns every arm, best score first, score = θ × utility', () => {
    const draws = thompsonDraws(
      [
        { service: 'a', successes: 1, failures: 9, mean_latency_ms: 100 },
        { service: 'b', successes: 9, failures: 1, mean_latency_ms: 1000 },
        { service: 'c', successes: 0, failures: 0, mean_latency_ms: null },
      ],
      1000,
      mulberry32(3),
    );
    expect(draws.map((d) => d.service).sort()).toEqual(['a', 'b', 'c']);
    for (let i = 1; i < draws.length; i++) expect(draws[i - 1].score).toBeGreaterThanOrEqual(draws[i].score);
    for (const d of draws) expect(d.score).toBeCloseTo(d.theta * d.utility, 12);
    expect(draws.find((d) => d.service === 'b')!.utility).toBe(0.5);
  });
});
