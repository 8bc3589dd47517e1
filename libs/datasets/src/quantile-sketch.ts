import { DDSketch } from '@datadog/sketches-js';

/**
 * Quantiles by DDSketch (Masson, Rim, Lee 2019; `@datadog/sketches-js`), relative
 * accuracy 1 %: a value's bucket is ⌈log_γ(|v|)⌉ with γ = 1.01/0.99, negatives and
 * zeros kept apart. Merging adds bucket counts, so a merged sketch has exactly the
 * counts of one sketch fed every value and answers every quantile identically
 * (docs/datasets.md "Percentiles").
 *
 * Two things of the library are worked around here: its `merge` does not merge the
 * negative-value store (2.1.1), and its protobuf form needs `protobufjs` it does
 * not declare; the state here is plain JSON of the non-empty bucket range.
 */

/** Relative accuracy of every sketch (mergeable only with the same accuracy). */
export const QUANTILE_RELATIVE_ACCURACY = 0.01;

/** One store's buckets: key of the first, then the counts of consecutive keys. */
export interface StoreState {
  /** Key of `counts[0]`. */
  k: number;
  /** Counts of keys k, k+1, ... */
  c: number[];
}

/** JSON form of a {@link QuantileSketch}. */
export interface QuantileSketchState {
  /** Zeros (|v| below the smallest mapped value). */
  z: number;
  /** Positive values' buckets (absent when none). */
  p?: StoreState;
  /** Negative values' buckets, by |v| (absent when none). */
  n?: StoreState;
}

type Store = DDSketch['store'];

function storeState(store: Store): StoreState | undefined {
  if (store.count === 0) return undefined;
  const counts: number[] = [];
  for (let key = store.minKey; key <= store.maxKey; key++) counts.push(store.bins[key - store.offset] ?? 0);
  return { k: store.minKey, c: counts };
}

function fillStore(store: Store, state: StoreState | undefined): number {
  if (!state) return 0;
  let total = 0;
  state.c.forEach((count, i) => {
    if (count > 0) {
      store.add(state.k + i, count);
      total += count;
    }
  });
  return total;
}

/** See the module comment. */
export class QuantileSketch {
  private readonly sketch = new DDSketch({ relativeAccuracy: QUANTILE_RELATIVE_ACCURACY });

  /** Values added. */
  get count(): number {
    return this.sketch.count;
  }

  /** @param value a finite number */
  add(value: number): void {
    this.sketch.accept(value);
  }

  /** Adds `other`'s counts into this sketch (in place). */
  merge(other: QuantileSketch): void {
    const a = this.sketch;
    const b = other.sketch;
    if (b.count === 0) return;
    if (a.count === 0) {
      a.merge(b); // copies every store
      return;
    }
    a.merge(b); // positive store, zeros, count
    a.negativeStore.merge(b.negativeStore);
  }

  /**
   * @param q quantile in [0, 1], e.g. 0.5
   * @returns the value at q (within 1 % of a true q-quantile), or null when empty
   */
  quantile(q: number): number | null {
    if (this.sketch.count === 0) return null;
    return this.sketch.getValueAtQuantile(q);
  }

  /** @returns the JSON form */
  toState(): QuantileSketchState {
    const state: QuantileSketchState = { z: this.sketch.zeroCount };
    const p = storeState(this.sketch.store);
    const n = storeState(this.sketch.negativeStore);
    if (p) state.p = p;
    if (n) state.n = n;
    return state;
  }

  /** @param state a {@link toState} value */
  static fromState(state: QuantileSketchState): QuantileSketch {
    const out = new QuantileSketch();
    const s = out.sketch;
    const positives = fillStore(s.store, state.p);
    const negatives = fillStore(s.negativeStore, state.n);
    s.zeroCount = state.z;
    s.count = positives + negatives + state.z;
    return out;
  }
}
