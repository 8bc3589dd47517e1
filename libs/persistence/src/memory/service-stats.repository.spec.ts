import { aggregateServiceStats, ServiceStatSample } from './service-stats.repository';

describe('aggregateServiceStats', () => {
  const s = (over: Partial<ServiceStatSample>): ServiceStatSample => ({
    task_type: 'email_campaign', service: 'email-ai', success: true, latency_ms: 10, at: '2026-01-01T10:00:05.000Z', ...over,
  });

  it('sums per (task type, minute bucket, service), in key order', () => {
    const deltas = aggregateServiceStats([
      s({ service: 'email-ai', success: false, latency_ms: 30, at: '2026-01-01T10:00:59.999Z' }),
      s({ service: 'content-ai', latency_ms: 200 }),
      s({ service: 'email-ai', latency_ms: 20 }),
      s({ service: 'email-ai', at: '2026-01-01T10:01:00.000Z' }),
    ]);
    expect(deltas).toEqual([
      { task_type: 'email_campaign', service: 'content-ai', bucket: '2026-01-01T10:00:00.000Z', count: 1, successes: 1, failures: 0, latency_sum_ms: 200, last_at: '2026-01-01T10:00:05.000Z', cost_usd_sum: 0, tokens_sum: 0 },
      { task_type: 'email_campaign', service: 'email-ai', bucket: '2026-01-01T10:00:00.000Z', count: 2, successes: 1, failures: 1, latency_sum_ms: 50, last_at: '2026-01-01T10:00:59.999Z', cost_usd_sum: 0, tokens_sum: 0 },
      { task_type: 'email_campaign', service: 'email-ai', bucket: '2026-01-01T10:01:00.000Z', count: 1, successes: 1, failures: 0, latency_sum_ms: 10, last_at: '2026-01-01T10:01:00.000Z', cost_usd_sum: 0, tokens_sum: 0 },
    ]);
  });

  it('skips unparsable times and counts bad latencies as 0', () => {
    expect(aggregateServiceStats([s({ at: 'not a time' })])).toEqual([]);
    expect(aggregateServiceStats([s({ latency_ms: Number.NaN }), s({ latency_ms: -5 })])[0]).toMatchObject({ count: 2, latency_sum_ms: 0 });
  });
});
