import type { ServiceStatTotals } from '@apiary/persistence';
import { ServiceStatsService } from './service-stats.service';

describe('ServiceStatsService', () => {
  const now = Date.parse('2026-03-01T12:00:30.000Z');
  const row = (over: Partial<ServiceStatTotals> = {}): ServiceStatTotals => ({
    task_type: 'email_campaign', service: 'email-ai', count: 3, successes: 2, failures: 1, latency_sum_ms: 100,
    last_at: new Date('2026-03-01T12:00:00.000Z'), ...over,
  });

  it('reads the window back from now, default 3,600 s, and derives the mean latency', async () => {
    const calls: [Date, string[] | undefined][] = [];
    const service = new ServiceStatsService({ window: async (since, types) => (calls.push([since, types]), [row()]) }, () => now);
    const reply = await service.query({ task_types: ['email_campaign', 'email_campaign'] });
    expect(calls).toEqual([[new Date(now - 3_600_000), ['email_campaign']]]);
    expect(reply).toEqual({
      window_s: 3600,
      stats: [{ task_type: 'email_campaign', service: 'email-ai', count: 3, successes: 2, failures: 1, mean_latency_ms: 33.333, last_at: '2026-03-01T12:00:00.000Z' }],
    });
  });

  it('asks for every type when none is named, and nothing for an empty list', async () => {
    const calls: (string[] | undefined)[] = [];
    const service = new ServiceStatsService({ window: async (_since, types) => (calls.push(types), []) }, () => now);
    expect(await service.query({ window_s: 60 })).toEqual({ window_s: 60, stats: [] });
    expect(await service.query({ task_types: [] })).toEqual({ window_s: 3600, stats: [] });
    expect(calls).toEqual([undefined]);
  });
});
