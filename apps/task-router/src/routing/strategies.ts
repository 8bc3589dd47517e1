import type { RoutingStrategy } from '@apiary/contracts';

/**
 * Load-balancing strategies of the task-router (seed 002 "Load Balancing
 * Strategies": round robin, random, least loaded). Each orders a pool of equally
 * eligible services; the first is the primary, the rest are fallbacks in order.
 * Pure and synchronous: clock and random source are injected. `learned` (the
 * brain's choice) is asynchronous and lives in the route service; it orders with
 * {@link orderByDecision}.
 */

/** What a strategy needs of a service. */
export interface Named {
  service_name: string;
}

/** A synchronous ordering strategy. */
export interface OrderingStrategy {
  readonly name: Exclude<RoutingStrategy, 'learned'>;
  /**
   * @param capability the task type routed (round robin keeps one rotation per capability)
   * @param pool eligible services, in a stable order (by name)
   * @param commit whether this decision counts (false for inspection: no state changes)
   * @returns the pool, reordered; the input is not modified
   */
  order<T extends Named>(capability: string, pool: readonly T[], commit: boolean): T[];
}

/**
 * Round robin per capability: decision k of a capability starts at pool index
 * `k mod n` and wraps (Task 1 → A, 2 → B, 3 → C, 4 → A). Inspection does not
 * advance the rotation.
 */
export class RoundRobinStrategy implements OrderingStrategy {
  readonly name = 'round_robin' as const;
  private readonly next = new Map<string, number>();

  order<T extends Named>(capability: string, pool: readonly T[], commit: boolean): T[] {
    if (pool.length === 0) return [];
    const k = this.next.get(capability) ?? 0;
    if (commit) this.next.set(capability, (k + 1) % 1_000_000_007);
    const start = k % pool.length;
    return [...pool.slice(start), ...pool.slice(0, start)];
  }
}

/** Fisher–Yates shuffle with an injected random source. @returns a new array */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i] as T;
    out[i] = out[j] as T;
    out[j] = t;
  }
  return out;
}

/** Uniformly random order ("good for unpredictable loads"). */
export class RandomStrategy implements OrderingStrategy {
  readonly name = 'random' as const;

  /** @param random source of uniform numbers in [0, 1) */
  constructor(private readonly random: () => number = Math.random) {}

  order<T extends Named>(_capability: string, pool: readonly T[]): T[] {
    return shuffle(pool, this.random);
  }
}

/**
 * Fewest in-flight calls first (routes tracked by this router replica and not yet
 * reported finished); ties in random order so idle services share the load.
 */
export class LeastLoadedStrategy implements OrderingStrategy {
  readonly name = 'least_loaded' as const;

  /**
   * @param load in-flight calls of a service
   * @param random tie-breaking source of uniform numbers in [0, 1)
   */
  constructor(
    private readonly load: (service: string) => number,
    private readonly random: () => number = Math.random,
  ) {}

  order<T extends Named>(_capability: string, pool: readonly T[]): T[] {
    const loads = new Map(pool.map((s) => [s.service_name, this.load(s.service_name)]));
    return shuffle(pool, this.random).sort((a, b) => (loads.get(a.service_name) ?? 0) - (loads.get(b.service_name) ?? 0));
  }
}

/**
 * Order of a `learned` route: the brain's selected candidate, then its alternatives
 * in its order, then any pool member the brain did not mention in `rest`'s order.
 * Candidates are named by their arm (`service`, or `service/model`) when they have one.
 * @param pool eligible candidates
 * @param selected the brain's choice (must be in the pool)
 * @param alternatives the brain's other candidates, best first
 * @param rest fallback order for candidates the brain did not rank (e.g. least loaded)
 * @returns the ordered pool, or undefined when `selected` is not in it
 */
export function orderByDecision<T extends Named & { arm?: string }>(pool: readonly T[], selected: string, alternatives: string[], rest: readonly T[]): T[] | undefined {
  const key = (s: T) => s.arm ?? s.service_name;
  const byName = new Map(pool.map((s) => [key(s), s]));
  const first = byName.get(selected);
  if (!first) return undefined;
  const out: T[] = [first];
  const seen = new Set([selected]);
  for (const name of [...alternatives, ...rest.map(key)]) {
    const s = byName.get(name);
    if (s && !seen.has(name)) {
      out.push(s);
      seen.add(name);
    }
  }
  return out;
}
