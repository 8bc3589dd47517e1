import { ApiaryError, BRAIN_BACKLOG, MEMORY_RUNNER_STATS, MEMORY_SERVICE_STATS, ROUTER_SERVICE_LIST, ROUTER_STATS } from '@apiary/contracts';
import { backlog, runner, service, stat } from '../rules/snapshot.factory';
import { brainWindowS, memoryWindowS, RpcPort, StatisticsCollector } from './statistics-collector';

describe('StatisticsCollector', () => {
  const end = Date.parse('2026-03-01T12:00:00.000Z');

  function fakeRpc(fail: Record<string, ApiaryError> = {}) {
    const calls: { subject: string; data: unknown; timeoutMs?: number }[] = [];
    const rpc: RpcPort = {
      request: async <T>(subject: string, data: unknown, options?: { timeoutMs?: number }): Promise<T> => {
        calls.push({ subject, data, timeoutMs: options?.timeoutMs });
        const group = (data as { group_by?: string }).group_by;
        if (fail[`${subject}${group ? `:${group}` : ''}`]) throw fail[`${subject}${group ? `:${group}` : ''}`];
        const replies: Record<string, unknown> = {
          [MEMORY_SERVICE_STATS]: { window_s: 3600, stats: [group ? stat('t', '*') : stat('t', 'svc')] },
          [MEMORY_RUNNER_STATS]: { window_s: 3600, runners: [runner('r1')] },
          [ROUTER_SERVICE_LIST]: { services: [service('svc', ['t'])] },
          [ROUTER_STATS]: { breaker_states: { svc: 'open' } },
          [BRAIN_BACKLOG]: backlog({ queued: 7 }),
        };
        return replies[subject] as T;
      },
    };
    return { rpc, calls };
  }

  it('asks every source once, at once, with the window in seconds and the timeout', async () => {
    const { rpc, calls } = fakeRpc();
    const { snapshot, sources } = await new StatisticsCollector(rpc, 1234).collect({ fromMs: end - 7_200_000, toMs: end });
    expect(calls).toEqual([
      { subject: MEMORY_SERVICE_STATS, data: { window_s: 7200, detail: true }, timeoutMs: 1234 },
      { subject: MEMORY_SERVICE_STATS, data: { window_s: 7200, detail: true, group_by: 'task_type' }, timeoutMs: 1234 },
      { subject: MEMORY_RUNNER_STATS, data: { window_s: 7200 }, timeoutMs: 1234 },
      { subject: ROUTER_SERVICE_LIST, data: {}, timeoutMs: 1234 },
      { subject: ROUTER_STATS, data: {}, timeoutMs: 1234 },
      { subject: BRAIN_BACKLOG, data: { window_s: 7200 }, timeoutMs: 1234 },
    ]);
    expect(sources.every((s) => s.ok)).toBe(true);
    expect(snapshot).toEqual({
      window: { fromMs: end - 7_200_000, toMs: end },
      services: [stat('t', 'svc')],
      types: [stat('t', '*')],
      runners: [runner('r1')],
      registry: [service('svc', ['t'])],
      breakers: { svc: 'open' },
      backlog: backlog({ queued: 7 }),
    });
  });

  it('leaves a failed source null and reports it; asks only what is needed', async () => {
    const { rpc, calls } = fakeRpc({ [`${MEMORY_SERVICE_STATS}:task_type`]: new ApiaryError('UPSTREAM_TIMEOUT', 'No reply in time') });
    const { snapshot, sources } = await new StatisticsCollector(rpc, 1000).collect({ fromMs: end - 60_000, toMs: end }, ['memory.service-stats', 'memory.type-stats']);
    expect(calls.map((c) => c.subject)).toEqual([MEMORY_SERVICE_STATS, MEMORY_SERVICE_STATS]);
    expect(sources).toEqual([
      { source: 'memory.service-stats', ok: true, error: null },
      { source: 'memory.type-stats', ok: false, error: 'UPSTREAM_TIMEOUT: No reply in time' },
    ]);
    expect(snapshot.services).toHaveLength(1);
    expect(snapshot.types).toBeNull();
    expect(snapshot.backlog).toBeNull();
  });

  it('keeps memory windows within 60 s..30 days and one second short for minute-aligned windows', () => {
    expect(memoryWindowS({ fromMs: 0, toMs: 36_000 })).toBe(60);
    expect(brainWindowS({ fromMs: 0, toMs: 36_000 })).toBe(36);
    expect(memoryWindowS({ fromMs: 0, toMs: 3_600_400 })).toBe(3600);
    expect(memoryWindowS({ fromMs: 0, toMs: 3_600_900, alignedStart: true })).toBe(3599);
    expect(brainWindowS({ fromMs: 0, toMs: 3_600_900, alignedStart: true })).toBe(3600);
    expect(memoryWindowS({ fromMs: 0, toMs: 720 * 3_600_000 + 5000 })).toBe(2_592_000);
  });
});
