import type {
  AnalysisSource,
  BacklogReply,
  BreakerState,
  MetricDirection,
  RunnerStat,
  ServiceStat,
  ServiceView,
  SuggestionAction,
  SuggestionCategory,
  SuggestionEvidence,
  SuggestionPriority,
  SuggestionRule,
} from '@apiary/contracts';

/**
 * The statistics one analysis reasons over, gathered from memory, task-router and
 * the brain for one window. Every part is null when its source did not answer;
 * rules needing it then find nothing. Built by hand in the rule specs.
 */
export interface StatisticsSnapshot {
  /** The window, epoch ms: statistics cover `[fromMs, toMs]`. */
  window: { fromMs: number; toMs: number };
  /** Memory: per (task type, service), with p50/p95/p99 and error patterns. */
  services: ServiceStat[] | null;
  /** Memory: per task type (service `*`), with quantiles. */
  types: ServiceStat[] | null;
  /** Memory: results and busy time per bot-runtime replica. */
  runners: RunnerStat[] | null;
  /** Brain: tasks waiting now, arrivals and completions over the window. */
  backlog: BacklogReply | null;
  /** Router: registered services and their health. */
  registry: ServiceView[] | null;
  /** Router: worst breaker state per service over runtime replicas. */
  breakers: Record<string, BreakerState> | null;
}

/** What a finding is about: a task type, a service, both, or neither (fleet-wide). */
export interface Subject {
  task_type: string | null;
  service: string | null;
}

/** A rule's finding: becomes (or updates) the suggestion of its key. */
export interface Finding extends Subject {
  rule: SuggestionRule;
  priority: SuggestionPriority;
  category: SuggestionCategory;
  title: string;
  description: string;
  action: SuggestionAction;
  direction: MetricDirection;
  /** Evidence without the window (the analysis adds it). */
  evidence: Omit<SuggestionEvidence, 'window'>;
}

/**
 * Thresholds of the rules (env variables of the service, see `ImprovementEnv`).
 * A value crossing a threshold means strictly above it (or below, for lower
 * bounds); a minimum sample count is "at least".
 */
export interface RuleThresholds {
  /** p95 latency above which a (type, service) or type is slow, ms. `APIARY_RULE_LATENCY_P95_MS`, default 5,000. */
  latencyP95Ms: number;
  /** Calls needed before latency is judged. `APIARY_RULE_LATENCY_MIN_SAMPLES`, default 20. */
  latencyMinSamples: number;
  /** Failed fraction above which a (type, service) errs too often. `APIARY_RULE_ERROR_RATE`, default 0.05. */
  errorRate: number;
  /** Calls needed before the error rate is judged. `APIARY_RULE_ERROR_MIN_SAMPLES`, default 20. */
  errorMinSamples: number;
  /** Success-rate gap to the peers' pooled rate at which a service is flagged, fraction. `APIARY_RULE_PEER_GAP`, default 0.10. */
  peerGap: number;
  /** Calls a service (and each peer) needs to be compared. `APIARY_RULE_PEER_MIN_SAMPLES`, default 20. */
  peerMinSamples: number;
  /** Backlog grows when arrivals > completions × this. `APIARY_RULE_BACKLOG_GROWTH_FACTOR`, default 1.2. */
  backlogGrowthFactor: number;
  /** Waiting tasks (queued + retrying) needed for a growing backlog to matter. `APIARY_RULE_BACKLOG_MIN_QUEUED`, default 100. */
  backlogMinQueued: number;
  /** Max/min busy time (or results) ratio across replicas above which load is uneven. `APIARY_RULE_LOAD_IMBALANCE_RATIO`, default 2. */
  loadImbalanceRatio: number;
  /** Results across replicas needed before load balance is judged. `APIARY_RULE_LOAD_MIN_RESULTS`, default 100. */
  loadMinResults: number;
  /** Busy time / (replicas × window) below which capacity is idle. `APIARY_RULE_IDLE_UTILISATION`, default 0.2. */
  idleUtilisation: number;
  /** Replicas needed before scaling down is suggested. `APIARY_RULE_IDLE_MIN_REPLICAS`, default 2. */
  idleMinReplicas: number;
  /** Most waiting tasks (queued + retrying) for the backlog to count as empty. `APIARY_RULE_IDLE_MAX_QUEUED`, default 0. */
  idleMaxQueued: number;
}

/** Defaults of {@link RuleThresholds} (seed 000: latency 5 s, error rate 5%). */
export const DEFAULT_THRESHOLDS: Readonly<RuleThresholds> = Object.freeze({
  latencyP95Ms: 5000,
  latencyMinSamples: 20,
  errorRate: 0.05,
  errorMinSamples: 20,
  peerGap: 0.1,
  peerMinSamples: 20,
  backlogGrowthFactor: 1.2,
  backlogMinQueued: 100,
  loadImbalanceRatio: 2,
  loadMinResults: 100,
  idleUtilisation: 0.2,
  idleMinReplicas: 2,
  idleMaxQueued: 0,
});

/**
 * An analysis rule: a pure function from a snapshot to findings, plus the
 * measure of its metric for one subject (impact tracking re-measures it over the
 * after-window).
 */
export interface Rule {
  id: SuggestionRule;
  /** Sources it reads; the others need not be collected for it. */
  needs: readonly AnalysisSource[];
  /** @returns findings, each with a distinct subject */
  evaluate(snapshot: StatisticsSnapshot, thresholds: RuleThresholds): Finding[];
  /**
   * @param metric the evidence metric of the finding
   * @returns the metric's value for `subject` in `snapshot`, or null without data
   */
  measure(snapshot: StatisticsSnapshot, subject: Subject, metric: string): number | null;
}

/** @returns the finding key `<rule>:<task type or *>:<service or *>` */
export function findingKey(rule: SuggestionRule, subject: Subject): string {
  return `${rule}:${subject.task_type ?? '*'}:${subject.service ?? '*'}`;
}

/** Rounds to 4 decimals (rates and ratios in evidence). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** @returns `0.1234` as `12.3%` */
export function pct(x: number): string {
  return `${(Math.round(x * 1000) / 10).toString()}%`;
}

/** @returns ms as `850 ms` or `7.2 s` */
export function ms(x: number): string {
  return x < 1000 ? `${Math.round(x)} ms` : `${(Math.round(x / 100) / 10).toString()} s`;
}

/** @returns the window length in words, e.g. `1 h`, `36 s`, `2.5 h` */
export function windowText(snapshot: StatisticsSnapshot): string {
  const s = (snapshot.window.toMs - snapshot.window.fromMs) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round((s / 3600) * 10) / 10} h`;
}

/** Epsilon under which two fractions are equal (keeps "at the threshold" exact under float error). */
export const EPSILON = 1e-9;
