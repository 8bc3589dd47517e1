/**
 * Least-squares fit of a straight line (seed 003 `_predict_future_load`:
 * `np.polyfit(range(n), loads, 1)[0]`), over real sample times instead of indices
 * so that irregular sampling does not bend the slope.
 */

/** One sample: `x` in seconds, `y` in the metric's unit. */
export interface Point {
  x: number;
  y: number;
}

/** A least-squares line fit: slope and coefficient of determination. */
export interface LineFit {
  slope: number;
  /** R², 0..1: the share of the variance the line explains (1 for a flat or perfect line). */
  r2: number;
}

/**
 * Least-squares line through the points, with R².
 * @param points at least two, with at least two distinct `x`
 * @returns the fit, or null when it is undefined
 */
export function fitLine(points: readonly Point[]): LineFit | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.x - mx;
    const dy = p.y - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  return { slope: sxy / sxx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/**
 * Slope of the least-squares line through the points.
 * @param points at least two, with at least two distinct `x`
 * @returns dy/dx (per second when x is in seconds), or null when it is undefined
 */
export function leastSquaresSlope(points: readonly Point[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    const dx = p.x - mx;
    sxy += dx * (p.y - my);
    sxx += dx * dx;
  }
  if (sxx === 0) return null;
  return sxy / sxx;
}
