import { LATENCY_HIST_HIGHEST_US, LatencyHistogram } from './latency-histogram';

/** Deterministic pseudo-random source (mulberry32), so the data set is known. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact quantile of a sorted sample: the smallest value with at least p % of the values at or below it. */
function exact(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Log-normal latencies (median ~50 ms, long tail), rounded to the microsecond. */
function latencies(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(Math.exp(Math.log(50) + 1.2 * z) * 1000) / 1000;
  });
}

describe('LatencyHistogram', () => {
  it('gives p50/p95/p99 within 1 % of the exact quantiles of a known data set', () => {
    const values = latencies(20_000, 42);
    const h = LatencyHistogram.empty();
    for (const v of values) h.recordMs(v);
    const sorted = [...values].sort((a, b) => a - b);
    expect(h.count).toBe(20_000);
    for (const p of [50, 95, 99]) {
      const want = exact(sorted, p);
      const got = h.quantileMs(p)!;
      expect({ p, relativeError: Math.abs(got - want) / want < 0.01 }).toEqual({ p, relativeError: true });
    }
  });

  it('merged per-bucket histograms answer exactly as one histogram of all values, also through encode/decode', () => {
    const values = latencies(9_000, 7);
    const whole = LatencyHistogram.empty();
    for (const v of values) whole.recordMs(v);
    // Three "buckets", each stored encoded and merged at read time.
    const merged = LatencyHistogram.empty();
    for (let b = 0; b < 3; b++) {
      const bucket = LatencyHistogram.empty();
      for (const v of values.slice(b * 3000, (b + 1) * 3000)) bucket.recordMs(v);
      merged.merge(LatencyHistogram.decode(bucket.encode()));
    }
    expect(merged.count).toBe(whole.count);
    for (const p of [1, 50, 90, 95, 99, 99.9, 100]) expect(merged.quantileMs(p)).toBe(whole.quantileMs(p));
  });

  it('keeps sub-millisecond latencies apart (microsecond resolution)', () => {
    const h = LatencyHistogram.empty();
    for (let i = 0; i < 50; i++) h.recordMs(0.2);
    for (let i = 0; i < 50; i++) h.recordMs(0.8);
    expect(h.quantileMs(25)).toBe(0.2);
    expect(h.quantileMs(99)).toBeCloseTo(0.8, 2);
  });

  it('counts negative or non-finite latencies as 0 and caps longer than an hour at an hour', () => {
    const h = LatencyHistogram.empty();
    h.recordMs(-5);
    h.recordMs(Number.NaN);
    h.recordMs(10 * 3_600_000);
    expect(h.count).toBe(3);
    expect(h.quantileMs(50)).toBe(0);
    expect(Math.abs(h.quantileMs(100)! - LATENCY_HIST_HIGHEST_US / 1000) / (LATENCY_HIST_HIGHEST_US / 1000)).toBeLessThan(0.01);
  });

  it('is empty with no values (quantiles null) and refuses to decode garbage', () => {
    expect(LatencyHistogram.empty().quantileMs(50)).toBeNull();
    expect(LatencyHistogram.decode(LatencyHistogram.empty().encode()).count).toBe(0);
    expect(() => LatencyHistogram.decode('bm90IGEgaGlzdG9ncmFt')).toThrow();
  });
});
