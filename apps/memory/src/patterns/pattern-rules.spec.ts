import { LatencyHistogram, MemoryStatRow, ParamsSample } from '@apiary/persistence';
import { summariseRows } from '../stats/stat-window';
import { FEATURES_PER_LIST, hourPatterns, MIN_FEATURE_SUPPORT, parameterPatterns, servicePatterns } from './pattern-rules';

const hist = (...ms: number[]) => {
  const h = LatencyHistogram.empty();
  for (const m of ms) h.recordMs(m);
  return h.encode();
};
const row = (over: Partial<MemoryStatRow>): MemoryStatRow => ({
  task_type: 'email_campaign', service: '*', res: 'h', bucket: new Date('2026-03-01T09:00:00.000Z'), count: 0, successes: 0, failures: 0,
  latency_sum_ms: 0, last_at: new Date('2026-03-01T09:10:00.000Z'), latency_hist: hist(), errors: [], ...over,
});

describe('servicePatterns', () => {
  it('ranks services by success rate, then calls, with their quantiles', () => {
    const rows = [
      row({ service: 'email-ai', count: 4, successes: 2, failures: 2, latency_sum_ms: 400, latency_hist: hist(100, 100, 100, 100) }),
      row({ service: 'content-ai', count: 2, successes: 2, latency_sum_ms: 20, latency_hist: hist(10, 10) }),
      row({ service: 'mail-ai', count: 8, successes: 4, failures: 4, latency_sum_ms: 80, latency_hist: hist(...Array(8).fill(10)) }),
      row({ service: 'content-ai', bucket: new Date('2026-03-01T10:00:00.000Z'), count: 2, successes: 2, latency_sum_ms: 20, latency_hist: hist(10, 10) }),
    ];
    const ranked = servicePatterns(summariseRows(rows));
    expect(ranked.map((s) => [s.service, s.count, s.success_rate])).toEqual([
      ['content-ai', 4, 1],
      ['mail-ai', 8, 0.5],
      ['email-ai', 4, 0.5],
    ]);
    expect(ranked[2]).toMatchObject({ failures: 2, mean_latency_ms: 100 });
    expect(Math.abs(ranked[2].p95_ms - 100) / 100).toBeLessThanOrEqual(0.01);
  });
});

describe('hourPatterns', () => {
  it('sums results per UTC hour of day across days and resolutions', () => {
    const rows = [
      row({ bucket: new Date('2026-03-01T09:00:00.000Z'), count: 10, successes: 9, failures: 1 }),
      row({ bucket: new Date('2026-03-02T09:00:00.000Z'), count: 10, successes: 5, failures: 5 }),
      row({ res: 'm', bucket: new Date('2026-03-02T22:41:00.000Z'), count: 4, successes: 1, failures: 3 }),
      row({ bucket: new Date('2026-03-02T03:00:00.000Z'), count: 0 }),
    ];
    expect(hourPatterns(rows)).toEqual([
      { hour: 9, count: 20, successes: 14, success_rate: 0.7 },
      { hour: 22, count: 4, successes: 1, success_rate: 0.25 },
    ]);
  });
});

describe('parameterPatterns', () => {
  const sample = (n: number, params: Record<string, unknown> | null, success: boolean): ParamsSample[] =>
    Array.from({ length: n }, () => ({ success, params: params as ParamsSample['params'] }));

  it('finds the values that go with success and with failure, by lift over the sample rate', () => {
    const results = [
      ...sample(8, { audience: 'tech', size: 10, body: '<object>' }, true),
      ...sample(2, { audience: 'tech', size: 10, body: '<object>' }, false),
      ...sample(2, { audience: 'general', size: 10, body: '<object>' }, true),
      ...sample(8, { audience: 'general', size: 10, body: '<object>' }, false),
      ...sample(4, null, true),
    ];
    const p = parameterPatterns(results);
    expect(p).toMatchObject({ sampled: 24, with_params: 20, success_rate: 0.5 });
    // `size` and `body` are in every result: lift 0, not reported; markers never as values.
    expect(p.succeeding).toEqual([
      { key: 'audience', match: 'equals', value: 'tech', results: 10, successes: 8, success_rate: 0.8, lift: 0.3 },
    ]);
    expect(p.failing).toEqual([
      { key: 'audience', match: 'equals', value: 'general', results: 10, successes: 2, success_rate: 0.2, lift: -0.3 },
    ]);
  });

  it('reports key presence, ignores features seen in fewer than 5 results, and bounds the lists', () => {
    const results = [
      ...sample(MIN_FEATURE_SUPPORT, { dry_run: true }, false),
      ...sample(MIN_FEATURE_SUPPORT, {}, true),
      ...sample(MIN_FEATURE_SUPPORT - 1, { rare: 1 }, true),
      ...Array.from({ length: 30 }, (_, i) => sample(MIN_FEATURE_SUPPORT, { [`k${i}`]: 'v' }, true)).flat(),
    ];
    const p = parameterPatterns(results);
    expect(p.failing.map((f) => [f.key, f.match])).toEqual([['dry_run', 'equals'], ['dry_run', 'present']]);
    expect(p.succeeding.length).toBe(FEATURES_PER_LIST);
    expect([...p.succeeding, ...p.failing].some((f) => f.key === 'rare')).toBe(false);
  });

  it('is empty without digests', () => {
    expect(parameterPatterns(sample(3, null, true))).toEqual({ sampled: 3, with_params: 0, success_rate: null, succeeding: [], failing: [] });
  });
});
