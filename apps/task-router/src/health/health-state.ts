import type { HealthState } from '@apiary/contracts';

/** Thresholds of active health checks (issue 4 "active health checks"). */
export interface HealthThresholds {
  /** Consecutive failures that make a service `unhealthy` (one failure already makes it `degraded`). */
  unhealthyAfter: number;
  /** Consecutive successes that make a service `healthy`. */
  healthyAfter: number;
}

/** What a service's health is made of: its status and its probe streaks. */
export interface ProbeState {
  status: HealthState;
  consecutive_failures: number;
  consecutive_successes: number;
}

/**
 * Next health state after one probe (seed 002 "Safety Mechanisms: Health Monitoring").
 * - A failure resets the success streak; the service becomes `unhealthy` once
 *   `unhealthyAfter` failures are consecutive, otherwise `degraded` (an `unhealthy`
 *   service stays `unhealthy`).
 * - A success resets the failure streak; the service becomes `healthy` once
 *   `healthyAfter` successes are consecutive, and keeps its status until then.
 * @param state status and streaks before the probe
 * @param ok whether the probe succeeded (2xx within the timeout)
 * @param t thresholds
 * @returns status and streaks after the probe
 */
export function nextProbeState(state: ProbeState, ok: boolean, t: HealthThresholds): ProbeState {
  if (ok) {
    const successes = state.consecutive_successes + 1;
    return {
      status: successes >= t.healthyAfter ? 'healthy' : state.status,
      consecutive_failures: 0,
      consecutive_successes: successes,
    };
  }
  const failures = state.consecutive_failures + 1;
  return {
    status: failures >= t.unhealthyAfter || state.status === 'unhealthy' ? 'unhealthy' : 'degraded',
    consecutive_failures: failures,
    consecutive_successes: 0,
  };
}
