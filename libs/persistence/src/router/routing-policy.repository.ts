import type { DataSource } from 'typeorm';
import type { BackoffKind, RoutingStrategy } from '@apiary/contracts';

/** One row of `router_policies`; null fields inherit from the default policy (`*`). */
export interface PolicyRow {
  task_type: string;
  strategy: RoutingStrategy | null;
  max_retries: number | null;
  backoff: BackoffKind | null;
  /** Per-call timeout, seconds. */
  timeout_s: number | null;
  base_delay_ms: number | null;
  /** Weight of cost in `learned` routing. */
  cost_weight: number | null;
  /** Result cache TTL, seconds (0: off). */
  cache_ttl_s: number | null;
  updated_at: Date;
}

/** Fields a policy change sets; undefined fields keep their stored value. */
export interface PolicyChange {
  task_type: string;
  strategy?: RoutingStrategy;
  max_retries?: number;
  backoff?: BackoffKind;
  timeout_s?: number;
  base_delay_ms?: number;
  cost_weight?: number;
  cache_ttl_s?: number;
}

const COLUMNS = `task_type, strategy, max_retries, backoff, timeout_s, base_delay_ms, cost_weight, cache_ttl_s, updated_at`;

/** SQL access to `router_policies` (per task-type routing strategy and retry strategy). */
export class RoutingPolicyRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns every stored policy, by task type */
  async all(): Promise<PolicyRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM router_policies ORDER BY task_type`);
  }

  /**
   * Creates or updates a policy; fields not given keep their stored value (null for
   * a new row: inherited). Bumps the config version in the same statement.
   * @returns the stored row
   */
  async upsert(change: PolicyChange): Promise<PolicyRow> {
    const rows: PolicyRow[] = await this.db.query(
      `WITH upd AS (
         INSERT INTO router_policies AS p (task_type, strategy, max_retries, backoff, timeout_s, base_delay_ms, cost_weight, cache_ttl_s)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (task_type) DO UPDATE SET
           strategy = COALESCE(excluded.strategy, p.strategy),
           max_retries = COALESCE(excluded.max_retries, p.max_retries),
           backoff = COALESCE(excluded.backoff, p.backoff),
           timeout_s = COALESCE(excluded.timeout_s, p.timeout_s),
           base_delay_ms = COALESCE(excluded.base_delay_ms, p.base_delay_ms),
           cost_weight = COALESCE(excluded.cost_weight, p.cost_weight),
           cache_ttl_s = COALESCE(excluded.cache_ttl_s, p.cache_ttl_s),
           updated_at = now()
         RETURNING ${COLUMNS}
       ), bump AS (UPDATE router_config_version SET version = version + 1 WHERE id = 1 RETURNING 1)
       SELECT upd.* FROM upd LEFT JOIN bump ON true`,
      [
        change.task_type,
        change.strategy ?? null,
        change.max_retries ?? null,
        change.backoff ?? null,
        change.timeout_s ?? null,
        change.base_delay_ms ?? null,
        change.cost_weight ?? null,
        change.cache_ttl_s ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error(`router_policies upsert of ${change.task_type} returned no row`);
    return row;
  }
}
