import { aggregateMemoryStats, ALL_SERVICES } from './memory-stats.repository';
import { aggregateRunnerStats } from './runner-stats.repository';
import type { ServiceStatSample } from './service-stats.repository';

describe('aggregateMemoryStats', () => {
  const now = Date.parse('2026-01-01T10:30:00.000Z');
  const s = (over: Partial<ServiceStatSample>): ServiceStatSample => ({
    task_type: 'email_campaign', service: 'email-ai', success: true, latency_ms: 10, at: '2026-01-01T10:00:05.000Z', ...over,
  });

  it('counts every sample in its minute row and its hour row, keys in lock order', () => {
    const deltas = aggregateMemoryStats(
      [
        s({ at: '2026-01-01T10:01:00.000Z', latency_ms: 30 }),
        s({ success: false, error_code: 'HTTP_503', error_message: 'upstream 503 after 120 ms' }),
        s({ service: ALL_SERVICES, latency_ms: 40 }),
      ],
      now,
    );
    expect(deltas.map((d) => [d.service, d.res, d.bucket, d.count, d.successes, d.failures, d.latency_sum_ms, d.last_at])).toEqual([
      ['*', 'h', '2026-01-01T10:00:00.000Z', 1, 1, 0, 40, '2026-01-01T10:00:05.000Z'],
      ['*', 'm', '2026-01-01T10:00:00.000Z', 1, 1, 0, 40, '2026-01-01T10:00:05.000Z'],
      ['email-ai', 'h', '2026-01-01T10:00:00.000Z', 2, 1, 1, 40, '2026-01-01T10:01:00.000Z'],
      ['email-ai', 'm', '2026-01-01T10:00:00.000Z', 1, 0, 1, 10, '2026-01-01T10:00:05.000Z'],
      ['email-ai', 'm', '2026-01-01T10:01:00.000Z', 1, 1, 0, 30, '2026-01-01T10:01:00.000Z'],
    ]);
    const hour = deltas[2];
    expect(hour.hist.count).toBe(2);
    expect(hour.errors.top()).toEqual([{ code: 'HTTP_503', message: 'upstream # after # ms', count: 1 }]);
  });

  it('counts a failure without a code as UNKNOWN', () => {
    const [d] = aggregateMemoryStats([s({ success: false })], now);
    expect(d.errors.top()).toEqual([{ code: 'UNKNOWN', message: '', count: 1 }]);
  });

  it('skips resolutions the sample is too old for, and unparsable times', () => {
    const threeDaysAgo = new Date(now - 3 * 86_400_000).toISOString();
    const fortyDaysAgo = new Date(now - 40 * 86_400_000).toISOString();
    expect(aggregateMemoryStats([s({ at: threeDaysAgo })], now).map((d) => d.res)).toEqual(['h']);
    expect(aggregateMemoryStats([s({ at: fortyDaysAgo }), s({ at: 'yesterday' })], now)).toEqual([]);
  });
});

describe('aggregateRunnerStats', () => {
  it('sums results and busy time per runner, minute and hour rows', () => {
    const now = Date.parse('2026-01-01T10:30:00.000Z');
    const deltas = aggregateRunnerStats(
      [
        { runner: 'r2', latency_ms: 5, at: '2026-01-01T10:00:01.000Z' },
        { runner: 'r1', latency_ms: 10, at: '2026-01-01T10:00:02.000Z' },
        { runner: 'r1', latency_ms: -1, at: '2026-01-01T10:00:03.000Z' },
      ],
      now,
    );
    expect(deltas).toEqual([
      { runner: 'r1', res: 'h', bucket: '2026-01-01T10:00:00.000Z', count: 2, busy_ms: 10, last_at: '2026-01-01T10:00:03.000Z' },
      { runner: 'r1', res: 'm', bucket: '2026-01-01T10:00:00.000Z', count: 2, busy_ms: 10, last_at: '2026-01-01T10:00:03.000Z' },
      { runner: 'r2', res: 'h', bucket: '2026-01-01T10:00:00.000Z', count: 1, busy_ms: 5, last_at: '2026-01-01T10:00:01.000Z' },
      { runner: 'r2', res: 'm', bucket: '2026-01-01T10:00:00.000Z', count: 1, busy_ms: 5, last_at: '2026-01-01T10:00:01.000Z' },
    ]);
  });
});
