import { ApiaryError, MEMORY_SERVICE_STATS, ServiceStatsReply } from '@apiary/contracts';
import { MemoryStatsSource } from './learned-stats';
import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('serves a value for ttl ms, shares the load in flight, does not cache failures', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1000, () => now);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads += 1;
      await gate;
      return loads;
    };
    const concurrent = [cache.get('a', load), cache.get('a', load), cache.get('a', load)];
    release();
    expect(await Promise.all(concurrent)).toEqual([1, 1, 1]);
    now = 999;
    expect(await cache.get('a', load)).toBe(1);
    now = 1000;
    expect(await cache.get('a', load)).toBe(2);
    await expect(cache.get('b', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('b', async () => 7)).toBe(7);
  });

  it('keeps at most maxEntries keys', async () => {
    const cache = new TtlCache<string>(60_000, () => 0, 2);
    let loads = 0;
    const load = (v: string) => async () => (loads++, v);
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    await cache.get('b', load('b'));
    expect(loads).toBe(3);
    await cache.get('a', load('a')); // evicted first
    expect(loads).toBe(4);
  });
});

describe('MemoryStatsSource', () => {
  const reply: ServiceStatsReply = {
    window_s: 600,
    stats: [{ task_type: 't', service: 's', count: 2, successes: 1, failures: 1, mean_latency_ms: 5, last_at: '2026-01-01T00:00:00.000Z' }],
  };

  it('asks memory at most once per task type per TTL, with the window', async () => {
    let now = 0;
    const requests: unknown[] = [];
    const rpc = { request: async <T>(subject: string, data: unknown) => (requests.push([subject, data]), reply as T) };
    const source = new MemoryStatsSource(rpc, { ttlMs: 1000, windowS: 600, timeoutMs: 50 }, () => now);
    const [a, b] = await Promise.all([source.forType('t'), source.forType('t')]);
    expect(a).toEqual({ stats: reply.stats });
    expect(b).toBe(a);
    await source.forType('t');
    expect(requests).toEqual([[MEMORY_SERVICE_STATS, { task_types: ['t'], window_s: 600 }]]);
    now = 1000;
    await source.forType('t');
    expect(requests).toHaveLength(2);
  });

  it('reports an unreachable memory in the result and retries only after the TTL', async () => {
    let now = 0;
    let calls = 0;
    const rpc = {
      request: async <T>(): Promise<T> => {
        calls += 1;
        throw new ApiaryError('SERVICE_UNAVAILABLE', 'No service answers apiary.memory.service-stats');
      },
    };
    const source = new MemoryStatsSource(rpc, { ttlMs: 1000, windowS: 3600, timeoutMs: 50 }, () => now);
    expect(await source.forType('t')).toEqual({ stats: [], unreachable: 'SERVICE_UNAVAILABLE: No service answers apiary.memory.service-stats' });
    await source.forType('t');
    expect(calls).toBe(1);
    now = 1500;
    await source.forType('t');
    expect(calls).toBe(2);
    await expect(source.all()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
