import fc from 'fast-check';
import type { ColumnStatistics, ColumnType } from '@apiary/contracts';
import { ColumnAccumulator, DISTINCT_EXACT_VALUES, DistinctCounter, SentimentAccumulator } from './column-stats';
import type { CellValue } from './column-types';

/** Single pass over every value. */
function single(type: ColumnType, values: CellValue[]): ColumnStatistics {
  const acc = new ColumnAccumulator(type);
  values.forEach((v) => acc.add(v));
  return acc.statistics();
}

/** One accumulator per chunk, each sent through its JSON state (as task results carry it), merged left to right. */
function merged(type: ColumnType, values: CellValue[], cuts: number[]): ColumnStatistics {
  const bounds = [0, ...[...new Set(cuts.map((c) => c % (values.length + 1)))].sort((a, b) => a - b), values.length];
  let into: ColumnAccumulator | undefined;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const acc = new ColumnAccumulator(type);
    values.slice(bounds[i], bounds[i + 1]).forEach((v) => acc.add(v));
    const wire = ColumnAccumulator.fromState(JSON.parse(JSON.stringify(acc.toState())));
    if (into) into.merge(wire);
    else into = wire;
  }
  return (into as ColumnAccumulator).statistics();
}

function close(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function expectSame(m: ColumnStatistics, s: ColumnStatistics): void {
  const { mean: mm, stddev: ms, ...mExact } = m;
  const { mean: sm, stddev: ss, ...sExact } = s;
  expect(mExact).toEqual(sExact); // count, nulls, distinct, distinct_approx, min, max, p50: exactly
  expect(close(mm, sm)).toBe(true);
  expect(close(ms, ss)).toBe(true);
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: arb });

describe('column statistics: merged chunk states equal a single pass', () => {
  it('numbers (property): count, nulls, min, max, distinct, p50 exactly; mean, stddev to 1e-9', () => {
    const numbers = nullable(fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })));
    fc.assert(
      fc.property(fc.array(numbers, { maxLength: 600 }), cuts, (values, c) => {
        expectSame(merged('number', values, c), single('number', values));
      }),
      { numRuns: 200 },
    );
  });

  it('integers with few distinct values (property): exact distinct', () => {
    fc.assert(
      fc.property(fc.array(nullable(fc.integer({ min: 0, max: 40 })), { maxLength: 400 }), cuts, (values, c) => {
        const m = merged('integer', values, c);
        expectSame(m, single('integer', values));
        expect(m.distinct_approx).toBe(false);
        expect(m.distinct).toBe(new Set(values.filter((v) => v !== null)).size);
      }),
    );
  });

  it('strings beyond the exact bound (property): the HyperLogLog of the merge is the single pass one', () => {
    const words = nullable(fc.integer({ min: 0, max: 1500 }).map((i) => `w${i}`));
    fc.assert(
      fc.property(fc.array(words, { minLength: 0, maxLength: 1200 }), cuts, (values, c) => {
        const m = merged('string', values, c);
        const s = single('string', values);
        expectSame(m, s);
        const exact = new Set(values.filter((v) => v !== null)).size;
        expect(m.distinct_approx).toBe(exact > DISTINCT_EXACT_VALUES);
        if (!m.distinct_approx) expect(m.distinct).toBe(exact);
      }),
      { numRuns: 60 },
    );
  });

  it('dates: min and max by instant', () => {
    const days = nullable(fc.integer({ min: 0, max: 3000 }).map((d) => new Date(Date.UTC(2010, 0, 1 + d)).toISOString().slice(0, 10)));
    fc.assert(
      fc.property(fc.array(days, { maxLength: 300 }), cuts, (values, c) => {
        const m = merged('date', values, c);
        expectSame(m, single('date', values));
        const present = values.filter((v): v is string => v !== null).sort();
        expect(m.min ?? null).toBe(present[0] ?? null);
        expect(m.max ?? null).toBe(present.at(-1) ?? null);
      }),
      { numRuns: 60 },
    );
  });

  it('computes the single-pass figures', () => {
    const s = single('integer', [1, 2, 3, 4, null, 10]);
    expect(s).toMatchObject({ type: 'integer', count: 5, nulls: 1, distinct: 5, distinct_approx: false, min: 1, max: 10, mean: 4 });
    expect(s.stddev).toBeCloseTo(Math.sqrt(((1 - 4) ** 2 + (2 - 4) ** 2 + 1 + 0 + 36) / 4), 12);
    expect(Math.abs((s.p50 as number) - 3) / 3).toBeLessThanOrEqual(0.01);
    expect(single('number', [5])).toMatchObject({ mean: 5, stddev: null });
    expect(single('string', [null, null])).toEqual({ type: 'string', count: 0, nulls: 2, distinct: 0, distinct_approx: false });
    expect(() => new ColumnAccumulator('string').merge(new ColumnAccumulator('integer'))).toThrow(/cannot merge/);
  });

  it('goes over to the sketch past 4,096 characters of distinct values', () => {
    const d = new DistinctCounter();
    for (let i = 0; i < 20; i++) d.add('x'.repeat(200) + i);
    expect(d.approximate).toBe(false);
    d.add('y'.repeat(200));
    expect(d.approximate).toBe(true);
    expect(d.count).toBe(21);
  });
});

describe('sentiment totals', () => {
  it('merge exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(nullable(fc.integer({ min: -10, max: 10 })), { maxLength: 300 }), cuts, (scores, c) => {
        const all = new SentimentAccumulator('text');
        scores.forEach((s) => all.add(s));
        const bounds = [0, ...[...new Set(c.map((x) => x % (scores.length + 1)))].sort((a, b) => a - b), scores.length];
        const into = new SentimentAccumulator('text');
        for (let i = 0; i + 1 < bounds.length; i++) {
          const part = new SentimentAccumulator('text');
          scores.slice(bounds[i], bounds[i + 1]).forEach((s) => part.add(s));
          into.merge(SentimentAccumulator.fromState(JSON.parse(JSON.stringify(part.toState()))));
        }
        expect(into.statistics()).toEqual(all.statistics());
      }),
    );
  });
});
