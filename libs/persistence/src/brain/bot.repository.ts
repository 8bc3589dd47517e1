import { DataSource, EntityManager } from 'typeorm';
import type { BotView, SwarmView, Tier } from '@apiary/contracts';
import { retryTransaction } from '../retry-transaction';

type Row = Record<string, unknown>;
type Queryable = Pick<EntityManager, 'query'>;

/** Filters of {@link BotRepository.listBots}. */
export interface BotFilter {
  tier?: Tier;
  status?: 'active' | 'retired';
  swarmId?: string;
  capability?: string;
}

/** A swarm row without statistics. */
export interface SwarmRow {
  id: string;
  name: string;
  tier: Tier;
  capabilities: string[];
  status: 'active' | 'deleted';
  next_index: number;
  created_at: string;
}

/** What assignment needs to know of a bot. */
export interface BotRef {
  id: string;
  tier: Tier;
  capabilities: string[];
  status: 'active' | 'retired';
  swarm_id: string | null;
  max_concurrency: number;
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString());

const BOT_COUNTERS = `
  LEFT JOIN LATERAL (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE t.status = 'succeeded') AS completed,
           count(*) FILTER (WHERE t.status IN ('queued', 'dispatched', 'running', 'retrying')) AS pending,
           count(*) FILTER (WHERE t.status IN ('failed', 'dead', 'cancelled', 'timed_out')) AS failed,
           max(coalesce(t.finished_at, t.started_at)) AS last_active
      FROM tasks t WHERE t.bot_id = b.id
  ) c ON true`;

function toBotView(r: Row): BotView {
  const completed = Number(r.completed ?? 0);
  return {
    id: String(r.id),
    name: String(r.name),
    tier: r.tier as Tier,
    status: r.status as 'active' | 'retired',
    capabilities: r.capabilities as string[],
    swarm_id: (r.swarm_id as string | null) ?? null,
    max_concurrency: Number(r.max_concurrency),
    tasks_completed: completed,
    total_tasks: Number(r.total ?? 0),
    pending_tasks: Number(r.pending ?? 0),
    completed_tasks: completed,
    failed_tasks: Number(r.failed ?? 0),
    last_active: iso(r.last_active),
    created_at: iso(r.created_at) as string,
  };
}

/**
 * SQL access to bots, swarms and fleet counters (seed 001). Bot task counters are
 * derived from `tasks` through the `(bot_id, status)` index, so they are exact
 * under concurrency and after crashes; fleet totals are counters updated in the
 * same transaction as the change they count. Bulk operations (a 50,000-bot swarm,
 * retiring a swarm) are single statements.
 */
export class BotRepository {
  /** @param db data source or transaction manager */
  constructor(private readonly db: DataSource | EntityManager) {}

  private q<T = Row[]>(sql: string, params: unknown[] = []): Promise<T> {
    return (this.db as Queryable).query(sql, params) as Promise<T>;
  }

  /** Runs `fn` in one transaction, retried on deadlock or serialization failure (see {@link retryTransaction}). */
  transaction<T>(fn: (tx: BotRepository) => Promise<T>): Promise<T> {
    const ds = this.db as DataSource;
    return retryTransaction(() => ds.transaction((em) => fn(new BotRepository(em))));
  }

  /**
   * Locks the capacity counter (serialises bot creation) and returns it.
   * @returns active bots now
   */
  async lockActiveCount(): Promise<number> {
    const rows = await this.q(`SELECT value FROM fleet_counters WHERE key = 'bots.active' FOR UPDATE`);
    return Number(rows[0]?.value ?? 0);
  }

  /** Adds deltas to fleet counters, e.g. `{ 'bots.active': 5 }`. */
  async bumpCounters(deltas: Record<string, number>): Promise<void> {
    const entries = Object.entries(deltas).filter(([, d]) => d !== 0);
    if (entries.length === 0) return;
    await this.q(
      `UPDATE fleet_counters f SET value = f.value + d.delta
         FROM jsonb_to_recordset($1::jsonb) AS d(key text, delta bigint) WHERE f.key = d.key`,
      [JSON.stringify(entries.map(([key, delta]) => ({ key, delta })))],
    );
  }

  /** @returns every fleet counter by key */
  async counters(): Promise<Record<string, number>> {
    const rows = await this.q<{ key: string; value: string }[]>(`SELECT key, value FROM fleet_counters`);
    return Object.fromEntries(rows.map((r) => [r.key, Number(r.value)]));
  }

  /** Inserts one bot. */
  async insertBot(bot: { id: string; name: string; tier: Tier; capabilities: string[]; max_concurrency: number }): Promise<void> {
    await this.q(
      `INSERT INTO bots (id, name, tier, capabilities, max_concurrency) VALUES ($1, $2, $3, $4, $5)`,
      [bot.id, bot.name, bot.tier, bot.capabilities, bot.max_concurrency],
    );
  }

  /** @returns the bot with its task counters, or undefined */
  async getBot(id: string): Promise<BotView | undefined> {
    const rows = await this.q(`SELECT b.*, c.* FROM bots b ${BOT_COUNTERS} WHERE b.id = $1`, [id]);
    return rows[0] ? toBotView(rows[0]) : undefined;
  }

  /** Locks a bot row against retirement (inside a transaction). */
  async lockBot(id: string): Promise<BotRef | undefined> {
    return this.findBot(id, 'FOR SHARE');
  }

  /**
   * Reads what assignment needs of a bot (no lock: outside a transaction).
   * @param lock row lock clause when called inside a transaction
   */
  async findBot(id: string, lock: '' | 'FOR SHARE' = ''): Promise<BotRef | undefined> {
    const rows = await this.q(
      `SELECT id, tier, capabilities, status, swarm_id, max_concurrency FROM bots WHERE id = $1 ${lock}`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: String(r.id),
          tier: r.tier as Tier,
          capabilities: r.capabilities as string[],
          status: r.status as 'active' | 'retired',
          swarm_id: (r.swarm_id as string | null) ?? null,
          max_concurrency: Number(r.max_concurrency),
        }
      : undefined;
  }

  /**
   * Lists bots in creation order after `cursor` (keyset pagination on `seq`).
   * @returns the page and the cursor of the next one
   */
  async listBots(filter: BotFilter, limit: number, cursor?: string): Promise<{ bots: BotView[]; next: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.tier) add('b.tier = ?', filter.tier);
    if (filter.status) add('b.status = ?', filter.status);
    if (filter.swarmId) add('b.swarm_id = ?', filter.swarmId);
    if (filter.capability) add('b.capabilities @> ARRAY[?]::text[]', filter.capability);
    if (cursor) add('b.seq > ?', cursor);
    params.push(limit + 1);
    const rows = await this.q(
      `SELECT b.*, c.* FROM (SELECT * FROM bots b ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                             ORDER BY b.seq LIMIT $${params.length}) b ${BOT_COUNTERS} ORDER BY b.seq`,
      params,
    );
    const page = rows.slice(0, limit);
    return { bots: page.map(toBotView), next: rows.length > limit ? String(page[page.length - 1].seq) : null };
  }

  /**
   * Retires active bots and cancels their queued and retrying tasks (in-flight
   * tasks finish). Records the cancellations as transitions.
   * @returns retired bots' tiers (to update counters) and the tasks cancelled
   */
  async retireBots(where: { botId?: string; swarmId?: string; fromIndex?: number }): Promise<{ tiers: Tier[]; cancelled: number }> {
    // Wrapped in WITH ... SELECT: TypeORM returns [rows, count] for a bare UPDATE.
    const retired = await this.q<{ id: string; tier: Tier }[]>(
      `WITH r AS (
         UPDATE bots SET status = 'retired', retired_at = now()
          WHERE status = 'active'
            AND ($1::uuid IS NULL OR id = $1) AND ($2::uuid IS NULL OR swarm_id = $2)
            AND ($3::int IS NULL OR swarm_index >= $3)
        RETURNING id, tier)
       SELECT id, tier FROM r`,
      [where.botId ?? null, where.swarmId ?? null, where.fromIndex ?? null],
    );
    if (retired.length === 0) return { tiers: [], cancelled: 0 };
    // Lock the tasks first, in id order: the lifecycle locks in id order too, so the
    // two can wait for each other but never deadlock.
    const pending = await this.q<{ id: string }[]>(
      `SELECT id FROM tasks WHERE bot_id = ANY($1::uuid[]) AND status IN ('queued', 'retrying') ORDER BY id FOR UPDATE`,
      [retired.map((r) => r.id)],
    );
    const cancelled = await this.q<Row[]>(
      `WITH c AS (
         UPDATE tasks t SET status = 'cancelled', finished_at = now(), updated_at = now(), not_before = NULL,
                error = '{"code":"BOT_RETIRED","message":"the bot was retired before the task ran","retryable":false}'::jsonb
           FROM tasks o
          WHERE o.id = t.id AND t.id = ANY($1::uuid[]) AND t.status IN ('queued', 'retrying')
         RETURNING t.id, t.attempts, o.status AS from_status)
       INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
       SELECT id, from_status, 'cancelled', attempts, 'bot_retired' FROM c RETURNING task_id`,
      [pending.map((r) => r.id)],
    );
    return { tiers: retired.map((r) => r.tier), cancelled: cancelled.length };
  }

  /** Inserts a swarm row. */
  async insertSwarm(s: { id: string; name: string; tier: Tier; capabilities: string[] }): Promise<void> {
    await this.q(`INSERT INTO swarms (id, name, tier, capabilities) VALUES ($1, $2, $3, $4)`, [s.id, s.name, s.tier, s.capabilities]);
  }

  /** Locks and returns a swarm (inside a transaction). */
  async lockSwarm(id: string): Promise<SwarmRow | undefined> {
    return this.findSwarm(id, 'FOR UPDATE');
  }

  /**
   * Reads a swarm row (no lock: outside a transaction).
   * @param lock row lock clause when called inside a transaction
   */
  async findSwarm(id: string, lock: '' | 'FOR UPDATE' = ''): Promise<SwarmRow | undefined> {
    const rows = await this.q(`SELECT * FROM swarms WHERE id = $1 ${lock}`, [id]);
    const r = rows[0];
    return r
      ? {
          id: String(r.id),
          name: String(r.name),
          tier: r.tier as Tier,
          capabilities: r.capabilities as string[],
          status: r.status as 'active' | 'deleted',
          next_index: Number(r.next_index),
          created_at: iso(r.created_at) as string,
        }
      : undefined;
  }

  /**
   * Creates `count` bots in a swarm in one statement (names `<swarm>-00001`...).
   * @returns nothing; read ids with {@link swarmBotIds}
   */
  async insertSwarmBots(swarm: SwarmRow, count: number, maxConcurrency: number): Promise<void> {
    await this.q(
      `INSERT INTO bots (id, name, tier, capabilities, swarm_id, swarm_index, max_concurrency)
       SELECT gen_random_uuid(), $2 || '-' || lpad((g + 1)::text, 5, '0'), $3, $4, $1, g, $7
         FROM generate_series($5::int, $5::int + $6::int - 1) AS g`,
      [swarm.id, swarm.name, swarm.tier, swarm.capabilities, swarm.next_index, count, maxConcurrency],
    );
    await this.q(`UPDATE swarms SET next_index = next_index + $2 WHERE id = $1`, [swarm.id, count]);
  }

  /** @returns active bot ids of a swarm in index order after `cursor`, and the next cursor */
  async swarmBotIds(swarmId: string, limit: number, cursor?: string): Promise<{ ids: string[]; next: string | null }> {
    const rows = await this.q<{ id: string; swarm_index: number }[]>(
      `SELECT id, swarm_index FROM bots WHERE swarm_id = $1 AND status = 'active' AND swarm_index > $2
        ORDER BY swarm_index LIMIT $3`,
      [swarmId, cursor === undefined ? -1 : Number(cursor), limit + 1],
    );
    const page = rows.slice(0, limit);
    return { ids: page.map((r) => r.id), next: rows.length > limit ? String(page[page.length - 1].swarm_index) : null };
  }

  /** @returns active bots of a swarm, and the swarm_index of the n-th highest (for shrinking) */
  async swarmActive(swarmId: string): Promise<number> {
    const rows = await this.q(`SELECT count(*) AS n FROM bots WHERE swarm_id = $1 AND status = 'active'`, [swarmId]);
    return Number(rows[0].n);
  }

  /** @returns the lowest swarm_index among the `n` highest-indexed active bots */
  async swarmShrinkFrom(swarmId: string, n: number): Promise<number> {
    const rows = await this.q(
      `SELECT min(swarm_index) AS i FROM (SELECT swarm_index FROM bots WHERE swarm_id = $1 AND status = 'active'
        ORDER BY swarm_index DESC LIMIT $2) x`,
      [swarmId, n],
    );
    return Number(rows[0].i);
  }

  /** Marks a swarm deleted. */
  async markSwarmDeleted(id: string): Promise<void> {
    await this.q(`UPDATE swarms SET status = 'deleted', deleted_at = now() WHERE id = $1`, [id]);
  }

  /** @returns the swarm with its statistics (seed 001 "Get Swarm Status"), or undefined */
  async getSwarm(id: string): Promise<SwarmView | undefined> {
    const rows = await this.q(
      `SELECT s.*,
              (SELECT count(*) FROM bots b WHERE b.swarm_id = s.id) AS bot_count,
              (SELECT count(*) FROM bots b WHERE b.swarm_id = s.id AND b.status = 'active') AS active_bots,
              (SELECT count(*) FROM tasks t WHERE t.swarm_id = s.id AND t.status = 'succeeded') AS completed
         FROM swarms s WHERE s.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    const active = Number(r.active_bots);
    const completed = Number(r.completed);
    return {
      id: String(r.id),
      name: String(r.name),
      bot_count: Number(r.bot_count),
      tier: r.tier as Tier,
      capabilities: r.capabilities as string[],
      active_bots: active,
      total_tasks_completed: completed,
      average_tasks_per_bot: active > 0 ? Math.round((completed / active) * 100) / 100 : 0,
      status: r.status as 'active' | 'deleted',
      created_at: iso(r.created_at) as string,
    };
  }
}
