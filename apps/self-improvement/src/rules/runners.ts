import type { RunnerStat } from '@apiary/contracts';
import type { StatisticsSnapshot } from './rule';

/** Shortest "recently active" span of a replica, ms. */
export const MIN_ACTIVE_SPAN_MS = 60_000;

/**
 * bot-runtime replicas still producing results at the end of the window: with at
 * least one result and the last one within max(60 s, 10% of the window) of its
 * end. A replica that stopped (restart, scale-in) would otherwise look like an
 * idle or under-used one. Replicas with no result in the window are not listed by
 * memory at all, so they are invisible here.
 * @returns the active replicas, or null when memory's runner statistics are missing
 */
export function activeRunners(snapshot: StatisticsSnapshot): RunnerStat[] | null {
  if (!snapshot.runners) return null;
  const span = Math.max(MIN_ACTIVE_SPAN_MS, 0.1 * (snapshot.window.toMs - snapshot.window.fromMs));
  return snapshot.runners.filter((r) => r.count > 0 && Date.parse(r.last_at) >= snapshot.window.toMs - span);
}
