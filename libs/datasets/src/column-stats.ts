import type { ColumnStatistics, ColumnType, SentimentStatistics } from '@apiary/contracts';
import type { CellValue } from './column-types';
import { HyperLogLog, HyperLogLogState } from './hyperloglog';
import { QuantileSketch, QuantileSketchState } from './quantile-sketch';

/**
 * Mergeable accumulators of `analyze` (docs/datasets.md "Statistics and exact
 * merges"). Each one folds values in one pass with O(1) memory (the distinct set
 * is bounded), serialises to a JSON state carried by a task's result, and merges
 * with another state so that merging the states of any split of the rows gives
 * what one pass over all of them gives:
 * - `count`, `nulls`, `min`, `max`: exact (sums, minima, maxima);
 * - `mean`, `stddev`: Welford's update per value, Chan, Golub and LeVeque's
 *   pairwise merge of (n, mean, M2) — equal to a single pass up to floating-point
 *   rounding (relative 1e-12 or so);
 * - `distinct`: the exact set of values while it holds at most
 *   {@link DISTINCT_EXACT_VALUES} values of {@link DISTINCT_EXACT_CHARS} characters
 *   in all, a HyperLogLog beyond (register-wise max merge): a merged state is
 *   exact exactly when the union is within the bound, as a single pass is;
 * - `p50`: DDSketch bucket counts (merge adds them).
 */

/** Most distinct values counted exactly (and carried in a state). */
export const DISTINCT_EXACT_VALUES = 256;
/** Most characters of distinct values counted exactly (keeps states small). */
export const DISTINCT_EXACT_CHARS = 4096;

/** Serialised {@link DistinctCounter}: exact values (sorted) or a HyperLogLog. */
export type DistinctState = { v: string[] } | { h: HyperLogLogState };

/** Distinct count, exact up to the bound, then HyperLogLog. */
export class DistinctCounter {
  private values: Set<string> | null = new Set();
  private chars = 0;
  private sketch: HyperLogLog | null = null;

  /** @param key a value's text form (equal texts are one value) */
  add(key: string): void {
    if (this.values) {
      if (this.values.has(key)) return;
      this.values.add(key);
      this.chars += key.length;
      if (this.values.size > DISTINCT_EXACT_VALUES || this.chars > DISTINCT_EXACT_CHARS) this.toSketch();
    } else {
      (this.sketch as HyperLogLog).add(key);
    }
  }

  private toSketch(): void {
    const sketch = new HyperLogLog();
    for (const v of this.values ?? []) sketch.add(v);
    this.sketch = sketch;
    this.values = null;
    this.chars = 0;
  }

  /** Merges `other` in place (union; HyperLogLog when the union is over the bound or either side is one). */
  merge(other: DistinctCounter): void {
    if (this.values && other.values) {
      for (const v of other.values) this.add(v);
      return;
    }
    if (this.values) this.toSketch();
    const mine = this.sketch as HyperLogLog;
    if (other.values) for (const v of other.values) mine.add(v);
    else mine.merge(other.sketch as HyperLogLog);
  }

  /** Distinct values (exact, or the HyperLogLog estimate). */
  get count(): number {
    return this.values ? this.values.size : (this.sketch as HyperLogLog).estimate();
  }

  /** Whether {@link count} is an estimate. */
  get approximate(): boolean {
    return this.values === null;
  }

  /** @returns the JSON form */
  toState(): DistinctState {
    return this.values ? { v: [...this.values].sort() } : { h: (this.sketch as HyperLogLog).toState() };
  }

  /** @param state a {@link toState} value */
  static fromState(state: DistinctState): DistinctCounter {
    const out = new DistinctCounter();
    if ('h' in state) {
      out.values = null;
      out.sketch = HyperLogLog.fromState(state.h);
    } else {
      for (const v of state.v) out.add(v);
    }
    return out;
  }
}

/** Serialised {@link ColumnAccumulator}. */
export interface ColumnState {
  /** Column type. */
  t: ColumnType;
  /** Non-null values. */
  count: number;
  /** Nulls. */
  nulls: number;
  /** Distinct values. */
  d: DistinctState;
  /** Numeric columns: mean of the values. */
  mean?: number;
  /** Numeric columns: sum of squared deviations from the mean (M2). */
  m2?: number;
  /** Numeric: smallest value; dates: smallest as text. */
  min?: number | string;
  /** Numeric: largest value; dates: largest as text. */
  max?: number | string;
  /** Numeric columns: DDSketch buckets. */
  q?: QuantileSketchState;
}

const isNumeric = (t: ColumnType): boolean => t === 'integer' || t === 'number';

/** Date order: by instant, then by text, so merges do not depend on order. */
function dateBefore(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return ta !== tb ? ta < tb : a < b;
}

/** The text a value is counted distinct by (numbers in JS canonical form: `1.0` and `1` are one value). */
export function distinctKey(value: Exclude<CellValue, null>): string {
  return typeof value === 'string' ? value : String(value);
}

/** Statistics of one column, folded one value at a time; see the module comment. */
export class ColumnAccumulator {
  private count = 0;
  private nulls = 0;
  private distinct = new DistinctCounter();
  private mean = 0;
  private m2 = 0;
  private min: number | string | undefined;
  private max: number | string | undefined;
  private sketch: QuantileSketch | undefined;

  /** @param type the column's type (decides which statistics are kept) */
  constructor(readonly type: ColumnType) {
    if (isNumeric(type)) this.sketch = new QuantileSketch();
  }

  /** @param value a typed cell of this column (null counts in `nulls`) */
  add(value: CellValue): void {
    if (value === null) {
      this.nulls++;
      return;
    }
    this.count++;
    this.distinct.add(distinctKey(value));
    if (typeof value === 'number' && this.sketch) {
      const delta = value - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (value - this.mean);
      if (this.min === undefined || value < (this.min as number)) this.min = value;
      if (this.max === undefined || value > (this.max as number)) this.max = value;
      this.sketch.add(value);
    } else if (this.type === 'date' && typeof value === 'string') {
      if (this.min === undefined || dateBefore(value, this.min as string)) this.min = value;
      if (this.max === undefined || dateBefore(this.max as string, value)) this.max = value;
    }
  }

  /**
   * Merges `other` (same column, other rows) in place.
   * @throws Error when the types differ
   */
  merge(other: ColumnAccumulator): void {
    if (other.type !== this.type) throw new Error(`cannot merge a ${other.type} column into a ${this.type} column`);
    this.nulls += other.nulls;
    this.distinct.merge(other.distinct);
    if (other.count === 0) return;
    if (this.sketch && other.sketch) {
      const n = this.count + other.count;
      const delta = other.mean - this.mean;
      // Chan, Golub, LeVeque (1979): pairwise update of the mean and M2.
      this.m2 = this.m2 + other.m2 + (delta * delta * this.count * other.count) / n;
      this.mean = this.count === 0 ? other.mean : this.mean + (delta * other.count) / n;
      if (this.min === undefined || (other.min as number) < (this.min as number)) this.min = other.min;
      if (this.max === undefined || (other.max as number) > (this.max as number)) this.max = other.max;
      this.sketch.merge(other.sketch);
    } else if (this.type === 'date') {
      if (this.min === undefined || dateBefore(other.min as string, this.min as string)) this.min = other.min;
      if (this.max === undefined || dateBefore(this.max as string, other.max as string)) this.max = other.max;
    }
    this.count += other.count;
  }

  /** @returns the public statistics ({@link ColumnStatistics}) */
  statistics(): ColumnStatistics {
    const out: ColumnStatistics = {
      type: this.type,
      count: this.count,
      nulls: this.nulls,
      distinct: this.distinct.count,
      distinct_approx: this.distinct.approximate,
    };
    if (this.sketch) {
      out.min = this.min ?? null;
      out.max = this.max ?? null;
      out.mean = this.count > 0 ? this.mean : null;
      out.stddev = this.count > 1 ? Math.sqrt(Math.max(0, this.m2) / (this.count - 1)) : null;
      out.p50 = this.sketch.quantile(0.5);
    } else if (this.type === 'date') {
      out.min = this.min ?? null;
      out.max = this.max ?? null;
    }
    return out;
  }

  /** @returns the JSON form carried by a task result */
  toState(): ColumnState {
    const state: ColumnState = { t: this.type, count: this.count, nulls: this.nulls, d: this.distinct.toState() };
    if (this.sketch) {
      state.mean = this.mean;
      state.m2 = this.m2;
      state.q = this.sketch.toState();
    }
    if (this.min !== undefined) state.min = this.min;
    if (this.max !== undefined) state.max = this.max;
    return state;
  }

  /** @param state a {@link toState} value */
  static fromState(state: ColumnState): ColumnAccumulator {
    const out = new ColumnAccumulator(state.t);
    out.count = state.count;
    out.nulls = state.nulls;
    out.distinct = DistinctCounter.fromState(state.d);
    out.min = state.min;
    out.max = state.max;
    if (out.sketch) {
      out.mean = state.mean ?? 0;
      out.m2 = state.m2 ?? 0;
      out.sketch = QuantileSketch.fromState(state.q ?? { z: 0 });
    }
    return out;
  }
}

/** Serialised {@link SentimentAccumulator} (the public statistics, all exactly mergeable). */
export type SentimentState = Omit<SentimentStatistics, 'mean'>;

/** AFINN sentiment totals of a text column: counts and an integer sum, merged by addition. */
export class SentimentAccumulator {
  private state: SentimentState;

  /** @param column the column scored */
  constructor(column: string) {
    this.state = { column, count: 0, nulls: 0, sum: 0, positive: 0, neutral: 0, negative: 0 };
  }

  /** @param score the cell's AFINN score, or null for a null cell */
  add(score: number | null): void {
    const s = this.state;
    if (score === null) {
      s.nulls++;
      return;
    }
    s.count++;
    s.sum += score;
    if (score > 0) s.positive++;
    else if (score < 0) s.negative++;
    else s.neutral++;
  }

  /** Adds `other`'s totals (in place). */
  merge(other: SentimentAccumulator): void {
    const s = this.state;
    const o = other.state;
    s.count += o.count;
    s.nulls += o.nulls;
    s.sum += o.sum;
    s.positive += o.positive;
    s.neutral += o.neutral;
    s.negative += o.negative;
  }

  /** @returns the public statistics (mean = sum / count) */
  statistics(): SentimentStatistics {
    return { ...this.state, mean: this.state.count > 0 ? this.state.sum / this.state.count : 0 };
  }

  /** @returns the JSON form */
  toState(): SentimentState {
    return { ...this.state };
  }

  /** @param state a {@link toState} value */
  static fromState(state: SentimentState): SentimentAccumulator {
    const out = new SentimentAccumulator(state.column);
    out.state = { ...state };
    return out;
  }
}
