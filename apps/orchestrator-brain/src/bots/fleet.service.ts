import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  BotPage,
  BotStats,
  BotView,
  CreateBotRequest,
  CreateSwarmRequest,
  ListBotsRequest,
  SWARM_PAGE_SIZE,
  SwarmBotPage,
  SwarmCreatedView,
  SwarmView,
  Tier,
  TIERS,
} from '@apiary/contracts';
import type { BotRepository } from '@apiary/persistence';

/** Tunables of {@link FleetService}. */
export interface FleetConfig {
  /** Most bots (not retired) in the deployment (`APIARY_MAX_BOTS`, default 50,000). */
  maxBots: number;
}

function tierDeltas(tiers: Tier[], sign: 1 | -1): Record<string, number> {
  const d: Record<string, number> = { 'bots.active': sign * tiers.length };
  for (const t of tiers) d[`bots.active.${t}`] = (d[`bots.active.${t}`] ?? 0) + sign;
  return d;
}

/**
 * Bots and swarms (seed 001 "Bot Management", "Swarm Management"; DESIGN.md
 * "Bots are virtual actors", "Capacity"). Creation checks capacity under a lock
 * on the active-bot counter and fails the whole request with 409
 * `BOT_CAPACITY_EXCEEDED`, creating nothing. Retiring a bot cancels its queued
 * and retrying tasks (in-flight ones finish).
 */
export class FleetService {
  /**
   * @param repo bot storage
   * @param config capacity
   * @param createBudget creates a swarm's budget (docs/ai-work.md "Budgets")
   */
  constructor(
    private readonly repo: BotRepository,
    private readonly config: FleetConfig,
    private readonly createBudget: (scope: string, maxCostUsd: number) => Promise<void> = async () => undefined,
  ) {}

  private async reserve(tx: BotRepository, n: number): Promise<void> {
    const active = await tx.lockActiveCount();
    if (active + n > this.config.maxBots) {
      throw new ApiaryError(
        'BOT_CAPACITY_EXCEEDED',
        `creating ${n} bot(s) would exceed the capacity of ${this.config.maxBots} (active: ${active}, remaining: ${Math.max(0, this.config.maxBots - active)})`,
        { requested: n, active, capacity: this.config.maxBots },
      );
    }
  }

  /** @throws ApiaryError `BOT_CAPACITY_EXCEEDED` */
  async createBot(req: CreateBotRequest): Promise<BotView> {
    const id = randomUUID();
    await this.repo.transaction(async (tx) => {
      await this.reserve(tx, 1);
      await tx.insertBot({ id, name: req.name, tier: req.tier, capabilities: req.capabilities, max_concurrency: req.max_concurrency ?? 1 });
      await tx.bumpCounters({ ...tierDeltas([req.tier], 1), 'bots.total_created': 1 });
    });
    return (await this.repo.getBot(id)) as BotView;
  }

  /** @throws ApiaryError `BOT_NOT_FOUND` */
  async getBot(id: string): Promise<BotView> {
    const bot = await this.repo.getBot(id);
    if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `bot ${id} not found`, { bot_id: id });
    return bot;
  }

  /** Lists bots with filters, in creation order, by cursor. */
  async listBots(req: ListBotsRequest): Promise<BotPage> {
    const { bots, next } = await this.repo.listBots(
      { tier: req.tier, status: req.status, swarmId: req.swarm, capability: req.capability },
      req.limit ?? 100,
      req.cursor,
    );
    return { bots, next_cursor: next };
  }

  /**
   * Retires a bot; its queued and retrying tasks are cancelled (not reassigned:
   * a task assigned to a bot is that bot's work).
   * @throws ApiaryError `BOT_NOT_FOUND`
   */
  async retireBot(id: string): Promise<BotView> {
    await this.repo.transaction(async (tx) => {
      const bot = await tx.lockBot(id);
      if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `bot ${id} not found`, { bot_id: id });
      await tx.lockActiveCount();
      const { tiers } = await tx.retireBots({ botId: id });
      await tx.bumpCounters(tierDeltas(tiers, -1));
    });
    return this.getBot(id);
  }

  /** Fleet statistics from maintained counters (a few rows, no scan of bots). */
  async stats(): Promise<BotStats> {
    const c = await this.repo.counters();
    const active = c['bots.active'] ?? 0;
    return {
      total_created: c['bots.total_created'] ?? 0,
      active_bots: active,
      tasks_executed: c['tasks.executed'] ?? 0,
      tier_distribution: Object.fromEntries(TIERS.map((t) => [t, c[`bots.active.${t}`] ?? 0])) as Record<Tier, number>,
      swarm_count: c['swarms.active'] ?? 0,
      capacity_remaining: Math.max(0, this.config.maxBots - active),
      utilization_percent: Math.round((active / this.config.maxBots) * 1000) / 10,
      timestamp: new Date().toISOString(),
    };
  }

  /**
   * Creates a swarm and its bots in one transaction (one INSERT ... SELECT).
   * @returns seed fields; `bot_ids` holds the first page only
   * @throws ApiaryError `BOT_CAPACITY_EXCEEDED`
   */
  async createSwarm(req: CreateSwarmRequest): Promise<SwarmCreatedView> {
    const id = randomUUID();
    await this.repo.transaction(async (tx) => {
      await this.reserve(tx, req.count);
      await tx.insertSwarm({ id, name: req.name, tier: req.tier, capabilities: req.capabilities });
      const swarm = (await tx.lockSwarm(id))!;
      await tx.insertSwarmBots(swarm, req.count, req.max_concurrency ?? 1);
      await tx.bumpCounters({
        'bots.active': req.count,
        [`bots.active.${req.tier}`]: req.count,
        'bots.total_created': req.count,
        'swarms.active': 1,
      });
    });
    if (req.max_cost_usd !== undefined) await this.createBudget(`swarm:${id}`, req.max_cost_usd);
    const swarm = await this.getSwarm(id);
    const page = await this.repo.swarmBotIds(id, SWARM_PAGE_SIZE);
    return {
      id,
      name: swarm.name,
      bot_count: swarm.bot_count,
      tier: swarm.tier,
      capabilities: swarm.capabilities,
      bot_ids: page.ids,
      next_cursor: page.next,
      status: swarm.status,
      created_at: swarm.created_at,
    };
  }

  /** @throws ApiaryError `SWARM_NOT_FOUND` */
  async getSwarm(id: string): Promise<SwarmView> {
    const swarm = await this.repo.getSwarm(id);
    if (!swarm) throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${id} not found`, { swarm_id: id });
    return swarm;
  }

  /** A page of a swarm's active bot ids. @throws ApiaryError `SWARM_NOT_FOUND` */
  async swarmBots(id: string, limit = SWARM_PAGE_SIZE, cursor?: string): Promise<SwarmBotPage> {
    await this.getSwarm(id);
    const page = await this.repo.swarmBotIds(id, limit, cursor);
    return { swarm_id: id, bot_ids: page.ids, next_cursor: page.next };
  }

  /**
   * Grows or shrinks a swarm to `count` active bots (seed 001 "add/remove bots
   * dynamically"): new bots join at the end; removal retires the highest-indexed
   * bots and cancels their queued tasks.
   * @throws ApiaryError `SWARM_NOT_FOUND`, `BOT_CAPACITY_EXCEEDED`
   */
  async resizeSwarm(id: string, count: number): Promise<SwarmView> {
    await this.repo.transaction(async (tx) => {
      const swarm = await tx.lockSwarm(id);
      if (!swarm || swarm.status !== 'active') throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${id} not found`, { swarm_id: id });
      const current = await tx.swarmActive(id);
      if (count > current) {
        const add = count - current;
        await this.reserve(tx, add);
        await tx.insertSwarmBots(swarm, add, 1);
        await tx.bumpCounters({ 'bots.active': add, [`bots.active.${swarm.tier}`]: add, 'bots.total_created': add });
      } else if (count < current) {
        await tx.lockActiveCount();
        const from = await tx.swarmShrinkFrom(id, current - count);
        const { tiers } = await tx.retireBots({ swarmId: id, fromIndex: from });
        await tx.bumpCounters(tierDeltas(tiers, -1));
      }
    });
    return this.getSwarm(id);
  }

  /** Deletes a swarm: retires its bots, cancels their queued tasks. @throws ApiaryError `SWARM_NOT_FOUND` */
  async deleteSwarm(id: string): Promise<SwarmView> {
    await this.repo.transaction(async (tx) => {
      const swarm = await tx.lockSwarm(id);
      if (!swarm || swarm.status !== 'active') throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${id} not found`, { swarm_id: id });
      await tx.lockActiveCount();
      const { tiers } = await tx.retireBots({ swarmId: id });
      await tx.markSwarmDeleted(id);
      await tx.bumpCounters({ ...tierDeltas(tiers, -1), 'swarms.active': -1 });
    });
    return this.getSwarm(id);
  }
}
