import { MAX_LISTED_RESULT_BYTES, RELEVANT_CANDIDATES } from '@apiary/contracts';
import type { StoredResult, TaskResultRepository } from '@apiary/persistence';
import { MemoryResultsService } from './memory-results.service';

describe('MemoryResultsService', () => {
  const now = Date.parse('2026-03-01T12:00:00.000Z');
  const stored: StoredResult = {
    task_id: '0b6c1f7e-0000-4000-8000-000000000001', attempt: 1, type: 'email_campaign', handler: 'http', service: 'email-ai',
    bot_id: 'bot-1', swarm_id: null, context_id: 'campaign_2024', success: true, error_code: null, error_message: null, latency_ms: 12.5,
    result: { sent: 3 }, result_truncated: false, runner: 'bot-runtime-1', finished_at: new Date('2026-03-01T11:59:00.000Z'),
  };
  const listed = { ...stored, finished_at: '2026-03-01T11:59:00.000Z' };

  it('ranks within the default day window and limit, passing the context', async () => {
    const asked: Parameters<TaskResultRepository['relevant']>[0][] = [];
    const service = new MemoryResultsService(
      { relevant: async (o) => (asked.push(o), [stored]), latest: async () => [] },
      100,
      () => now,
    );
    expect(await service.relevant({ task_type: 'email_campaign', context_id: 'campaign_2024' })).toEqual({
      task_type: 'email_campaign', window_s: 86_400, results: [listed],
    });
    expect(asked).toEqual([{
      taskType: 'email_campaign', since: new Date(now - 86_400_000), limit: 10, candidates: RELEVANT_CANDIDATES, contextId: 'campaign_2024',
      maxResultBytes: MAX_LISTED_RESULT_BYTES,
    }]);
  });

  it('lists short-term memory up to its capacity', async () => {
    const limits: number[] = [];
    const service = new MemoryResultsService({ relevant: async () => [], latest: async (n) => (limits.push(n), [stored]) }, 100, () => now);
    expect(await service.shortTerm({})).toEqual({ capacity: 100, results: [listed] });
    await service.shortTerm({ limit: 5 });
    await service.shortTerm({ limit: 5000 });
    expect(limits).toEqual([100, 5, 100]);
  });
});
