import type { EntityManager } from 'typeorm';

/** A budget's state (`budgets`). */
export interface BudgetRow {
  /** `batch:<id>`, `swarm:<id>` or `workflow:<run id>`. */
  scope: string;
  max_cost_usd: number;
  spent_usd: number;
  exceeded_at: Date | null;
}

/** Spend of one finished attempt. */
export interface SpendItem {
  task_id: string;
  cost_usd: number;
}

/** A task cancelled because its budget was spent. */
export interface BudgetCancellation {
  id: string;
  from_status: string;
  attempts: number;
}

type Q = Pick<EntityManager, 'query'>;

/** The error a task cancelled for its budget carries. */
export const BUDGET_EXCEEDED_ERROR = (scope: string) => ({
  code: 'BUDGET_EXCEEDED',
  message: `the budget of ${scope} is spent; the task was not started`,
  retryable: false,
});

/**
 * SQL of budgets (docs/ai-work.md "Budgets"): spend per batch, swarm and workflow
 * run, added in the transaction that applies the completions it comes from, and the
 * cancellation of the scope's tasks not started once it is spent. Every method
 * takes the query runner to run in (the caller's transaction, or the data source).
 */
export class BudgetRepository {
  /**
   * Creates (or replaces the limit of) a budget.
   * @param scope `batch:<id>`, `swarm:<id>` or `workflow:<run id>`
   * @param maxCostUsd the limit, USD
   */
  static async upsert(q: Q, scope: string, maxCostUsd: number): Promise<void> {
    await q.query(
      `INSERT INTO budgets (scope, max_cost_usd) VALUES ($1, $2)
       ON CONFLICT (scope) DO UPDATE SET max_cost_usd = excluded.max_cost_usd,
         exceeded_at = CASE WHEN budgets.spent_usd >= excluded.max_cost_usd THEN coalesce(budgets.exceeded_at, now()) END`,
      [scope, maxCostUsd],
    );
  }

  /** @returns the budgets of these scopes that exist */
  static async get(q: Q, scopes: string[]): Promise<BudgetRow[]> {
    if (scopes.length === 0) return [];
    const rows = (await q.query(`SELECT scope, max_cost_usd, spent_usd, exceeded_at FROM budgets WHERE scope = ANY($1::text[])`, [scopes])) as BudgetRow[];
    return rows.map((r) => ({ ...r, max_cost_usd: Number(r.max_cost_usd), spent_usd: Number(r.spent_usd) }));
  }

  /**
   * Adds the spend of finished attempts to the budgets of their tasks' batch, swarm
   * and workflow run, in key order (one lock order for every writer).
   * @returns the scopes whose spend reached their limit with this call (or before)
   */
  static async addSpend(q: Q, items: SpendItem[]): Promise<string[]> {
    const spent = items.filter((i) => i.cost_usd > 0);
    if (spent.length === 0) return [];
    const rows = (await q.query(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(task_id uuid, cost_usd double precision)),
       s AS (
         SELECT unnest(ARRAY['batch:' || t.batch_id, 'swarm:' || t.swarm_id, 'workflow:' || t.workflow_run_id]) AS scope, x.cost_usd
           FROM x JOIN tasks t ON t.id = x.task_id),
       agg AS (SELECT scope, sum(cost_usd) AS cost FROM s WHERE scope IS NOT NULL GROUP BY scope),
       locked AS (SELECT b.scope FROM budgets b JOIN agg ON agg.scope = b.scope ORDER BY b.scope FOR UPDATE OF b),
       up AS (
         UPDATE budgets b SET spent_usd = b.spent_usd + agg.cost,
           exceeded_at = CASE WHEN b.spent_usd + agg.cost >= b.max_cost_usd THEN coalesce(b.exceeded_at, now()) ELSE b.exceeded_at END
           FROM agg WHERE b.scope = agg.scope AND b.scope IN (SELECT scope FROM locked)
         RETURNING b.scope, b.exceeded_at)
       SELECT scope FROM up WHERE exceeded_at IS NOT NULL ORDER BY scope`,
      [JSON.stringify(spent)],
    )) as { scope: string }[];
    return rows.map((r) => r.scope);
  }

  /**
   * Cancels the tasks of spent scopes that have not started (queued, retrying or
   * dispatched), with error `BUDGET_EXCEEDED`, and records the transitions.
   * @returns the tasks cancelled
   */
  static async cancelNotStarted(q: Q, scopes: string[]): Promise<BudgetCancellation[]> {
    if (scopes.length === 0) return [];
    const batches = scopes.filter((s) => s.startsWith('batch:')).map((s) => s.slice(6));
    const swarms = scopes.filter((s) => s.startsWith('swarm:')).map((s) => s.slice(6));
    const runs = scopes.filter((s) => s.startsWith('workflow:')).map((s) => s.slice(9));
    const rows = (await q.query(
      `WITH c AS (
         SELECT id, status FROM tasks
          WHERE status IN ('queued', 'retrying', 'dispatched')
            AND (batch_id = ANY($1::uuid[]) OR swarm_id = ANY($2::uuid[]) OR workflow_run_id = ANY($3::uuid[]))
          ORDER BY id FOR UPDATE),
       up AS (
         UPDATE tasks t SET status = 'cancelled', finished_at = now(), updated_at = now(), not_before = NULL, lease_expires_at = NULL,
                error = jsonb_build_object('code', 'BUDGET_EXCEEDED', 'message',
                  'the budget of ' || CASE WHEN t.batch_id = ANY($1::uuid[]) THEN 'batch:' || t.batch_id
                                           WHEN t.swarm_id = ANY($2::uuid[]) THEN 'swarm:' || t.swarm_id
                                           ELSE 'workflow:' || t.workflow_run_id END
                  || ' is spent; the task was not started', 'retryable', false)
           FROM c WHERE t.id = c.id RETURNING t.id, c.status AS from_status, t.attempts),
       tr AS (
         INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
         SELECT id, from_status, 'cancelled', attempts, 'budget_exceeded' FROM up)
       SELECT id, from_status, attempts FROM up`,
      [batches, swarms, runs],
    )) as BudgetCancellation[];
    return rows;
  }
}
