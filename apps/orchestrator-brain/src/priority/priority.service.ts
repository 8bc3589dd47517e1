import { PrioritizeItem, PriorityLevel, ScoredTask, Tier } from '@apiary/contracts';

/** Numeric value of each level (seed 002 "Priority Levels"). */
export const LEVEL_SCORES: Readonly<Record<PriorityLevel, number>> = {
  critical: 4,
  high: 3,
  normal: 2,
  low: 1,
};

/** Default type multipliers (seed 002 "Task Type Priority Modifiers"); other types 1.0. */
export const DEFAULT_TYPE_MULTIPLIERS: Readonly<Record<string, number>> = {
  fraud_detection: 1.5,
  finance: 1.5,
  crypto_prediction: 1.2,
  email_campaign: 1.0,
  video_generation: 0.8,
};

/** Tier weights: standard < advanced < L20 (DESIGN.md "Priority"). */
export const TIER_WEIGHTS: Readonly<Record<Tier, number>> = {
  standard: 1.0,
  advanced: 1.25,
  L20: 1.5,
};

/** Configuration of {@link PriorityPolicy}. */
export interface PriorityConfig {
  /** Type → multiplier; merged over {@link DEFAULT_TYPE_MULTIPLIERS}. */
  typeMultipliers?: Record<string, number>;
  /**
   * Aging in score points per minute of waiting (default 0.5): a `low` task (1.0)
   * waiting 6 minutes outranks a fresh `critical` one (4.0), so nothing starves.
   */
  agingPerMinute?: number;
}

/**
 * Priority scoring (DESIGN.md "Priority"; seed 002 "Task Prioritization"):
 * `score = level × type multiplier × tier weight`, and the dispatch rank that adds
 * aging. Pure: no I/O.
 */
export class PriorityPolicy {
  private multipliers: Record<string, number>;
  private readonly configured: Record<string, number>;
  /** Aging rate in points per second. */
  readonly agingPerSecond: number;

  /** @throws RangeError when a multiplier or the aging rate is negative or not finite */
  constructor(config: PriorityConfig = {}) {
    this.configured = { ...DEFAULT_TYPE_MULTIPLIERS, ...(config.typeMultipliers ?? {}) };
    PriorityPolicy.check(this.configured);
    this.multipliers = this.configured;
    const aging = config.agingPerMinute ?? 0.5;
    if (!Number.isFinite(aging) || aging < 0) throw new RangeError(`aging per minute must be >= 0 (got ${aging})`);
    this.agingPerSecond = aging / 60;
  }

  private static check(multipliers: Record<string, number>): void {
    for (const [type, m] of Object.entries(multipliers)) {
      if (!Number.isFinite(m) || m <= 0) throw new RangeError(`type multiplier of ${type} must be > 0 (got ${m})`);
    }
  }

  /**
   * Replaces the multipliers set through the API (they override the seed defaults
   * and `APIARY_TYPE_MULTIPLIERS`). Affects tasks scored from now on.
   * @throws RangeError when a multiplier is not > 0
   */
  setOverrides(overrides: Record<string, number>): void {
    PriorityPolicy.check(overrides);
    this.multipliers = { ...this.configured, ...overrides };
  }

  /** @returns the effective type multipliers */
  typeMultipliers(): Record<string, number> {
    return { ...this.multipliers };
  }

  /** @returns the multiplier of a task type (1.0 when not configured) */
  typeMultiplier(type: string): number {
    return this.multipliers[type] ?? 1.0;
  }

  /**
   * @param level priority level (default `normal`)
   * @param type task type
   * @param tier tier of the bot the task is for (default `standard`)
   * @returns the score, rounded to 4 decimals (e.g. high fraud_detection → 4.5)
   */
  score(level: PriorityLevel = 'normal', type: string, tier: Tier = 'standard'): number {
    const raw = LEVEL_SCORES[level] * this.typeMultiplier(type) * TIER_WEIGHTS[tier];
    return Math.round(raw * 10_000) / 10_000;
  }

  /**
   * Dispatch rank: `score − agingPerSecond × createdAtS`. For any fixed "now",
   * ordering by rank descending equals ordering by the aged score
   * `score + agingPerSecond × (now − createdAt)`, so the queue can use a plain
   * index instead of recomputing priorities.
   * @param score task score
   * @param createdAtMs submit time, ms since epoch
   */
  rank(score: number, createdAtMs: number): number {
    return score - this.agingPerSecond * (createdAtMs / 1000);
  }

  /**
   * Aged score of a task at `nowMs` (what {@link rank} orders by).
   * @param score task score
   * @param createdAtMs submit time, ms since epoch
   * @param nowMs current time, ms since epoch
   */
  agedScore(score: number, createdAtMs: number, nowMs: number): number {
    return score + this.agingPerSecond * Math.max(0, (nowMs - createdAtMs) / 1000);
  }

  /**
   * Scores tasks and orders them highest score first, ties in request order
   * (seed 002 `prioritize_tasks`).
   * @param items tasks with type, priority and tier
   */
  prioritize(items: PrioritizeItem[]): ScoredTask[] {
    return items
      .map((t, index) => {
        const priority = t.priority ?? 'normal';
        const tier = t.tier ?? 'standard';
        return { type: t.type, priority, tier, score: this.score(priority, t.type, tier), index };
      })
      .sort((a, b) => b.score - a.score || a.index - b.index);
  }
}
