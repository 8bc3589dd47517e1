import type { CostsReply, CostsRequest } from '@apiary/contracts';
import type { CostRepository } from '@apiary/persistence';

/** Window of a costs query that gives none, seconds (one day). */
export const DEFAULT_COSTS_WINDOW_S = 86_400;

/**
 * Spend by service, model, task type, swarm, bot or API key over a window
 * (docs/ai-work.md "Costs"), summed in SQL over the results memory stored.
 */
export class CostsService {
  /**
   * @param repo SQL aggregate over stored results
   * @param now clock, epoch ms
   */
  constructor(
    private readonly repo: Pick<CostRepository, 'totals'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** @returns groups, highest spend first, and their total in USD */
  async costs(req: CostsRequest): Promise<CostsReply> {
    const windowS = req.window_s ?? DEFAULT_COSTS_WINDOW_S;
    const groups = await this.repo.totals(req.group_by, new Date(this.now() - windowS * 1000));
    const total = groups.reduce((sum, g) => sum + g.cost_usd, 0);
    return { group_by: req.group_by, window_s: windowS, groups, total_cost_usd: Math.round(total * 1e10) / 1e10 };
  }
}
