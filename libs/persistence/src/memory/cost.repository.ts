import type { DataSource } from 'typeorm';
import type { CostGroup, CostGroupTotal } from '@apiary/contracts';

/** Column of `task_results` each cost dimension groups by. */
const GROUP_COLUMNS: Record<CostGroup, string> = {
  service: 'service',
  model: 'model',
  task_type: 'type',
  swarm: 'swarm_id',
  bot: 'bot_id',
  api_key: 'api_key',
};

/**
 * Spend over stored results (docs/ai-work.md "Costs"): one SQL aggregate over
 * `task_results` in a window of `finished_at` (index `task_results_finished`).
 */
export class CostRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * @param groupBy dimension
   * @param since start of the window
   * @returns one total per value of the dimension (null for results without one), highest spend first;
   *   `tasks` counts distinct tasks, tokens and USD sum every stored attempt
   */
  async totals(groupBy: CostGroup, since: Date): Promise<CostGroupTotal[]> {
    const column = GROUP_COLUMNS[groupBy];
    const rows = (await this.db.query(
      `SELECT ${column} AS key, count(DISTINCT task_id)::bigint AS tasks,
              coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
              coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
              coalesce(sum(cost_usd), 0)::float8 AS cost_usd
         FROM task_results
        WHERE finished_at >= $1::timestamptz
        GROUP BY ${column}
        ORDER BY cost_usd DESC, tasks DESC, key NULLS LAST`,
      [since.toISOString()],
    )) as { key: string | null; tasks: string; prompt_tokens: string; completion_tokens: string; cost_usd: number }[];
    return rows.map((r) => ({
      key: r.key,
      tasks: Number(r.tasks),
      prompt_tokens: Number(r.prompt_tokens),
      completion_tokens: Number(r.completion_tokens),
      cost_usd: Math.round(Number(r.cost_usd) * 1e10) / 1e10,
    }));
  }
}
