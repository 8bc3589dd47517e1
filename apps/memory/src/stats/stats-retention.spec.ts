import pino from 'pino';
import { StatsRetention, STATS_RETENTION_MS } from './stats-retention';

describe('StatsRetention', () => {
  it('deletes buckets older than the longest window (30 days) plus a minute', async () => {
    const before: Date[] = [];
    const now = Date.parse('2026-03-31T00:00:00.000Z');
    const retention = new StatsRetention({ prune: async (d) => (before.push(d), 7) }, 60_000, pino({ level: 'silent' }), () => now);
    expect(await retention.prune()).toBe(7);
    expect(STATS_RETENTION_MS).toBe((30 * 86_400 + 60) * 1000);
    expect(before).toEqual([new Date('2026-02-28T23:59:00.000Z')]);
  });
});
