import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** A service's schedule as stored in `router_quota` (epoch ms). */
export interface QuotaRow {
  request_tat_ms: number;
  token_tat_ms: number;
  throttled_until_ms: number;
}

/** What {@link QuotaRepository.reserve}'s decision callback returns. */
export type QuotaWrite =
  | { granted: true; next: QuotaRow; tokens: number; lease?: { ms: number; max: number } }
  | { granted: false };

/** Outcome of {@link QuotaRepository.reserve}. */
export interface ReserveOutcome<D> {
  /** The decision callback's own result. */
  decision: D;
  /** PostgreSQL's clock when the decision was taken, epoch ms. */
  nowMs: number;
  /** The lease granted, when a concurrency limit applies and a slot was free. */
  permitId: string | null;
  /** With a concurrency limit: the slots were all taken (the schedule was left unchanged). */
  concurrencyFull: boolean;
}

/** Live use of one service over the last minute. */
export interface QuotaUsageRow {
  service: string;
  requests: number;
  tokens: number;
  in_flight: number;
  throttled_until_ms: number;
}

const NOW_MS = `extract(epoch FROM clock_timestamp()) * 1000`;

/**
 * SQL access to task-router's provider-limit tables (`router_quota`,
 * `router_quota_leases`, `router_quota_usage`; docs/ai-work.md "Rate limits").
 * Every reservation runs in one transaction holding the service's row lock and
 * reads PostgreSQL's clock, so all router replicas decide from one schedule and
 * one clock. Usage is kept per second for 10 minutes.
 */
export class QuotaRepository {
  private readonly known = new Set<string>();

  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Reserves a call: locks the service's schedule, lets `decide` compute the
   * decision from it and the database clock, and writes what `decide` returns
   * (the advanced schedule, a usage count, a concurrency lease).
   * @param service service name
   * @param decide pure decision over (schedule, now in ms); returns its own result and what to write
   * @returns the decision, the lease id granted (or null) and whether the concurrency slots were full
   */
  async reserve<D>(service: string, decide: (row: QuotaRow, nowMs: number) => { result: D; write: QuotaWrite }): Promise<ReserveOutcome<D>> {
    await this.ensure(service);
    return this.db.transaction(async (em) => {
      const [row] = (await em.query(
        `SELECT request_tat_ms, token_tat_ms, throttled_until_ms, ${NOW_MS} AS now_ms FROM router_quota WHERE service = $1 FOR UPDATE`,
        [service],
      )) as (QuotaRow & { now_ms: number })[];
      const nowMs = Number(row.now_ms);
      const state: QuotaRow = {
        request_tat_ms: Number(row.request_tat_ms),
        token_tat_ms: Number(row.token_tat_ms),
        throttled_until_ms: Number(row.throttled_until_ms),
      };
      const { result, write } = decide(state, nowMs);
      if (!write.granted) return { decision: result, nowMs, permitId: null, concurrencyFull: false };
      let permitId: string | null = null;
      if (write.lease) {
        const [{ n }] = (await em.query(
          `SELECT count(*)::int AS n FROM router_quota_leases WHERE service = $1 AND expires_at_ms > $2`,
          [service, nowMs],
        )) as { n: number }[];
        if (n >= write.lease.max) return { decision: result, nowMs, permitId: null, concurrencyFull: true };
        permitId = randomUUID();
        await em.query(`INSERT INTO router_quota_leases (permit_id, service, expires_at_ms) VALUES ($1, $2, $3)`, [
          permitId,
          service,
          nowMs + write.lease.ms,
        ]);
      }
      await em.query(
        `UPDATE router_quota SET request_tat_ms = $2, token_tat_ms = $3, updated_at = now() WHERE service = $1`,
        [service, write.next.request_tat_ms, write.next.token_tat_ms],
      );
      await addUsage(em, service, 1, write.tokens);
      return { decision: result, nowMs, permitId, concurrencyFull: false };
    });
  }

  /**
   * Ends a call: drops its lease and corrects the token schedule and usage by the
   * tokens it really used.
   * @param tokenTatDeltaMs change of the token schedule (negative: tokens given back), ms
   * @param tokenDelta used − reserved tokens (counted in this second's usage)
   */
  async release(service: string, permitId: string | null, tokenTatDeltaMs: number, tokenDelta: number): Promise<void> {
    await this.db.transaction(async (em) => {
      if (permitId) await em.query(`DELETE FROM router_quota_leases WHERE permit_id = $1`, [permitId]);
      if (tokenTatDeltaMs !== 0) {
        await em.query(`UPDATE router_quota SET token_tat_ms = token_tat_ms + $2, updated_at = now() WHERE service = $1`, [service, tokenTatDeltaMs]);
      }
      if (tokenDelta !== 0) await addUsage(em, service, 0, tokenDelta);
    });
  }

  /**
   * Pauses a service until now + `ms` (a provider's 429); a later stored pause is kept.
   * @returns the pause in force, epoch ms
   */
  async throttle(service: string, ms: number): Promise<number> {
    await this.ensure(service);
    const [row] = (await this.db.query(
      `WITH u AS (
         UPDATE router_quota SET throttled_until_ms = greatest(throttled_until_ms, ${NOW_MS} + $2), updated_at = now()
          WHERE service = $1 RETURNING throttled_until_ms)
       SELECT throttled_until_ms FROM u`,
      [service, ms],
    )) as { throttled_until_ms: number }[];
    return Number(row.throttled_until_ms);
  }

  /**
   * Requests and tokens of the last 60 s, leases in force and pauses, of every
   * service with a stored schedule (or only `services`).
   */
  async usage(services?: string[]): Promise<QuotaUsageRow[]> {
    const rows = (await this.db.query(
      `WITH now AS (SELECT ${NOW_MS} AS t)
       SELECT q.service,
              coalesce((SELECT sum(requests) FROM router_quota_usage u WHERE u.service = q.service
                         AND u.second > floor(now.t / 1000) - 60), 0)::bigint AS requests,
              coalesce((SELECT sum(tokens) FROM router_quota_usage u WHERE u.service = q.service
                         AND u.second > floor(now.t / 1000) - 60), 0)::bigint AS tokens,
              (SELECT count(*) FROM router_quota_leases l WHERE l.service = q.service AND l.expires_at_ms > now.t)::int AS in_flight,
              q.throttled_until_ms
         FROM router_quota q, now
        WHERE $1::text[] IS NULL OR q.service = ANY($1::text[])`,
      [services ?? null],
    )) as QuotaUsageRow[];
    return rows.map((r) => ({
      service: r.service,
      requests: Number(r.requests),
      tokens: Number(r.tokens),
      in_flight: Number(r.in_flight),
      throttled_until_ms: Number(r.throttled_until_ms),
    }));
  }

  /** @returns PostgreSQL's clock, epoch ms */
  async nowMs(): Promise<number> {
    const [{ now_ms }] = (await this.db.query(`SELECT ${NOW_MS} AS now_ms`)) as { now_ms: number }[];
    return Number(now_ms);
  }

  /** Deletes usage older than 10 minutes and leases expired for a minute. @returns rows deleted */
  async purge(): Promise<number> {
    const a = (await this.db.query(
      `WITH d AS (DELETE FROM router_quota_usage WHERE second < floor(${NOW_MS} / 1000) - 600 RETURNING 1) SELECT count(*)::int AS n FROM d`,
    )) as { n: number }[];
    const b = (await this.db.query(
      `WITH d AS (DELETE FROM router_quota_leases WHERE expires_at_ms < ${NOW_MS} - 60000 RETURNING 1) SELECT count(*)::int AS n FROM d`,
    )) as { n: number }[];
    return (a[0]?.n ?? 0) + (b[0]?.n ?? 0);
  }

  private async ensure(service: string): Promise<void> {
    if (this.known.has(service)) return;
    await this.db.query(`INSERT INTO router_quota (service) VALUES ($1) ON CONFLICT (service) DO NOTHING`, [service]);
    this.known.add(service);
  }
}

/** Adds to the current second's usage of a service (PostgreSQL's clock). */
async function addUsage(em: Pick<EntityManager, 'query'>, service: string, requests: number, tokens: number): Promise<void> {
  await em.query(
    `INSERT INTO router_quota_usage AS u (service, second, requests, tokens) VALUES ($1, floor(${NOW_MS} / 1000), $2, $3)
     ON CONFLICT (service, second) DO UPDATE SET requests = u.requests + excluded.requests, tokens = u.tokens + excluded.tokens`,
    [service, requests, Math.round(tokens)],
  );
}
