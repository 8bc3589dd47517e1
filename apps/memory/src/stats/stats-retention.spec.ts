import pino from 'pino';
import { StatsRetention, STATS_RETENTION_MS } from './stats-retention';

describe('StatsRetention', () => {
  const now = Date.parse('2026-03-31T00:00:00.000Z');

  it('keeps service_stats buckets for the longest window (30 days) plus a minute', () => {
    expect(STATS_RETENTION_MS).toBe((30 * 86_400 + 60) * 1000);
  });

  it('runs every job with the same now and reports what each deleted', async () => {
    const seen: [string, Date][] = [];
    const retention = new StatsRetention(
      [
        { name: 'a', run: async (d) => (seen.push(['a', d]), 7) },
        { name: 'b', run: async (d) => (seen.push(['b', d]), 2) },
      ],
      60_000,
      pino({ level: 'silent' }),
      () => now,
    );
    expect(await retention.prune()).toEqual({ a: 7, b: 2 });
    expect(seen).toEqual([['a', new Date(now)], ['b', new Date(now)]]);
  });

  it('goes on with the next job when one fails', async () => {
    const retention = new StatsRetention(
      [
        { name: 'broken', run: async () => Promise.reject(new Error('db down')) },
        { name: 'fine', run: async () => 3 },
      ],
      60_000,
      pino({ level: 'silent' }),
      () => now,
    );
    expect(await retention.prune()).toEqual({ broken: 0, fine: 3 });
  });
});
