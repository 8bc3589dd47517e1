import { StartBatcher } from './start-batcher';

/** A write the test finishes by hand. */
function manualWrites() {
  const calls: { items: number[]; done: (r: string[]) => void; fail: (e: Error) => void }[] = [];
  const write = (items: number[]) => new Promise<string[]>((done, fail) => calls.push({ items, done, fail }));
  return { calls, write };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('StartBatcher', () => {
  it('writes a lone request at once and batches what arrives while writes are in flight', async () => {
    const { calls, write } = manualWrites();
    const b = new StartBatcher(write, 1, 3);
    const first = b.submit(1);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const rest = [2, 3, 4, 5, 6].map((i) => b.submit(i));
    expect(b.waiting).toBe(5);
    calls[0].done(['r1']);
    expect(await first).toBe('r1');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1].done(['r2', 'r3', 'r4']);
    await tick();
    expect(calls[2].items).toEqual([5, 6]);
    calls[2].done(['r5', 'r6']);
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('runs up to `concurrency` writes at once and fails a whole batch with its error', async () => {
    const { calls, write } = manualWrites();
    const b = new StartBatcher(write, 2, 10);
    const a = b.submit(1);
    const c = b.submit(2);
    expect(calls.map((x) => x.items)).toEqual([[1], [2]]);
    const d = b.submit(3);
    const e = b.submit(4);
    calls[0].fail(new Error('deadlock'));
    await expect(a).rejects.toThrow('deadlock');
    await tick();
    expect(calls[2].items).toEqual([3, 4]);
    calls[1].done(['ok2']);
    calls[2].fail(new Error('down'));
    await expect(c).resolves.toBe('ok2');
    await expect(d).rejects.toThrow('down');
    await expect(e).rejects.toThrow('down');
  });
});
