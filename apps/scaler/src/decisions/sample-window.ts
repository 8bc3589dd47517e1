import type { ScalingMetric } from '@apiary/contracts';
import type { Point } from './trend';

/** The flat metric values of one moment, by metric (null: no data). */
export type MetricValues = Record<ScalingMetric, number | null>;

/** One sample of the control loop. */
export interface Sample {
  /** Epoch ms (the scaler's clock). */
  at: number;
  values: MetricValues;
}

/**
 * Time-ordered samples of the control loop (seed 003 `metrics_history`), kept for
 * `maxAgeMs`: rules average over their `evaluation_period`, the prediction fits a
 * line over its window.
 */
export class SampleWindow {
  private readonly samples: Sample[] = [];

  /** @param maxAgeMs samples older than this (relative to the newest) are dropped */
  constructor(private readonly maxAgeMs: number) {}

  /** Appends a sample (times must not go backwards; an older one is ignored). */
  push(sample: Sample): void {
    const last = this.samples.at(-1);
    if (last && sample.at < last.at) return;
    this.samples.push(sample);
    const cutoff = sample.at - this.maxAgeMs;
    while (this.samples.length > 0 && this.samples[0].at < cutoff) this.samples.shift();
  }

  /** The newest sample, or undefined. */
  latest(): Sample | undefined {
    return this.samples.at(-1);
  }

  /** Time of the oldest sample kept, or null. */
  firstAt(): number | null {
    return this.samples[0]?.at ?? null;
  }

  /** Number of samples kept. */
  get size(): number {
    return this.samples.length;
  }

  /**
   * Samples of the last `windowS` seconds before `now` (inclusive).
   * @param windowS seconds
   * @param now epoch ms
   */
  within(windowS: number, now: number): Sample[] {
    const from = now - windowS * 1000;
    return this.samples.filter((s) => s.at >= from && s.at <= now);
  }

  /**
   * Mean of a metric over the last `windowS` seconds, skipping samples without a value.
   * @returns the mean (null without values) and how many samples it used
   */
  mean(metric: ScalingMetric, windowS: number, now: number): { value: number | null; samples: number } {
    let sum = 0;
    let n = 0;
    for (const s of this.within(windowS, now)) {
      const v = s.values[metric];
      if (v === null || !Number.isFinite(v)) continue;
      sum += v;
      n++;
    }
    return { value: n === 0 ? null : sum / n, samples: n };
  }

  /**
   * The metric's points over the last `windowS` seconds, x in seconds since the first.
   * @returns points for a trend fit (samples without a value skipped)
   */
  series(metric: ScalingMetric, windowS: number, now: number): Point[] {
    const samples = this.within(windowS, now).filter((s) => s.values[metric] !== null);
    if (samples.length === 0) return [];
    const t0 = samples[0].at;
    return samples.map((s) => ({ x: (s.at - t0) / 1000, y: s.values[metric] as number }));
  }
}
