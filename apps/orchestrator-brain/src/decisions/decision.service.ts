import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  BrainPerformance,
  Decision,
  DecisionAlternative,
  DecisionRequest,
  ServiceStat,
} from '@apiary/contracts';
import type { DecisionCount } from '@apiary/persistence';
import { LEVEL_SCORES } from '../priority/priority.service';
import type { CandidateSet, CandidateSource } from './candidates';
import type { LearnedStats, LearnedStatsSource } from './learned-stats';
import { ArmDraw, ArmEvidence, DECISION_RULE, PRIOR_ALPHA, PRIOR_BETA, RandomSource, thompsonDraws } from './thompson';

/** Resources a decision allocates when the request gives none (cores; MiB). */
export const DEFAULT_DECISION_RESOURCES: Readonly<{ cpu: number; memory: number }> = { cpu: 1, memory: 512 };

/** Where decisions are counted (see `DecisionCounters`). */
export interface DecisionRecorder {
  /** Counts one decision of a task type with its confidence. */
  record(taskType: string, confidence: number): void;
  /** @returns every task type's counts (persisted plus pending) */
  totals(): Promise<DecisionCount[]>;
}

/** Options of {@link DecisionService}. */
export interface DecisionOptions {
  /** τ of the latency utility `τ / (τ + mean latency)`, ms. */
  latencyRefMs: number;
  /** Resources when the request names none. */
  defaultResources?: { cpu: number; memory: number };
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const PRIOR_PERCENT = Math.round((100 * PRIOR_ALPHA) / (PRIOR_ALPHA + PRIOR_BETA));

/**
 * The brain's decisions (seed 002 component 1 `make_decision`, "How Learning
 * Improves Performance"): which service should run a task type.
 *
 * Rule: **Thompson sampling** (see `thompson.ts`). For each candidate service it
 * draws θ ~ Beta(1.4 + successes, 0.6 + failures) from what memory learned over
 * the window and scores θ × τ/(τ + mean latency); the highest score is selected.
 * New services get tried (wide posteriors sometimes draw high), failing ones stop
 * being chosen. Confidence is the selected service's posterior mean success,
 * (1.4 + s) / (2 + s + f): 0.7 with no history, 0.95 after 10 successes.
 *
 * Candidates are the request's `candidates`, else the router's enabled, not
 * unhealthy services for the type, else a built-in type's own handler. Learning
 * needs no request per task: outcomes reach memory batched through the
 * completions stream (`learn_from_result`), and statistics are read at most once
 * per task type per cache TTL. If memory is unreachable, the prior decides and
 * `reasoning` says so.
 */
export class DecisionService {
  private readonly defaultResources: { cpu: number; memory: number };

  /**
   * @param candidates candidate services of a type when the request names none
   * @param stats learned statistics (memory)
   * @param counters decision counters
   * @param options latency reference and default resources
   * @param random uniform source of the Thompson draws (injected for tests)
   * @param now clock (injected for tests)
   * @param newId decision id generator
   */
  constructor(
    private readonly candidates: CandidateSource,
    private readonly stats: LearnedStatsSource,
    private readonly counters: DecisionRecorder,
    private readonly options: DecisionOptions,
    private readonly random: RandomSource = Math.random,
    private readonly now: () => Date = () => new Date(),
    private readonly newId: () => string = randomUUID,
  ) {
    this.defaultResources = options.defaultResources ?? { ...DEFAULT_DECISION_RESOURCES };
  }

  /**
   * Decides which service runs `req.task_type`, and counts the decision unless
   * `req.record === false`.
   * @throws ApiaryError `NO_CAPABLE_SERVICE` naming the task type when there is no
   *   candidate (an empty `candidates`, or none from the router and no built-in
   *   handler); the router's `SERVICE_UNAVAILABLE` / `UPSTREAM_TIMEOUT` when
   *   candidates must be asked of it and it does not answer
   */
  async decide(req: DecisionRequest): Promise<Decision> {
    const taskType = req.task_type;
    const [set, learned] = await Promise.all([this.candidateSet(req), this.stats.forType(taskType)]);
    const byService = new Map(learned.stats.map((s) => [s.service, s]));
    const costWeight = req.cost_weight ?? 0;
    const tokensPerCall = meanTokensPerCall(learned.stats);
    const arms: ArmEvidence[] = set.services.map((service) => ({
      ...evidence(service, byService.get(service)),
      expected_cost_usd: expectedCostUsd(byService.get(service), req.candidate_prices?.[service], tokensPerCall),
    }));
    const [selected, ...others] = thompsonDraws(arms, this.options.latencyRefMs, this.random, costWeight);
    const confidence = round(selected.expected_success);
    if (req.record !== false) this.counters.record(taskType, confidence);
    return {
      decision_id: this.newId(),
      task_type: taskType,
      selected_service: selected.service,
      priority_level: LEVEL_SCORES[req.priority ?? 'normal'],
      confidence,
      reasoning: this.reasoning(taskType, set, learned, selected, others, costWeight),
      alternatives: others.map(alternative),
      selected: alternative(selected),
      resources: {
        cpu: req.resources?.cpu ?? this.defaultResources.cpu,
        memory: req.resources?.memory ?? this.defaultResources.memory,
      },
      rule: DECISION_RULE,
      decided_at: this.now().toISOString(),
    };
  }

  /**
   * The performance summary (seed 002 `get_performance_summary`, extended).
   * @throws ApiaryError `SERVICE_UNAVAILABLE` / `UPSTREAM_TIMEOUT` (or memory's
   *   error) when memory's statistics cannot be read
   */
  async performance(): Promise<BrainPerformance> {
    const [totals, learned] = await Promise.all([this.counters.totals(), this.stats.all()]);
    const total = totals.reduce((n, c) => n + c.decisions, 0);
    const confidenceSum = totals.reduce((n, c) => n + c.confidence_sum, 0);
    const withResults = learned.filter((s) => s.count > 0);
    return {
      total_decisions: total,
      task_types_learned: new Set(withResults.map((s) => s.task_type)).size,
      average_confidence: total > 0 ? round(confidenceSum / total) : null,
      decisions_by_type: Object.fromEntries(totals.filter((c) => c.decisions > 0).map((c) => [c.task_type, c.decisions])),
      learned: withResults.map((s) => ({
        task_type: s.task_type,
        service: s.service,
        samples: s.count,
        success_rate: round(s.successes / s.count),
        mean_latency_ms: s.mean_latency_ms,
      })),
      rule: DECISION_RULE,
      window_s: this.stats.windowS,
    };
  }

  private async candidateSet(req: DecisionRequest): Promise<CandidateSet> {
    if (req.candidates === undefined) return this.candidates.candidates(req.task_type);
    const services = [...new Set(req.candidates.filter((c) => c.length > 0))];
    if (services.length === 0) {
      throw new ApiaryError('NO_CAPABLE_SERVICE', `No candidate service given for task type ${req.task_type}`, { task_type: req.task_type });
    }
    return { services, source: 'request' };
  }

  /** Says in words why `selected` won. */
  private reasoning(taskType: string, set: CandidateSet, learned: LearnedStats, selected: ArmDraw, others: ArmDraw[], costWeight: number): string {
    const windowS = this.stats.windowS;
    const parts: string[] = [];
    if (learned.unreachable) parts.push(`memory unreachable (${learned.unreachable}), so the prior decided`);
    if (set.source === 'builtin') parts.push(`built-in handler ${selected.service}: no registered service offers ${taskType}`);
    const n = selected.successes + selected.failures;
    if (n > 0) {
      const latency = selected.mean_latency_ms === null ? '' : `, mean ${formatMs(selected.mean_latency_ms)} ms`;
      parts.push(`${selected.service}: ${selected.successes}/${n} succeeded (${Math.round((100 * selected.successes) / n)}%)${latency} over the last ${windowS} s`);
    } else if (!learned.unreachable) {
      parts.push(`${selected.service}: no results in the last ${windowS} s, so the prior (${PRIOR_PERCENT}% expected success) stands in`);
    }
    const shown = others.slice(0, 3).map((o) => `${o.service} ${o.score.toFixed(2)}`);
    if (others.length > 3) shown.push(`${others.length - 3} more lower`);
    // The evidence sentence names the selected service; without it, the draw does.
    const drew = `${n > 0 || !learned.unreachable ? '' : `${selected.service} `}drew ${selected.score.toFixed(2)}`;
    parts.push(others.length === 0 ? `${drew}, the only candidate (Thompson sampling)` : `${drew} vs ${shown.join(', ')} (Thompson sampling)`);
    parts.push(`${others.length} alternative${others.length === 1 ? '' : 's'}`);
    const costs = [selected, ...others].filter((d) => typeof d.expected_cost_usd === 'number');
    if (costWeight === 0) {
      if (costs.length > 0) parts.push('cost weight 0: cost ignored');
    } else if (costs.length > 0) {
      const c = selected.expected_cost_usd;
      parts.push(
        `cost weight ${costWeight}: ${selected.service} ${c == null ? 'cost unknown' : `$${formatUsd(c)} per success`}, cost factor ${selected.cost_utility.toFixed(2)}` +
          (costs.length > 1 ? ` (cheapest $${formatUsd(Math.min(...costs.map((d) => d.expected_cost_usd as number)))})` : ''),
      );
    }
    return parts.join('; ');
  }
}

function evidence(service: string, stat: ServiceStat | undefined): ArmEvidence {
  if (!stat || stat.count <= 0) return { service, successes: 0, failures: 0, mean_latency_ms: null };
  return { service, successes: stat.successes, failures: stat.failures, mean_latency_ms: stat.mean_latency_ms };
}

function alternative(d: ArmDraw): DecisionAlternative {
  return {
    service: d.service,
    expected_success: round(d.expected_success),
    mean_latency_ms: d.mean_latency_ms,
    samples: d.successes + d.failures,
    sampled_score: round(d.score),
    expected_cost_usd: d.expected_cost_usd ?? null,
  };
}

/** Successful calls an arm needs before its own measured cost replaces the price estimate. */
export const MIN_COST_SAMPLES = 3;
/** Tokens per call assumed for a price estimate when no call of the type was measured. */
export const DEFAULT_TOKENS_PER_CALL = 1000;

/**
 * Mean tokens per call over the task type's measured candidates (what a priced
 * candidate without history is assumed to use).
 * @param stats the type's statistics per candidate
 * @returns tokens, or {@link DEFAULT_TOKENS_PER_CALL} without any
 */
export function meanTokensPerCall(stats: ServiceStat[]): number {
  let tokens = 0;
  let calls = 0;
  for (const s of stats) {
    if ((s.tokens_sum ?? 0) > 0 && s.successes > 0) {
      tokens += s.tokens_sum as number;
      calls += s.successes;
    }
  }
  return calls > 0 ? tokens / calls : DEFAULT_TOKENS_PER_CALL;
}

/**
 * Expected cost of one successful call of a candidate (docs/ai-work.md "Learned
 * routing with cost"): what it measurably cost per success over the learning
 * window once it has {@link MIN_COST_SAMPLES} successes; before that, its price at
 * the type's mean tokens per call (half prompt, half completion).
 * @param stat the candidate's statistics (sums of cost and tokens)
 * @param price its price, USD per million tokens, when known
 * @param tokensPerCall mean tokens per call of the task type
 * @returns USD, or null when neither is known
 */
export function expectedCostUsd(
  stat: ServiceStat | undefined,
  price: { input_per_1m: number; output_per_1m: number } | undefined,
  tokensPerCall: number,
): number | null {
  if (stat && stat.successes >= MIN_COST_SAMPLES && (stat.cost_usd_sum ?? 0) > 0) return (stat.cost_usd_sum as number) / stat.successes;
  if (price) return (tokensPerCall * (price.input_per_1m + price.output_per_1m)) / 2 / 1_000_000;
  return null;
}

function formatUsd(x: number): string {
  return x >= 0.01 ? x.toFixed(4) : x.toPrecision(3);
}

function formatMs(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : String(Math.round(ms * 10) / 10);
}
