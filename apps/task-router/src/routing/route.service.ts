import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  Decision,
  DecisionRequest,
  RouteDecision,
  RouteRequest,
  RouteTarget,
  RoutingStrategy,
} from '@apiary/contracts';
import type { RouterSnapshot, ServiceEntry } from '../registry/router-snapshot';
import { CounterBuffer, METRICS } from '../stats/counter-buffer';
import type { InFlightTracker } from './in-flight';
import { routeDurationBoundMs } from './policy-book';
import { Arm, armsOf, candidatePool, ModelFilter } from './route-planner';
import { LeastLoadedStrategy, OrderingStrategy, orderByDecision, RandomStrategy, RoundRobinStrategy } from './strategies';

/** A route candidate: one service, or one model of an `openai` service. */
type RouteArm = Arm<ServiceEntry>;

/** Pauses of services by a provider's 429 (see `QuotaService`). */
export interface PauseBoard {
  /** @returns epoch ms until which the service is paused, or 0 */
  pausedUntil(service: string): number;
}

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
  /** Services paused by a 429: routed to last, and their targets say until when. */
  pauses?: PauseBoard;
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
   * Decides a route. For `llm.chat` (and any capability of `openai` services) each
   * (service, model) pair is a candidate, filtered by the request's `model` pin or
   * `model_class`; services paused by a provider's 429 go last.
   * @throws ApiaryError `NO_CAPABLE_SERVICE` (no enabled service offers the type),
   *   `UNKNOWN_MODEL` (no registered service serves the pinned model or class),
   *   `NO_HEALTHY_SERVICE` (every enabled one is unhealthy or excluded)
   */
  async route(req: RouteRequest): Promise<RouteDecision> {
    const snapshot = this.deps.snapshot();
    const policy = snapshot.policies.resolve(req.task_type);
    const requested: RoutingStrategy = req.strategy ?? policy.strategy;
    const track = req.track !== false;
    const filter: ModelFilter = { model: req.model, model_class: req.model_class };
    const capable = snapshot.capable(req.task_type);
    const arms = armsOf(capable, filter);
    if (arms.length === 0 && capable.length > 0 && (filter.model !== undefined || filter.model_class !== undefined)) {
      const what = filter.model !== undefined ? `model "${filter.model}"` : `a model of class "${filter.model_class}"`;
      throw new ApiaryError('UNKNOWN_MODEL', `No registered service serving ${req.task_type} offers ${what}`, {
        task_type: req.task_type,
        ...filter,
      });
    }
    const { pool: eligible, reserve: degraded, summary } = candidatePool(req.task_type, arms, req.exclude ?? []);
    const now = this.now();
    const paused = (a: RouteArm) => (this.deps.pauses?.pausedUntil(a.service_name) ?? 0) > now;
    // A service paused by its provider's 429 is tried last (docs/ai-work.md "Rate limits").
    const pool = eligible.some((a) => !paused(a)) ? eligible.filter((a) => !paused(a)) : eligible;
    const reserve = [...degraded, ...eligible.filter((a) => !pool.includes(a))];

    let ordered: RouteArm[];
    let strategy: RoutingStrategy = requested;
    let reasoning: string;
    let confidence: number | null = null;
    if (requested === 'learned') {
      const learned = await this.learned(req, pool, track, policy.cost_weight);
      ({ ordered, strategy, reasoning, confidence } = learned);
    } else {
      const s = this.ordering(requested);
      ordered = s.order(req.task_type, pool, track);
      reasoning = this.explain(s.name, ordered, pool.length);
    }
    if (filter.model_class !== undefined && ordered[0]) {
      reasoning = `model_class ${filter.model_class}: ${ordered[0].model} on ${ordered[0].service_name} chosen among ${pool.length} candidate(s) of the class; ${reasoning}`;
    } else if (filter.model !== undefined) {
      reasoning = `model ${filter.model} pinned; ${reasoning}`;
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
      fallbacks: fallbacks.map((a) => this.target(a)),
      primary: this.target(primary),
      strategy,
      retry_strategy: policy.retry_strategy,
      reasoning: `${reasoning} (${summary})`,
      confidence,
      decided_at: new Date(now).toISOString(),
    };
  }

  /** What a caller needs to call an arm (never the API key, only its variable's name). */
  private target(a: RouteArm): RouteTarget {
    const t: RouteTarget = { service_name: a.service_name, endpoint: a.endpoint };
    if (a.protocol === 'openai') {
      t.protocol = 'openai';
      t.model = a.model;
      t.model_class = a.model_class ?? null;
      t.price = a.price ?? null;
      t.api_key_env = a.api_key_env ?? null;
    }
    if (a.limits && Object.keys(a.limits).length > 0) t.limits = a.limits;
    const until = this.deps.pauses?.pausedUntil(a.service_name) ?? 0;
    if (until > this.now()) t.throttled_until = new Date(until).toISOString();
    return t;
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

  private explain(strategy: Exclude<RoutingStrategy, 'learned'>, ordered: RouteArm[], n: number): string {
    const p = ordered[0]?.arm ?? '(none)';
    switch (strategy) {
      case 'round_robin':
        return `round_robin: ${p} is next in this capability's rotation over ${n} service(s)`;
      case 'random':
        return `random: ${p} drawn uniformly among ${n} service(s)`;
      case 'least_loaded':
        return `least_loaded: ${p} has the fewest in-flight calls (${this.deps.inFlight.count(ordered[0]?.service_name ?? p)}) among ${n} service(s)`;
    }
  }

  private async learned(
    req: RouteRequest,
    pool: RouteArm[],
    track: boolean,
    costWeight: number,
  ): Promise<{ ordered: RouteArm[]; strategy: RoutingStrategy; reasoning: string; confidence: number | null }> {
    const rest = this.leastLoaded.order(req.task_type, pool);
    let why: string;
    try {
      const prices = Object.fromEntries(pool.filter((a) => a.price).map((a) => [a.arm, a.price as { input_per_1m: number; output_per_1m: number }]));
      const decision = await this.deps.brain.decide({
        task_type: req.task_type,
        priority: req.priority,
        candidates: pool.map((a) => a.arm),
        record: track,
        cost_weight: costWeight,
        ...(Object.keys(prices).length > 0 ? { candidate_prices: prices } : {}),
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
