import { HLL_REGISTERS, HyperLogLog } from './hyperloglog';

describe('HyperLogLog (p = 12)', () => {
  it('estimates distinct counts within a few standard errors', () => {
    for (const n of [10, 1000, 20_000, 200_000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`v${i}`);
      for (let i = 0; i < n; i += 3) h.add(`v${i}`); // repeats change nothing
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(0.05);
    }
  });

  it('merges by register-wise max: merged registers equal one sketch of every value', () => {
    const all = new HyperLogLog();
    const parts = [new HyperLogLog(), new HyperLogLog(), new HyperLogLog()];
    for (let i = 0; i < 30_000; i++) {
      all.add(`k${i % 7001}`);
      parts[i % 3].add(`k${i % 7001}`);
    }
    const merged = new HyperLogLog();
    for (const p of parts) merged.merge(p);
    merged.merge(parts[1]); // idempotent
    expect(merged.equals(all)).toBe(true);
    expect(merged.estimate()).toBe(all.estimate());
  });

  it('round-trips its sparse and dense states', () => {
    const small = new HyperLogLog();
    for (let i = 0; i < 100; i++) small.add(String(i));
    expect(small.toState().startsWith('s:')).toBe(true);
    expect(HyperLogLog.fromState(small.toState()).equals(small)).toBe(true);
    const big = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) big.add(String(i));
    const state = big.toState();
    expect(state.startsWith('d:')).toBe(true);
    expect(Buffer.from(state.slice(2), 'base64').length).toBe(HLL_REGISTERS);
    expect(HyperLogLog.fromState(state).equals(big)).toBe(true);
    expect(() => HyperLogLog.fromState('d:AAAA')).toThrow(/registers/);
  });
});
