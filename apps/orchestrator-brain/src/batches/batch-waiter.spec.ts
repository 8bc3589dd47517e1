import { ApiaryError } from '@apiary/contracts';
import type { BatchCounters, FinishedBatchTask } from '@apiary/persistence';
import { BatchWaiter } from './batch-waiter';

/** A strict fake of the batch reads: counters per batch, counting the reads. */
class FakeReads {
  reads = 0;
  constructor(
    public counters_: Map<string, BatchCounters>,
    public finished: FinishedBatchTask[] = [],
  ) {}
  async counters(id: string): Promise<BatchCounters | undefined> {
    this.reads++;
    return this.counters_.get(id);
  }
  async finishedPage(_id: string, limit: number, cursor?: string): Promise<{ tasks: FinishedBatchTask[]; next: string | null }> {
    const rest = this.finished.filter((t) => !cursor || t.id > cursor);
    const tasks = rest.slice(0, limit);
    return { tasks, next: rest.length > limit ? tasks[tasks.length - 1].id : null };
  }
}

const B = '00000000-0000-4000-8000-0000000000b1';
const task = (id: string): FinishedBatchTask => ({ id, status: 'succeeded', result: { id }, error: null, finished_at: '2026-01-01T00:00:00.000Z' });

describe('BatchWaiter', () => {
  it('answers at once for a complete batch, with the seed 003 shape and a results page', async () => {
    const reads = new FakeReads(new Map([[B, { total: 3, queued: 0, running: 0, succeeded: 2, failed: 1 }]]), [task('a'), task('b'), task('c')]);
    const v = await new BatchWaiter(reads).get({ batch_id: B, wait_s: 30, limit: 2 });
    expect(v).toMatchObject({ completed_tasks: 3, total_tasks: 3, completion_rate: 1, succeeded_tasks: 2, failed_tasks: 1, timeout_exceeded: false, next_cursor: 'b' });
    expect(Object.keys(v.results)).toEqual(['a', 'b']);
    expect(v.waited_s).toBeLessThan(1);
  });

  it('sleeps without reading until notified, then reads once more', async () => {
    const c: BatchCounters = { total: 2, queued: 1, running: 1, succeeded: 0, failed: 0 };
    const reads = new FakeReads(new Map([[B, c]]));
    const waiter = new BatchWaiter(reads);
    const reply = waiter.get({ batch_id: B, wait_s: 30 });
    await new Promise((r) => setTimeout(r, 100));
    expect(reads.reads).toBe(1);
    expect(waiter.waiting).toBe(1);
    waiter.notify('00000000-0000-4000-8000-0000000000ff'); // another batch: nothing
    await new Promise((r) => setTimeout(r, 50));
    expect(reads.reads).toBe(1);
    Object.assign(c, { queued: 0, running: 0, succeeded: 2 });
    waiter.notify(B);
    const v = await reply;
    expect(reads.reads).toBe(2);
    expect(v).toMatchObject({ completed_tasks: 2, completion_rate: 1, timeout_exceeded: false });
    expect(waiter.waiting).toBe(0);
  });

  it('gives up after wait_s with timeout_exceeded', async () => {
    const reads = new FakeReads(new Map([[B, { total: 4, queued: 1, running: 0, succeeded: 3, failed: 0 }]]));
    const t0 = Date.now();
    const v = await new BatchWaiter(reads).get({ batch_id: B, wait_s: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    expect(v).toMatchObject({ completed_tasks: 3, total_tasks: 4, completion_rate: 0.75, timeout_exceeded: true });
    expect(reads.reads).toBe(2);
  });

  it('answers waiting requests at once on close', async () => {
    const reads = new FakeReads(new Map([[B, { total: 1, queued: 1, running: 0, succeeded: 0, failed: 0 }]]));
    const waiter = new BatchWaiter(reads);
    const reply = waiter.get({ batch_id: B, wait_s: 60 });
    await new Promise((r) => setTimeout(r, 20));
    waiter.close();
    expect(await reply).toMatchObject({ timeout_exceeded: true });
  });

  it('refuses an unknown batch', async () => {
    await expect(new BatchWaiter(new FakeReads(new Map())).get({ batch_id: B })).rejects.toMatchObject({ code: 'BATCH_NOT_FOUND' });
    await expect(new BatchWaiter(new FakeReads(new Map())).get({ batch_id: B })).rejects.toBeInstanceOf(ApiaryError);
  });
});
