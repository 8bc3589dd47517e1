import type { BacklogReply, RunnerStat, ServiceStat, ServiceView } from '@apiary/contracts';
import { DEFAULT_THRESHOLDS, RuleThresholds, StatisticsSnapshot } from './rule';

/*
 * Builders of hand-made statistics for the rule specs (and the service's
 * integration specs): each gives a complete value with neutral defaults.
 */

/** End of every built window: 2026-03-01T12:00:00Z. */
export const WINDOW_END_MS = Date.parse('2026-03-01T12:00:00.000Z');
/** Length of the default built window: one hour. */
export const HOUR_MS = 3_600_000;

/** A snapshot with every source answered and empty. */
export function snapshot(overrides: Partial<StatisticsSnapshot> = {}): StatisticsSnapshot {
  return {
    window: { fromMs: WINDOW_END_MS - HOUR_MS, toMs: WINDOW_END_MS },
    services: [],
    types: [],
    runners: [],
    backlog: backlog(),
    registry: [],
    breakers: {},
    ...overrides,
  };
}

/** Statistics of one (task type, service): 100 calls, all successful, p95 100 ms. */
export function stat(task_type: string, service: string, overrides: Partial<ServiceStat> = {}): ServiceStat {
  const count = overrides.count ?? 100;
  const failures = overrides.failures ?? (overrides.successes !== undefined ? count - overrides.successes : 0);
  return {
    task_type,
    service,
    count,
    successes: count - failures,
    failures,
    mean_latency_ms: 80,
    last_at: new Date(WINDOW_END_MS - 1000).toISOString(),
    p50_ms: 70,
    p95_ms: 100,
    p99_ms: 150,
    error_patterns: [],
    ...overrides,
  };
}

/** An empty backlog (nothing waiting, nothing flowing). */
export function backlog(overrides: Partial<BacklogReply> = {}): BacklogReply {
  return {
    window_s: 3600,
    at: new Date(WINDOW_END_MS).toISOString(),
    queued: 0,
    retrying: 0,
    in_flight: 0,
    arrivals: 0,
    completions: 0,
    oldest_queued_age_ms: null,
    by_type: [],
    ...overrides,
  };
}

/** A bot-runtime replica's load: 100 results, 1,000 s busy, last result a second before the window's end. */
export function runner(name: string, overrides: Partial<RunnerStat> = {}): RunnerStat {
  return { runner: name, count: 100, busy_ms: 1_000_000, last_at: new Date(WINDOW_END_MS - 1000).toISOString(), ...overrides };
}

/** A registered, enabled, healthy service offering `capabilities`. */
export function service(name: string, capabilities: string[], overrides: Partial<ServiceView> = {}): ServiceView {
  const at = new Date(WINDOW_END_MS).toISOString();
  return {
    service_name: name,
    endpoint: `http://127.0.0.1:9/${name}`,
    capabilities,
    protocol: 'process',
    models: [],
    api_key_env: null,
    pricing: {},
    limits: {},
    usage: null,
    category: 'ai-service',
    enabled: true,
    depends_on: [],
    status: 'healthy',
    status_source: 'registration',
    health_check: { enabled: true, path: '/health' },
    consecutive_failures: 0,
    in_flight: 0,
    last_checked_at: at,
    registered_at: at,
    updated_at: at,
    ...overrides,
  };
}

/** Default thresholds with overrides. */
export function thresholds(overrides: Partial<RuleThresholds> = {}): RuleThresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}
