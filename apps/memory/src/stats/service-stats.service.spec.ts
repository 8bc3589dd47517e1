import { LatencyHistogram, MemoryStatRow, MemoryStatsRepository, RunnerTotals, ServiceStatTotals } from '@apiary/persistence';
import { ServiceStatsService } from './service-stats.service';

describe('ServiceStatsService', () => {
  const now = Date.parse('2026-03-01T12:00:30.000Z');
  const row = (over: Partial<ServiceStatTotals> = {}): ServiceStatTotals => ({
    task_type: 'email_campaign', service: 'email-ai', count: 3, successes: 2, failures: 1, latency_sum_ms: 100,
    last_at: new Date('2026-03-01T12:00:00.000Z'), cost_usd_sum: 0, tokens_sum: 0, ...over,
  });
  const unused = async (): Promise<never> => {
    throw new Error('not expected on this path');
  };
  const hist = (...ms: number[]) => {
    const h = LatencyHistogram.empty();
    for (const m of ms) h.recordMs(m);
    return h.encode();
  };
  const statRow = (over: Partial<MemoryStatRow>): MemoryStatRow => ({
    task_type: 'email_campaign', service: 'email-ai', res: 'm', bucket: new Date('2026-03-01T11:30:00.000Z'), count: 0, successes: 0,
    failures: 0, latency_sum_ms: 0, last_at: new Date('2026-03-01T11:30:10.000Z'), latency_hist: hist(), errors: [], ...over,
  });

  it('cheap path: reads service_stats back from now, default 3,600 s, and derives the mean latency', async () => {
    const calls: [Date, string[] | undefined][] = [];
    const service = new ServiceStatsService(
      { serviceStats: { window: async (since, types) => (calls.push([since, types]), [row()]) }, memoryStats: { window: unused }, runnerStats: { window: unused } },
      () => now,
    );
    const reply = await service.query({ task_types: ['email_campaign', 'email_campaign'] });
    expect(calls).toEqual([[new Date(now - 3_600_000), ['email_campaign']]]);
    expect(reply).toEqual({
      window_s: 3600,
      stats: [{ task_type: 'email_campaign', service: 'email-ai', count: 3, successes: 2, failures: 1, mean_latency_ms: 33.333, last_at: '2026-03-01T12:00:00.000Z' }],
    });
  });

  it('asks for every type when none is named, and nothing for an empty list', async () => {
    const calls: (string[] | undefined)[] = [];
    const service = new ServiceStatsService(
      { serviceStats: { window: async (_since, types) => (calls.push(types), []) }, memoryStats: { window: unused }, runnerStats: { window: unused } },
      () => now,
    );
    expect(await service.query({ window_s: 60 })).toEqual({ window_s: 60, stats: [] });
    expect(await service.query({ task_types: [], detail: true })).toEqual({ window_s: 3600, stats: [] });
    expect(calls).toEqual([undefined]);
  });

  it('detail: merges the window rows of each service: counts, quantiles of all latencies, top 5 error patterns', async () => {
    const asked: Parameters<MemoryStatsRepository['window']>[0][] = [];
    const rows = [
      statRow({ count: 2, successes: 1, failures: 1, latency_sum_ms: 30, latency_hist: hist(10, 20), errors: [{ code: 'HTTP_503', message: '', count: 1 }] }),
      statRow({
        res: 'h', bucket: new Date('2026-03-01T12:00:00.000Z'), count: 2, successes: 0, failures: 2, latency_sum_ms: 1030,
        latency_hist: hist(30, 1000), last_at: new Date('2026-03-01T12:00:20.000Z'),
        errors: [{ code: 'HTTP_503', message: '', count: 1 }, { code: 'HTTP_TIMEOUT', message: '', count: 1 }],
      }),
      statRow({ service: 'content-ai', count: 1, successes: 1, latency_sum_ms: 5, latency_hist: hist(5) }),
    ];
    const service = new ServiceStatsService(
      { serviceStats: { window: unused }, memoryStats: { window: async (o) => (asked.push(o), rows) }, runnerStats: { window: unused } },
      () => now,
    );
    const reply = await service.query({ task_types: ['email_campaign'], detail: true });
    expect(asked).toEqual([{ since: new Date(now - 3_600_000), now: new Date(now), taskTypes: ['email_campaign'], scope: 'service' }]);
    expect(reply.stats).toEqual([
      {
        task_type: 'email_campaign', service: 'content-ai', count: 1, successes: 1, failures: 0, mean_latency_ms: 5,
        last_at: '2026-03-01T11:30:10.000Z', p50_ms: expect.closeTo(5, 1), p95_ms: expect.closeTo(5, 1), p99_ms: expect.closeTo(5, 1), error_patterns: [],
      },
      {
        task_type: 'email_campaign', service: 'email-ai', count: 4, successes: 1, failures: 3, mean_latency_ms: 265,
        last_at: '2026-03-01T12:00:20.000Z',
        p50_ms: expect.any(Number), p95_ms: expect.any(Number), p99_ms: expect.any(Number),
        error_patterns: [{ code: 'HTTP_503', message: '', count: 2 }, { code: 'HTTP_TIMEOUT', message: '', count: 1 }],
      },
    ]);
    // Latencies 10, 20, 30, 1000 ms: p50 is the 2nd (20), p95 and p99 the 4th (1000), within the histogram's 1 %.
    const merged = reply.stats[1];
    expect(Math.abs(merged.p50_ms! - 20) / 20).toBeLessThanOrEqual(0.01);
    expect(Math.abs(merged.p95_ms! - 1000) / 1000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(merged.p99_ms! - 1000) / 1000).toBeLessThanOrEqual(0.01);
  });

  it('group_by task_type without detail: the type rows (service "*"), no quantiles', async () => {
    const asked: string[] = [];
    const service = new ServiceStatsService(
      {
        serviceStats: { window: unused },
        memoryStats: { window: async (o) => (asked.push(o.scope), [statRow({ service: '*', count: 2, successes: 2, latency_sum_ms: 8 })]) },
        runnerStats: { window: unused },
      },
      () => now,
    );
    const reply = await service.query({ group_by: 'task_type', window_s: 600 });
    expect(asked).toEqual(['type']);
    expect(reply).toEqual({
      window_s: 600,
      stats: [{ task_type: 'email_campaign', service: '*', count: 2, successes: 2, failures: 0, mean_latency_ms: 4, last_at: '2026-03-01T11:30:10.000Z' }],
    });
  });

  it('runner load over the window', async () => {
    const seen: [Date, Date][] = [];
    const totals: RunnerTotals[] = [{ runner: 'bot-runtime-1', count: 10, busy_ms: 123.4567, last_at: new Date('2026-03-01T12:00:00.000Z') }];
    const service = new ServiceStatsService(
      { serviceStats: { window: unused }, memoryStats: { window: unused }, runnerStats: { window: async (a, b) => (seen.push([a, b]), totals) } },
      () => now,
    );
    expect(await service.runners({ window_s: 120 })).toEqual({
      window_s: 120,
      runners: [{ runner: 'bot-runtime-1', count: 10, busy_ms: 123.457, last_at: '2026-03-01T12:00:00.000Z' }],
    });
    expect(seen).toEqual([[new Date(now - 120_000), new Date(now)]]);
  });
});
