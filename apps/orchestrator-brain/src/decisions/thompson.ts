/**
 * Thompson sampling over Beta–Bernoulli arms (seed 002 component 1 "Selects best
 * service based on past performance", "How Learning Improves Performance"): the
 * brain's explore/exploit rule for choosing a service per task type.
 *
 * Each candidate service's success probability has the posterior
 * `Beta(α0 + successes, β0 + failures)` with prior `Beta(1.4, 0.6)` (mean 0.7, the
 * seed's default confidence; weight 2 pseudo-results). A decision draws one θ per
 * service from its posterior and scores it `θ × u`, with latency utility
 * `u = τ / (τ + mean latency ms)`; the highest score wins. Services with little
 * evidence have wide posteriors and so still win sometimes (exploration); a
 * service that keeps failing draws low θ and stops being chosen (exploitation).
 *
 * Everything here is pure; randomness comes from an injected uniform source.
 */

/** Uniform random source on [0, 1) (e.g. `Math.random`, or {@link mulberry32} in tests). */
export type RandomSource = () => number;

/** Prior successes α0 of every service: with {@link PRIOR_BETA}, mean 0.7 and weight 2. */
export const PRIOR_ALPHA = 1.4;
/** Prior failures β0 of every service. */
export const PRIOR_BETA = 0.6;
/** Name of the rule, as reported in decisions and the performance summary. */
export const DECISION_RULE = 'thompson_sampling';

/**
 * A small seedable PRNG (mulberry32, 32-bit state): reproducible decisions in
 * tests and benches.
 * @param seed any 32-bit integer
 * @returns a uniform source on [0, 1)
 */
export function mulberry32(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One standard normal draw (Box–Muller transform of two uniforms).
 * @param random uniform source
 */
export function sampleNormal(random: RandomSource): number {
  const u1 = 1 - random(); // (0, 1]: log never sees 0
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * One draw from Gamma(shape, 1), by Marsaglia and Tsang's squeeze method ("A
 * simple method for generating gamma variables", 2000); for shape < 1 it draws
 * Gamma(shape + 1) and multiplies by U^(1/shape).
 * @param shape k > 0
 * @param random uniform source
 * @throws RangeError when shape is not a positive finite number
 */
export function sampleGamma(shape: number, random: RandomSource): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be > 0 (got ${shape})`);
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * One draw from Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b).
 * @param a α > 0
 * @param b β > 0
 * @param random uniform source
 * @throws RangeError when a or b is not positive
 */
export function sampleBeta(a: number, b: number, random: RandomSource): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  const sum = x + y;
  return sum > 0 ? x / sum : a / (a + b); // both underflowed: fall back to the mean
}

/**
 * Posterior mean success rate under the prior: `(α0 + s) / (α0 + β0 + s + f)`:
 * 0.7 with no history, (1.4 + 10) / 12 = 0.95 after 10 successes.
 * @param successes s ≥ 0
 * @param failures f ≥ 0
 */
export function posteriorMean(successes: number, failures: number): number {
  return (PRIOR_ALPHA + successes) / (PRIOR_ALPHA + PRIOR_BETA + successes + failures);
}

/**
 * Latency utility `τ / (τ + mean latency)`: 1 for an instant service, ½ at τ.
 * @param meanLatencyMs mean latency, ms; null without samples (utility 1)
 * @param referenceMs τ, ms (> 0)
 */
export function latencyUtility(meanLatencyMs: number | null, referenceMs: number): number {
  if (meanLatencyMs === null || !Number.isFinite(meanLatencyMs) || meanLatencyMs <= 0) return 1;
  return referenceMs / (referenceMs + meanLatencyMs);
}

/** What is known of one candidate service (an arm). */
export interface ArmEvidence {
  service: string;
  successes: number;
  failures: number;
  /** Mean latency, ms; null without samples. */
  mean_latency_ms: number | null;
  /** Expected cost of one successful call, USD; null when unknown (no history, no price). */
  expected_cost_usd?: number | null;
}

/**
 * Cost utility `(c_min / c) ^ w` (docs/ai-work.md "Learned routing with cost"): 1 for
 * the cheapest candidate, smaller for dearer ones; `w = 0` ignores cost.
 * @param costUsd the arm's expected cost per success, USD; null or ≤ 0: 1 (unknown or free)
 * @param cheapestUsd the lowest known positive cost among the candidates, USD
 * @param weight cost weight w ≥ 0
 */
export function costUtility(costUsd: number | null | undefined, cheapestUsd: number | null, weight: number): number {
  if (!(weight > 0) || costUsd == null || !(costUsd > 0) || cheapestUsd == null || !(cheapestUsd > 0)) return 1;
  return Math.pow(Math.min(1, cheapestUsd / costUsd), weight);
}

/** An arm with this decision's draw. */
export interface ArmDraw extends ArmEvidence {
  /** Posterior mean success rate ({@link posteriorMean}). */
  expected_success: number;
  /** θ drawn from the posterior. */
  theta: number;
  /** Latency utility u. */
  utility: number;
  /** Cost utility ({@link costUtility}); 1 when cost is ignored. */
  cost_utility: number;
  /** θ × u × cost utility: the arm with the highest score is chosen. */
  score: number;
}

/**
 * One Thompson-sampling decision: draws every arm once.
 * @param arms candidate services with their evidence (at least one)
 * @param latencyRefMs τ of the latency utility, ms
 * @param random uniform source
 * @param costWeight weight of cost (0, the default: ignored)
 * @returns the arms with their draws, best score first (index 0 is the choice);
 *   ties keep the given order
 */
export function thompsonDraws(arms: ArmEvidence[], latencyRefMs: number, random: RandomSource, costWeight = 0): ArmDraw[] {
  const known = arms.map((a) => a.expected_cost_usd).filter((c): c is number => typeof c === 'number' && c > 0);
  const cheapest = known.length > 0 ? Math.min(...known) : null;
  return arms
    .map((arm, index) => {
      const theta = sampleBeta(PRIOR_ALPHA + arm.successes, PRIOR_BETA + arm.failures, random);
      const utility = latencyUtility(arm.mean_latency_ms, latencyRefMs);
      const cost_utility = costUtility(arm.expected_cost_usd, cheapest, costWeight);
      return {
        index,
        draw: { ...arm, expected_success: posteriorMean(arm.successes, arm.failures), theta, utility, cost_utility, score: theta * utility * cost_utility },
      };
    })
    .sort((a, b) => b.draw.score - a.draw.score || a.index - b.index)
    .map((x) => x.draw);
}
