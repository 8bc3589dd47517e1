import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, Histogram } from 'hdr-histogram-js';

/** Smallest latency told apart from 0, µs (histograms count microseconds). */
export const LATENCY_HIST_LOWEST_US = 1;
/** Largest latency tracked, µs (one hour); longer latencies are counted as one hour. */
export const LATENCY_HIST_HIGHEST_US = 3_600_000_000;
/** Significant decimal digits kept: quantiles are within 1 % of the exact value. */
export const LATENCY_HIST_DIGITS = 2;

function emptyHistogram(): Histogram {
  // 64-bit (float) counts: exact to 2^53, so merged windows never overflow. Pure
  // JavaScript: no WebAssembly module is loaded.
  return build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: LATENCY_HIST_LOWEST_US,
    highestTrackableValue: LATENCY_HIST_HIGHEST_US,
    numberOfSignificantValueDigits: LATENCY_HIST_DIGITS,
    useWebAssembly: false,
  });
}

/**
 * Latency distribution as an HDR histogram (`hdr-histogram-js`): a streaming
 * quantile sketch with bounded relative error ({@link LATENCY_HIST_DIGITS} digits,
 * so every quantile is within 1 % of the exact sample quantile), mergeable without
 * loss. Values are microseconds from 1 µs to one hour. Stored per statistics bucket
 * as the HDR "compressed base64" encoding (V2 format, deflated: typically 50-1,500
 * characters), merged bucket by bucket to answer a window.
 */
export class LatencyHistogram {
  private constructor(private readonly h: Histogram) {}

  /** @returns a histogram with no values */
  static empty(): LatencyHistogram {
    return new LatencyHistogram(emptyHistogram());
  }

  /**
   * @param encoded the output of {@link encode}
   * @returns the histogram it encodes
   * @throws Error when `encoded` is not an HDR compressed base64 histogram
   */
  static decode(encoded: string): LatencyHistogram {
    // The encoding carries the range it was built with: ours, so merges never resize.
    return new LatencyHistogram(decodeFromCompressedBase64(encoded, 64, false));
  }

  /**
   * Counts one latency.
   * @param ms latency in ms; negative or non-finite values count as 0, longer than
   *   one hour as one hour
   */
  recordMs(ms: number): void {
    const us = Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1000) : 0;
    this.h.recordValue(Math.min(us, LATENCY_HIST_HIGHEST_US));
  }

  /** Adds every value of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  /** Number of latencies counted. */
  get count(): number {
    return this.h.totalCount;
  }

  /**
   * @param percentile 0..100 (e.g. 95)
   * @returns the latency at that percentile in ms, rounded to 0.001 ms (the
   *   histogram's highest equivalent value of the bucket holding it), or null when empty
   */
  quantileMs(percentile: number): number | null {
    if (this.h.totalCount === 0) return null;
    return Math.round(this.h.getValueAtPercentile(percentile)) / 1000;
  }

  /** @returns the compressed base64 encoding (what {@link decode} reads) */
  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }
}
