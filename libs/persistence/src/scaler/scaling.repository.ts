import type { DataSource } from 'typeorm';
import type { ScalingDecision, ScalingEvent, ScalingMetric, ScalingRuleView } from '@apiary/contracts';

/** A rule as stored; every field required (the scaler fills the seed's defaults). */
export type StoredRule = Omit<ScalingRuleView, 'source' | 'created_at' | 'updated_at'>;

interface RuleRow {
  name: string;
  metric: ScalingMetric;
  scale_up_threshold: number;
  scale_down_threshold: number;
  min_instances: number;
  max_instances: number;
  cooldown_period: number;
  evaluation_period: number;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

interface EventRow {
  id: string;
  at: Date;
  action: 'scale_up' | 'scale_down';
  old_instances: number;
  new_instances: number;
  driver: string;
  applied: boolean;
  error: string | null;
  decision: ScalingDecision;
}

const RULE_COLUMNS = `name, metric, scale_up_threshold, scale_down_threshold, min_instances, max_instances,
  cooldown_period, evaluation_period, enabled, created_at, updated_at`;

/** SQL access to `scaling_rules`. */
export class ScalingRuleRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns every stored rule, by name */
  async list(): Promise<ScalingRuleView[]> {
    const rows: RuleRow[] = await this.db.query(`SELECT ${RULE_COLUMNS} FROM scaling_rules ORDER BY name`);
    return rows.map(toRuleView);
  }

  /**
   * Creates or replaces a rule by name (one statement).
   * @returns the stored rule
   * @throws the driver's error when a CHECK fails (callers validate first)
   */
  async upsert(rule: StoredRule): Promise<ScalingRuleView> {
    const rows: RuleRow[] = await this.db.query(
      `INSERT INTO scaling_rules AS r (name, metric, scale_up_threshold, scale_down_threshold, min_instances, max_instances,
         cooldown_period, evaluation_period, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (name) DO UPDATE SET
         metric = excluded.metric, scale_up_threshold = excluded.scale_up_threshold,
         scale_down_threshold = excluded.scale_down_threshold, min_instances = excluded.min_instances,
         max_instances = excluded.max_instances, cooldown_period = excluded.cooldown_period,
         evaluation_period = excluded.evaluation_period, enabled = excluded.enabled, updated_at = now()
       RETURNING ${RULE_COLUMNS}`,
      [
        rule.name,
        rule.metric,
        rule.scale_up_threshold,
        rule.scale_down_threshold,
        rule.min_instances,
        rule.max_instances,
        rule.cooldown_period,
        rule.evaluation_period,
        rule.enabled,
      ],
    );
    return toRuleView(rows[0]);
  }

  /** @returns whether a rule of that name existed and was deleted */
  async delete(name: string): Promise<boolean> {
    // A CTE makes it a SELECT: TypeORM returns DELETE results as [rows, count].
    const [row] = await this.db.query(`WITH d AS (DELETE FROM scaling_rules WHERE name = $1 RETURNING name) SELECT count(*)::int AS n FROM d`, [name]);
    return Number(row.n) > 0;
  }
}

/** What {@link ScalingEventRepository.insert} stores. */
export interface NewScalingEvent {
  decision: ScalingDecision;
  oldInstances: number;
  newInstances: number;
  applied: boolean;
  error: string | null;
}

/** SQL access to `scaling_events` (seed 003 `scaling_history`). */
export class ScalingEventRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Stores an event; `at` is the decision's time.
   * @returns the stored event with its id
   */
  async insert(e: NewScalingEvent): Promise<ScalingEvent> {
    const rows: EventRow[] = await this.db.query(
      `INSERT INTO scaling_events (at, action, old_instances, new_instances, driver, policy, applied, error, decision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
       RETURNING id, at, action, old_instances, new_instances, driver, applied, error, decision`,
      [e.decision.at, e.decision.action, e.oldInstances, e.newInstances, e.decision.driver, e.decision.policy, e.applied, e.error, JSON.stringify(e.decision)],
    );
    return toEvent(rows[0]);
  }

  /**
   * Events newest first.
   * @param limit page size
   * @param before only ids below this
   */
  async list(limit: number, before?: number): Promise<ScalingEvent[]> {
    const rows: EventRow[] = await this.db.query(
      `SELECT id, at, action, old_instances, new_instances, driver, applied, error, decision
       FROM scaling_events WHERE ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null],
    );
    return rows.map(toEvent);
  }

  /** @returns the number of events stored */
  async count(): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM scaling_events`);
    return Number(n);
  }

  /** @returns the time of the last applied event, or null */
  async lastAppliedAt(): Promise<Date | null> {
    const [row] = await this.db.query(`SELECT max(at) AS at FROM scaling_events WHERE applied`);
    return row?.at ? new Date(row.at) : null;
  }

  /**
   * Per rule, how many applied scale-ups it voted `up` for and scale-downs it voted `down` for.
   * @returns counts by rule name
   */
  async ruleVoteCounts(): Promise<Map<string, { up: number; down: number }>> {
    const rows: { rule: string; up: number; down: number }[] = await this.db.query(
      `SELECT r->>'rule' AS rule,
              count(*) FILTER (WHERE e.action = 'scale_up' AND r->>'vote' = 'up')::int AS up,
              count(*) FILTER (WHERE e.action = 'scale_down' AND r->>'vote' = 'down')::int AS down
       FROM scaling_events e, jsonb_array_elements(e.decision->'rule_evaluations') r
       WHERE e.applied GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.rule, { up: Number(r.up), down: Number(r.down) }]));
  }
}

function toRuleView(r: RuleRow): ScalingRuleView {
  return {
    name: r.name,
    metric: r.metric,
    scale_up_threshold: Number(r.scale_up_threshold),
    scale_down_threshold: Number(r.scale_down_threshold),
    min_instances: r.min_instances,
    max_instances: r.max_instances,
    cooldown_period: r.cooldown_period,
    evaluation_period: r.evaluation_period,
    enabled: r.enabled,
    source: 'stored',
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

function toEvent(r: EventRow): ScalingEvent {
  return {
    ...r.decision,
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    action: r.action,
    old_instances: r.old_instances,
    new_instances: r.new_instances,
    driver: r.driver,
    applied: r.applied,
    error: r.error,
  };
}
