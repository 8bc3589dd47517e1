import { randomUUID } from 'node:crypto';
import { ApiaryError, Decision, DecisionRequest, RouteDecision, RouteRequest, RoutingStrategy } from '@apiary/contracts';
import type { RouterSnapshot, ServiceEntry } from '../registry/router-snapshot';
import { CounterBuffer, METRICS } from '../stats/counter-buffer';
import type { InFlightTracker } from './in-flight';
import { routeDurationBoundMs } from './policy-book';
import { candidatePool } from './route-planner';
import { LeastLoadedStrategy, OrderingStrategy, orderByDecision, RandomStrategy, RoundRobinStrategy } from './strategies';

/** Asks the orchestrator brain for a decision (`apiary.brain.decide`). */
export interface BrainAdvisor {
  /**
   * @throws ApiaryError when the brain answers an error, has no responders or times out
   */
  decide(req: DecisionRequest): Promise<Decision>;
}

/** Ports of {@link RouteService}. */
export interface RouteServiceDeps {
  /** The routing snapshot in force. */
  snapshot: () => RouterSnapshot;
  inFlight: InFlightTracker;
  counters: CounterBuffer;
  brain: BrainAdvisor;
  /** Uniform source in [0, 1) for random and tie-breaking (default Math.random). */
  random?: () => number;
  /** Clock, epoch ms (default Date.now). */
  now?: () => number;
  /** Route id source (default random UUID). */
  newId?: () => string;
}

/**
 * Routing of one task (seed 002 component 2 `route_task`, "Routing Strategy",
 * "Load Balancing Strategies"; issue 4 "Routing"): capable services → enabled → not
 * excluded → healthy (degraded when none is) → strategy orders them → primary,
 * fallbacks in order, the type's retry strategy.
 *
 * Strategies: `round_robin` (per capability), `random`, `least_loaded` (in-flight
 * routes on this replica), `learned` (the brain's Thompson-sampling choice among
 * the pool; if the brain errs or does not answer in time the route falls back to
 * `least_loaded`, and `reasoning` says so).
 *
 * A tracked decision (`track`, default true; `POST /route` sends false) takes an
 * in-flight slot on its primary until bot-runtime reports the route's `final` call
 * (or the bound derived from the retry strategy passes), and is counted in the
 * statistics (total, primary's distribution, strategy used). Inspection changes
 * neither counts nor the round-robin rotation.
 */
export class RouteService {
  private readonly roundRobin = new RoundRobinStrategy();
  private readonly random: RandomStrategy;
  private readonly leastLoaded: LeastLoadedStrategy;
  private readonly now: () => number;
  private readonly newId: () => string;

  /** @param deps snapshot, in-flight tracker, counters, brain, random source, clock */
  constructor(private readonly deps: RouteServiceDeps) {
    const random = deps.random ?? Math.random;
    this.random = new RandomStrategy(random);
    this.leastLoaded = new LeastLoadedStrategy((s) => deps.inFlight.count(s), random);
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? randomUUID;
  }

  /**
   * Decides a route.
   * @throws ApiaryError `NO_CAPABLE_SERVICE` (no enabled service offers the type),
   *   `NO_HEALTHY_SERVICE` (every enabled one is unhealthy or excluded)
   */
  async route(req: RouteRequest): Promise<RouteDecision> {
    const snapshot = this.deps.snapshot();
    const policy = snapshot.policies.resolve(req.task_type);
    const requested: RoutingStrategy = req.strategy ?? policy.strategy;
    const track = req.track !== false;
    const { pool, reserve, summary } = candidatePool(req.task_type, snapshot.capable(req.task_type), req.exclude ?? []);

    let ordered: ServiceEntry[];
    let strategy: RoutingStrategy = requested;
    let reasoning: string;
    let confidence: number | null = null;
    if (requested === 'learned') {
      const learned = await this.learned(req, pool, track);
      ({ ordered, strategy, reasoning, confidence } = learned);
    } else {
      const s = this.ordering(requested);
      ordered = s.order(req.task_type, pool, track);
      reasoning = this.explain(s.name, ordered, pool.length);
    }
    const chain = [...ordered, ...this.leastLoaded.order(req.task_type, reserve)];
    const [primary, ...fallbacks] = chain;
    if (!primary) throw new ApiaryError('INTERNAL', `Routing ${req.task_type} produced no service`);
    const routeId = this.newId();
    if (track) {
      this.deps.inFlight.track(routeId, primary.service_name, routeDurationBoundMs(policy.retry_strategy, chain.length));
      this.deps.counters.add(METRICS.totalRoutes, '');
      this.deps.counters.add(METRICS.serviceDistribution, primary.service_name);
      this.deps.counters.add(METRICS.byStrategy, strategy);
    }
    return {
      route_id: routeId,
      task_type: req.task_type,
      primary_service: primary.service_name,
      endpoint: primary.endpoint,
      fallback_services: fallbacks.map((s) => s.service_name),
      fallbacks: fallbacks.map((s) => ({ service_name: s.service_name, endpoint: s.endpoint })),
      strategy,
      retry_strategy: policy.retry_strategy,
      reasoning: `${reasoning} (${summary})`,
      confidence,
      decided_at: new Date(this.now()).toISOString(),
    };
  }

  private ordering(strategy: Exclude<RoutingStrategy, 'learned'>): OrderingStrategy {
    switch (strategy) {
      case 'round_robin':
        return this.roundRobin;
      case 'random':
        return this.random;
      case 'least_loaded':
        return this.leastLoaded;
    }
  }

  private explain(strategy: Exclude<RoutingStrategy, 'learned'>, ordered: ServiceEntry[], n: number): string {
    const p = ordered[0]?.service_name ?? '(none)';
    switch (strategy) {
      case 'round_robin':
        return `round_robin: ${p} is next in this capability's rotation over ${n} service(s)`;
      case 'random':
        return `random: ${p} drawn uniformly among ${n} service(s)`;
      case 'least_loaded':
        return `least_loaded: ${p} has the fewest in-flight calls (${this.deps.inFlight.count(p)}) among ${n} service(s)`;
    }
  }

  private async learned(
    req: RouteRequest,
    pool: ServiceEntry[],
    track: boolean,
  ): Promise<{ ordered: ServiceEntry[]; strategy: RoutingStrategy; reasoning: string; confidence: number | null }> {
    const rest = this.leastLoaded.order(req.task_type, pool);
    let why: string;
    try {
      const decision = await this.deps.brain.decide({
        task_type: req.task_type,
        priority: req.priority,
        candidates: pool.map((s) => s.service_name),
        record: track,
      });
      const ordered = orderByDecision(pool, decision.selected_service, (decision.alternatives ?? []).map((a) => a.service), rest);
      if (ordered) {
        return { ordered, strategy: 'learned', reasoning: `learned: ${decision.reasoning}`, confidence: decision.confidence };
      }
      why = `the brain chose ${decision.selected_service}, which is not among the eligible services`;
    } catch (err) {
      why = err instanceof ApiaryError ? `${err.code}: ${err.message}` : `error: ${String(err)}`;
    }
    return {
      ordered: rest,
      strategy: 'least_loaded',
      reasoning: `learned routing unavailable (${why}); fell back to ${this.explain('least_loaded', rest, pool.length)}`,
      confidence: null,
    };
  }
}
