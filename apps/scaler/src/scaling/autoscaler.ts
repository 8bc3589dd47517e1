import type { Logger } from 'pino';
import {
  ApiaryError,
  EvaluateScalingRequest,
  RuleStatistics,
  ScalingDecision,
  ScalingEvent,
  ScalingHistoryPage,
  ScalingHistoryRequest,
  ScalingMetricsView,
  ScalingPolicyName,
  ScalingRuleBody,
  ScalingRuleView,
  ScalingStatus,
  VerticalRecommendation,
} from '@apiary/contracts';
import { defaultRules, POLICIES } from '../decisions/policies';
import { SampleWindow } from '../decisions/sample-window';
import { boundsOf, decideScaling, EngineSettings } from '../decisions/scaling-engine';
import { recommendTier } from '../capacity/vertical';
import type { ScalingDriver } from '../drivers/scaling-driver';
import type { ExportedState } from '../drivers/prometheus-exporter';
import type { ReplicaRegistry } from '../signals/replica-registry';
import type { SignalCollector, SignalSnapshot } from '../signals/signal-collector';

/** Stored rules (`scaling_rules`); persistence's `ScalingRuleRepository` fits. */
export interface RuleStore {
  list(): Promise<ScalingRuleView[]>;
  upsert(rule: Omit<ScalingRuleView, 'source' | 'created_at' | 'updated_at'>): Promise<ScalingRuleView>;
  delete(name: string): Promise<boolean>;
}

/** Applied scaling events (`scaling_events`); persistence's `ScalingEventRepository` fits. */
export interface EventStore {
  insert(e: { decision: ScalingDecision; oldInstances: number; newInstances: number; applied: boolean; error: string | null }): Promise<ScalingEvent>;
  list(limit: number, before?: number): Promise<ScalingEvent[]>;
  count(): Promise<number>;
  lastAppliedAt(): Promise<Date | null>;
  ruleVoteCounts(): Promise<Map<string, { up: number; down: number }>>;
}

/** Leadership among scaler replicas: only the leader applies decisions. */
export interface Leadership {
  /** @returns whether this replica leads now */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** Receives the exported state after every tick (the Prometheus exporter). */
export interface StateSink {
  update(state: ExportedState): void;
}

/** Settings of the scaler (env `APIARY_SCALER_*`). */
export interface AutoscalerSettings extends EngineSettings {
  policy: ScalingPolicyName;
  /** Control loop interval, ms. */
  intervalMs: number;
  /** Cooldown of the default rules, s. */
  cooldownS: number;
  /** Evaluation period of the default rules, s. */
  evaluationS: number;
  /** Samples kept, s (at least the longest evaluation period). */
  historyS: number;
  /** After start, decisions are not applied for this long while heartbeats show which replicas exist, ms. */
  startupWaitMs: number;
}

/** Collaborators of {@link Autoscaler}. */
export interface AutoscalerDeps {
  clock: () => number;
  registry: ReplicaRegistry;
  signals: SignalCollector;
  rules: RuleStore;
  events: EventStore;
  driver: ScalingDriver;
  leadership: Leadership;
  exporter?: StateSink;
  logger: Logger;
  settings: AutoscalerSettings;
}

/** Defaults of seed 003's `ScalingRule` for fields a request leaves out. */
export const RULE_DEFAULTS = { min_instances: 1, max_instances: 10, cooldown_period: 300, evaluation_period: 60, enabled: true } as const;

/**
 * The scaler (issue 7; seed 003 `AutoScaler`): every `intervalMs` it sweeps the
 * replicas (lost ones are marked and, with the local driver, replaced), collects
 * the signals, appends a sample, decides ({@link decideScaling}) and, when the
 * decision changes the replica count and this replica leads and the driver is not
 * standing by, applies it through the driver and records the event with its
 * reasons and metrics. The queries of the HTTP API read the same state.
 */
export class Autoscaler {
  private readonly window: SampleWindow;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private lastSnapshot: SignalSnapshot | null = null;
  private lastDecision: ScalingDecision | null = null;
  private lastScaleAt: number | null = null;
  private readonly startedAt: number;

  /** @param deps clock, signals, stores, driver, leadership, exporter, logger, settings */
  constructor(private readonly deps: AutoscalerDeps) {
    this.window = new SampleWindow(deps.settings.historyS * 1000);
    this.startedAt = deps.clock();
  }

  /** Loads the last applied action (cooldown survives restarts), starts the driver and the loop. */
  async start(): Promise<void> {
    const last = await this.deps.events.lastAppliedAt();
    this.lastScaleAt = last ? last.getTime() : null;
    await this.deps.driver.start(this.deps.registry.instances((id) => this.deps.driver.isManaged(id)));
    this.timer = setInterval(() => void this.tick(), this.deps.settings.intervalMs);
    void this.tick();
  }

  /** Stops the loop (waits for a running tick), the driver and leadership. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.deps.driver.stop();
    await this.deps.leadership.release();
  }

  /** One control-loop round (never throws; failures are logged). Concurrent calls share one round. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((err) => this.deps.logger.error({ err }, 'scaler tick failed'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(): Promise<void> {
    const { registry, driver, logger } = this.deps;
    const now = this.deps.clock();
    for (const lost of registry.sweep()) {
      const ackWait = Math.max(0, ...(this.lastSnapshot?.lanes ?? []).map((l) => l.ack_wait_ms));
      logger.warn(
        { instance: lost.instance_id, pid: lost.pid, in_flight: lost.in_flight, last_heartbeat_at: lost.last_heartbeat_at, ack_wait_ms: ackWait || undefined },
        `replica lost (no heartbeat); its ${lost.in_flight} task(s) return to the queue: JetStream redelivers unacknowledged work after AckWait, the brain's lease reaper re-queues what is not redelivered`,
      );
    }
    let instances = registry.instances((id) => driver.isManaged(id));
    for (const note of await driver.reconcile(instances)) logger.info({ driver: driver.name }, note);
    instances = registry.instances((id) => driver.isManaged(id));
    const snapshot = await this.deps.signals.collect(instances, now);
    this.lastSnapshot = snapshot;
    this.window.push({ at: now, values: snapshot.values });

    const learning = now - this.startedAt < this.deps.settings.startupWaitMs ? 'starting up: learning the replicas from their heartbeats' : null;
    const standby = learning ?? driver.standby(instances);
    const rules = await this.rulesInForce();
    let current: number;
    try {
      current = await driver.current(instances);
    } catch (err) {
      logger.warn({ err, driver: driver.name }, 'replica count unavailable; no decision this round');
      this.export(snapshot, null, null);
      return;
    }
    const decision = this.decide(snapshot, rules, this.deps.settings.policy, current, false);
    const leader = await this.deps.leadership.acquire().catch(() => false);
    if (decision.action !== 'hold' && (standby || !leader)) {
      decision.reasoning.push({ type: 'hold', reason: `not applied: ${standby ?? 'another scaler replica leads'}` });
    } else if (decision.action !== 'hold') {
      await this.apply(decision, instances);
    }
    this.lastDecision = decision;
    this.export(snapshot, driver.desired() ?? current, current);
  }

  private async apply(decision: ScalingDecision, instances: SignalSnapshot['instances']): Promise<void> {
    const { driver, logger } = this.deps;
    let error: string | null = null;
    try {
      await driver.scaleTo(decision.recommended_instances, instances);
    } catch (err) {
      error = (err as Error)?.message ?? String(err);
    }
    const applied = error === null;
    if (applied) this.lastScaleAt = Date.parse(decision.at);
    const event = await this.deps.events.insert({ decision, oldInstances: decision.current_instances, newInstances: decision.recommended_instances, applied, error });
    const fields = { event: event.id, action: decision.action, from: decision.current_instances, to: decision.recommended_instances, driver: driver.name, reasons: decision.reasoning.map((r) => r.reason) };
    if (applied) logger.info(fields, 'scaling applied');
    else logger.error({ ...fields, error }, 'scaling failed');
  }

  private decide(snapshot: SignalSnapshot, rules: ScalingRuleView[], policy: ScalingPolicyName, current: number, dryRun: boolean, window = this.window): ScalingDecision {
    return decideScaling({
      now: snapshot.at,
      current,
      rules,
      policy,
      window,
      lastScaleAt: this.lastScaleAt,
      capacity: snapshot.capacity,
      arrivalsPerS: snapshot.arrivalsPerS,
      driver: this.deps.driver.name,
      dryRun,
      settings: this.deps.settings,
    });
  }

  private export(snapshot: SignalSnapshot, desired: number | null, current: number | null): void {
    this.deps.exporter?.update({
      driver: this.deps.driver.name,
      desired,
      current,
      running: snapshot.totals.running,
      draining: snapshot.totals.draining,
      lost: snapshot.totals.lost,
      queueDepth: snapshot.values.queue_depth,
      backlogByType: snapshot.backlog ? snapshot.backlog.by_type.map((t) => ({ task_type: t.task_type, tasks: t.queued + t.retrying })) : null,
      pendingByLane: snapshot.lanes ? snapshot.lanes.map((l) => ({ lane: l.lane, messages: l.num_pending })) : null,
      oldestQueuedAgeS: snapshot.backlog ? (snapshot.backlog.oldest_queued_age_s ?? 0) : null,
      capacityPerReplica: snapshot.capacity.perReplica,
      arrivalsPerS: snapshot.arrivalsPerS,
    });
  }

  /** The rules the loop uses: the stored ones, or the policy's defaults while none is stored. */
  async rulesInForce(policy: ScalingPolicyName = this.deps.settings.policy): Promise<ScalingRuleView[]> {
    const stored = await this.deps.rules.list();
    if (stored.length > 0) return stored;
    const s = this.deps.settings;
    return defaultRules(POLICIES[policy], { minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, cooldownS: s.cooldownS, evaluationS: s.evaluationS, drainTargetS: s.drainTargetS });
  }

  /**
   * `POST /scaling/rules`: creates or replaces a rule; missing fields take seed
   * 003's defaults (min 1, max 10, cooldown 300 s, evaluation 60 s, enabled).
   * Once any rule is stored, the policy's default rules no longer apply.
   * @throws ApiaryError VALIDATION_FAILED when `scale_up_threshold` ≤ `scale_down_threshold` or `min_instances` > `max_instances`
   */
  async setRule(body: ScalingRuleBody): Promise<ScalingRuleView> {
    const rule = toRule(body);
    return this.deps.rules.upsert(rule);
  }

  /**
   * Deletes a stored rule.
   * @throws ApiaryError NOT_FOUND when no rule has that name
   */
  async deleteRule(name: string): Promise<{ name: string; deleted: true }> {
    if (!(await this.deps.rules.delete(name))) throw new ApiaryError('NOT_FOUND', `no scaling rule named "${name}"`);
    return { name, deleted: true };
  }

  /** `GET /scaling/metrics`: the latest signals (collected now when the loop has none yet). */
  async metrics(): Promise<ScalingMetricsView> {
    const s = this.lastSnapshot ?? (await this.collectNow());
    return {
      at: new Date(s.at).toISOString(),
      driver: this.deps.driver.name,
      instances: s.instances,
      totals: s.totals,
      backlog: s.backlog,
      lanes: s.lanes,
      values: s.values,
      signal_errors: s.errors,
    };
  }

  /**
   * `POST /scaling/evaluate`: the decision the loop would take now with the given
   * policy and rules (default: its own), over its samples; nothing is applied or recorded.
   * @throws ApiaryError VALIDATION_FAILED for a rule with inverted thresholds or bounds
   */
  async evaluate(req: EvaluateScalingRequest): Promise<ScalingDecision> {
    const policy = req.policy ?? this.deps.settings.policy;
    const rules: ScalingRuleView[] = req.rules ? req.rules.map((r) => ({ ...toRule(r), source: 'stored', created_at: null, updated_at: null })) : await this.rulesInForce(policy);
    let snapshot = this.lastSnapshot;
    let window = this.window;
    if (!snapshot) {
      snapshot = await this.collectNow();
      window = new SampleWindow(this.deps.settings.historyS * 1000);
      window.push({ at: snapshot.at, values: snapshot.values });
    }
    const current = await this.deps.driver.current(snapshot.instances);
    return this.decide(snapshot, rules, policy, current, true, window);
  }

  /** `GET /scaling/status` (seed 003 `get_scaling_status`). */
  async status(): Promise<ScalingStatus> {
    const now = this.deps.clock();
    const [rules, counts, recent, total] = await Promise.all([this.rulesInForce(), this.deps.events.ruleVoteCounts(), this.deps.events.list(5), this.deps.events.count()]);
    const instances = this.lastSnapshot?.instances ?? this.deps.registry.instances((id) => this.deps.driver.isManaged(id));
    const running = instances.filter((i) => i.status === 'running').length;
    const sinceScaleS = this.lastScaleAt === null ? Infinity : (now - this.lastScaleAt) / 1000;
    const stats: Record<string, RuleStatistics> = {};
    for (const r of rules) {
      const c = counts.get(r.name) ?? { up: 0, down: 0 };
      stats[r.name] = {
        ...r,
        rule_name: r.name,
        scale_up_events: c.up,
        scale_down_events: c.down,
        total_scale_events: c.up + c.down,
        last_scale_time: this.lastScaleAt === null ? null : new Date(this.lastScaleAt).toISOString(),
        current_cooldown_remaining: Math.max(0, Math.round((r.cooldown_period - sinceScaleS) * 1000) / 1000),
      };
    }
    return {
      driver: this.deps.driver.name,
      policy: this.deps.settings.policy,
      active_instances: running,
      desired_instances: this.deps.driver.desired() ?? this.lastDecision?.recommended_instances ?? running,
      draining_instances: instances.filter((i) => i.status === 'draining').length,
      lost_instances: instances.filter((i) => i.status === 'lost').length,
      bounds: boundsOf({ rules, policy: this.deps.settings.policy, settings: this.deps.settings }),
      scaling_rules: stats,
      recent_scaling_events: recent,
      total_scaling_events: total,
      uptime_since_last_scale: Math.round(((now - (this.lastScaleAt ?? this.startedAt)) / 1000) * 1000) / 1000,
      last_decision: this.lastDecision,
      interval_ms: this.deps.settings.intervalMs,
    };
  }

  /** `GET /scaling/history`: applied (and failed) scaling events, newest first. */
  async history(req: ScalingHistoryRequest): Promise<ScalingHistoryPage> {
    const limit = req.limit ?? 50;
    const [events, total] = await Promise.all([this.deps.events.list(limit, req.before), this.deps.events.count()]);
    return { events, total, next_before: events.length === limit ? events[events.length - 1].id : null };
  }

  /** `GET /scaling/recommendation`: the vertical tier bot-runtime replicas need (never applied). */
  recommendation(): VerticalRecommendation {
    const observations = this.deps.registry.observations();
    const running = this.deps.registry.instances().filter((i) => i.status === 'running').length;
    return recommendTier(observations, running, this.deps.settings.evaluationS, this.deps.clock());
  }

  private async collectNow(): Promise<SignalSnapshot> {
    const instances = this.deps.registry.instances((id) => this.deps.driver.isManaged(id));
    return this.deps.signals.collect(instances, this.deps.clock());
  }
}

/**
 * A request's rule with seed 003's defaults filled in.
 * @throws ApiaryError VALIDATION_FAILED for inverted thresholds or bounds
 */
export function toRule(body: ScalingRuleBody): Omit<ScalingRuleView, 'source' | 'created_at' | 'updated_at'> {
  const rule = {
    name: body.name,
    metric: body.metric,
    scale_up_threshold: body.scale_up_threshold,
    scale_down_threshold: body.scale_down_threshold,
    min_instances: body.min_instances ?? RULE_DEFAULTS.min_instances,
    max_instances: body.max_instances ?? RULE_DEFAULTS.max_instances,
    cooldown_period: body.cooldown_period ?? RULE_DEFAULTS.cooldown_period,
    evaluation_period: body.evaluation_period ?? RULE_DEFAULTS.evaluation_period,
    enabled: body.enabled ?? RULE_DEFAULTS.enabled,
  };
  if (!(rule.scale_up_threshold > rule.scale_down_threshold)) {
    throw new ApiaryError('VALIDATION_FAILED', `rule "${rule.name}": scale_up_threshold (${rule.scale_up_threshold}) must be greater than scale_down_threshold (${rule.scale_down_threshold})`, [
      { field: 'scale_up_threshold', constraints: { greaterThanDown: 'scale_up_threshold must be greater than scale_down_threshold' } },
    ]);
  }
  if (rule.min_instances > rule.max_instances) {
    throw new ApiaryError('VALIDATION_FAILED', `rule "${rule.name}": min_instances (${rule.min_instances}) is greater than max_instances (${rule.max_instances})`, [
      { field: 'min_instances', constraints: { notAboveMax: 'min_instances must not exceed max_instances' } },
    ]);
  }
  return rule;
}
