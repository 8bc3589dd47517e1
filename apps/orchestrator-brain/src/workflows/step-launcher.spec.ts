import { FairShareLedger } from './step-launcher';

describe('FairShareLedger', () => {
  it('reserves virtual time from the unlocked clock and advances every key after the commit', async () => {
    const clocks = new Map<string, number>([['tenant-a', 1000]]);
    const read = { fairnessClock: async (k: string) => clocks.get(k) ?? null };
    const advanced: [string, number, number, number][] = [];
    const write = { advanceFairnessClock: async (k: string, n: number, cost: number, nowS: number) => (advanced.push([k, n, cost, nowS]), 0) };
    const ledger = new FairShareLedger(0.5);
    // The clock is ahead of now: start there; a second reservation of the same key follows the first.
    expect(await ledger.reserve(read, 'tenant-a', 4, 900)).toBe(1000);
    expect(await ledger.reserve(read, 'tenant-a', 2, 900)).toBe(1002);
    // A new key starts now.
    expect(await ledger.reserve(read, 'swarm:x', 3, 900)).toBe(900);
    await ledger.apply(write, 905);
    expect(advanced).toEqual([['swarm:x', 3, 0.5, 905], ['tenant-a', 6, 0.5, 905]]);
    await ledger.apply(write, 906);
    expect(advanced).toHaveLength(2);
  });

  it('forgets a rolled-back attempt on reset', async () => {
    const ledger = new FairShareLedger(1);
    const read = { fairnessClock: async () => null };
    await ledger.reserve(read, 'k', 5, 10);
    ledger.reset();
    expect(await ledger.reserve(read, 'k', 1, 10)).toBe(10);
    const advanced: number[] = [];
    await ledger.apply({ advanceFairnessClock: async (_k: string, n: number) => (advanced.push(n), 0) }, 10);
    expect(advanced).toEqual([1]);
  });
});
