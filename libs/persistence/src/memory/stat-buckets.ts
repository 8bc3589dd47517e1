/** Width of a minute bucket, ms. */
export const MINUTE_MS = 60_000;
/** Width of an hour bucket, ms. */
export const HOUR_MS = 3_600_000;
/** Resolutions of `memory_stats` and `runner_stats` rows: minute and hour buckets. */
export type BucketResolution = 'm' | 'h';

/**
 * How far back minute rows of `memory_stats` / `runner_stats` answer windows
 * exactly (48 h). Windows reaching further back start at the hour (see
 * {@link bucketRanges}); minute rows are pruned an hour after this.
 */
export const MINUTE_ROWS_SPAN_MS = 48 * HOUR_MS;
/** How long hour rows are kept: the longest window (30 days) plus an hour, ms. */
export const HOUR_ROWS_RETENTION_MS = 30 * 24 * HOUR_MS + HOUR_MS;
/** How long minute rows are kept, ms ({@link MINUTE_ROWS_SPAN_MS} plus an hour). */
export const MINUTE_ROWS_RETENTION_MS = MINUTE_ROWS_SPAN_MS + HOUR_MS;

/** Start of the bucket of `ms` at a resolution, ms. */
export function bucketStart(ms: number, res: BucketResolution): number {
  const width = res === 'm' ? MINUTE_MS : HOUR_MS;
  return Math.floor(ms / width) * width;
}

/**
 * Which bucket rows make up a window from `since` to now: hour rows from
 * `hourFrom` on, plus minute rows in [`minuteFrom`, `minuteTo`) for the part of the
 * window before its first whole hour. Both resolutions hold the same samples, so
 * a window needs at most 60 minute rows plus one row per hour per key.
 */
export interface BucketRanges {
  /** First hour bucket of the window. */
  hourFrom: Date;
  /** First minute bucket, or null when the window starts on an hour or reaches past the minute rows. */
  minuteFrom: Date | null;
  /** End (exclusive) of the minute buckets: the first hour bucket. */
  minuteTo: Date | null;
}

/**
 * Splits a window into minute and hour buckets. The window starts at `since`
 * rounded down to its minute (as `service_stats` windows do). When that start is
 * more than {@link MINUTE_ROWS_SPAN_MS} (48 h) before now, minute rows may be gone:
 * the window then starts at the hour (reaching up to 59 minutes further back).
 * @param sinceMs window start, ms since the epoch
 * @param nowMs now, ms since the epoch
 */
export function bucketRanges(sinceMs: number, nowMs: number): BucketRanges {
  const sinceMinute = bucketStart(sinceMs, 'm');
  if (nowMs - sinceMinute > MINUTE_ROWS_SPAN_MS) {
    return { hourFrom: new Date(bucketStart(sinceMinute, 'h')), minuteFrom: null, minuteTo: null };
  }
  const floorHour = bucketStart(sinceMinute, 'h');
  if (floorHour === sinceMinute) return { hourFrom: new Date(sinceMinute), minuteFrom: null, minuteTo: null };
  const hourFrom = floorHour + HOUR_MS;
  return { hourFrom: new Date(hourFrom), minuteFrom: new Date(sinceMinute), minuteTo: new Date(hourFrom) };
}

/**
 * `Date.parse` remembering its last answer: the samples of a batch come in runs
 * sharing one finish time (a result and its calls), parsed once per run.
 * @returns a parser (NaN for an unparsable time)
 */
export function timeParser(): (iso: string) => number {
  let last: string | undefined;
  let lastMs = Number.NaN;
  return (iso) => {
    if (iso !== last) {
      last = iso;
      lastMs = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
    }
    return lastMs;
  };
}
