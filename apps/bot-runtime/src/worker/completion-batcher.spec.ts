import { TaskCompletedEvent } from '@apiary/contracts';
import { CompletionBatcher, MAX_COMPLETIONS_BYTES } from './completion-batcher';

function event(i: number): TaskCompletedEvent {
  return {
    task_id: `t${i}`, type: 'noop', attempt: 1, success: true, result: { ok: true }, error: null, handler: 'noop',
    runner: 'r', started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:00.001Z', latency_ms: 1,
  };
}

describe('CompletionBatcher', () => {
  it('sends one message per full batch and one for the rest after the wait', async () => {
    const published: { events: TaskCompletedEvent[] }[] = [];
    const js = { publish: jest.fn(async (_s: string, data: Uint8Array) => { published.push(JSON.parse(Buffer.from(data).toString())); return {} as never; }) };
    const batcher = new CompletionBatcher(js, 'r', { maxBatch: 3, maxWaitMs: 5 });
    await Promise.all([1, 2, 3, 4].map((i) => batcher.add(event(i))));
    expect(published.map((p) => p.events.map((e) => e.task_id))).toEqual([['t1', 't2', 't3'], ['t4']]);
  });

  it('rejects every completion of a batch whose publish failed', async () => {
    const js = { publish: jest.fn(async () => { throw new Error('no stream'); }) };
    const batcher = new CompletionBatcher(js, 'r', { maxBatch: 2, maxWaitMs: 5 });
    const results = await Promise.allSettled([batcher.add(event(1)), batcher.add(event(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('splits a batch of large results so that every message fits the NATS payload limit', async () => {
    const sizes: number[] = [];
    const ids: string[] = [];
    const js = { publish: jest.fn(async (_s: string, data: Uint8Array) => { sizes.push(data.length); ids.push(...JSON.parse(Buffer.from(data).toString()).events.map((e: TaskCompletedEvent) => e.task_id)); return {} as never; }) };
    const batcher = new CompletionBatcher(js, 'r', { maxBatch: 10, maxWaitMs: 5 });
    const big = (i: number) => ({ ...event(i), result: { text: 'x'.repeat(250_000) } });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(big(i))));
    expect(sizes.every((n) => n <= MAX_COMPLETIONS_BYTES)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
  });
});
