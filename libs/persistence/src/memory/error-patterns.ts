/** Most error patterns kept per statistics bucket row (the rest of a busy bucket's tail is dropped). */
export const ERROR_PATTERNS_PER_BUCKET = 20;
/** Longest normalised error message kept, characters. */
export const ERROR_MESSAGE_MAX_LENGTH = 160;

/** One error pattern with its count, as stored (`errors` jsonb) and reported. */
export interface ErrorPatternCount {
  code: string;
  /** Normalised message ({@link normaliseErrorMessage}); '' when the sample had none. */
  message: string;
  count: number;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const LONG_HEX = /\b(?:0x)?[0-9a-f]{8,}\b/gi;
const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * Makes messages of one failure mode equal, so they count as one pattern (seed 002
 * "Error Patterns: common failure modes"): UUIDs and hexadecimal ids of 8+
 * characters (digits and letters) become `<id>`, numbers `#`, runs of white space one space; the result
 * is cut to {@link ERROR_MESSAGE_MAX_LENGTH} characters. E.g. `timed out after
 * 5012 ms (task 0b6c…)` → `timed out after # ms (task <id>)`.
 * @param message raw error message (null/undefined → '')
 */
export function normaliseErrorMessage(message: string | null | undefined): string {
  if (!message) return '';
  return message
    .replace(UUID, '<id>')
    // Hex ids mix digits and letters; plain numbers become `#` below, words stay.
    .replace(LONG_HEX, (m) => (/\d/.test(m) && /[a-f]/i.test(m) ? '<id>' : m))
    .replace(NUMBER, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, ERROR_MESSAGE_MAX_LENGTH);
}

/**
 * Counts error patterns by (code, normalised message) and keeps the most frequent:
 * a bounded top-k. Merging two bounded lists sums the counts of equal patterns and
 * keeps the top {@link ERROR_PATTERNS_PER_BUCKET} (ties: code, then message, in
 * string order, so the result does not depend on merge order). A pattern dropped
 * from a bucket that saw more distinct patterns than the bound is lost for that
 * bucket, so counts are exact for the patterns of any bucket with at most 20
 * distinct ones and lower bounds otherwise.
 */
export class ErrorPatternCounter {
  private readonly counts = new Map<string, ErrorPatternCount>();

  /**
   * Counts `count` occurrences of a pattern.
   * @param code error code
   * @param message normalised message
   */
  add(code: string, message: string, count = 1): void {
    const key = `${code}\u0000${message}`;
    const found = this.counts.get(key);
    if (found) found.count += count;
    else this.counts.set(key, { code, message, count });
  }

  /**
   * Adds every pattern of a stored list (e.g. a bucket row's `errors`); malformed
   * entries are skipped.
   */
  addAll(patterns: unknown): void {
    if (!Array.isArray(patterns)) return;
    for (const p of patterns as Partial<ErrorPatternCount>[]) {
      if (p && typeof p.code === 'string' && typeof p.message === 'string' && Number.isFinite(p.count) && (p.count as number) > 0) {
        this.add(p.code, p.message, p.count as number);
      }
    }
  }

  /** Whether nothing was counted. */
  get empty(): boolean {
    return this.counts.size === 0;
  }

  /**
   * @param k how many to keep (default {@link ERROR_PATTERNS_PER_BUCKET})
   * @returns the k most frequent patterns, most frequent first
   */
  top(k = ERROR_PATTERNS_PER_BUCKET): ErrorPatternCount[] {
    return [...this.counts.values()]
      .sort((a, b) => b.count - a.count || cmp(a.code, b.code) || cmp(a.message, b.message))
      .slice(0, k)
      .map((p) => ({ ...p }));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
