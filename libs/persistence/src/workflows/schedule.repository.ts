import { DataSource, EntityManager } from 'typeorm';
import { retryTransaction } from '../retry-transaction';

type Row = Record<string, unknown>;
type Queryable = Pick<EntityManager, 'query'>;

/** A `schedules` row. Times ISO-8601. */
export interface ScheduleRow {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  /** `{ workflow }` or `{ task }`. */
  target: Record<string, unknown>;
  catch_up: boolean;
  status: 'active' | 'paused';
  fairness_key: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
}

/** A `schedule_runs` row. */
export interface ScheduleRunRow {
  schedule_id: string;
  occurrence: string;
  status: 'fired' | 'skipped' | 'error';
  fired_at: string;
  workflow_id: string | null;
  task_id: string | null;
  missed: number;
  error: { code: string; message: string } | null;
}

function iso(v: unknown): string | null {
  return v instanceof Date ? v.toISOString() : v == null ? null : new Date(String(v)).toISOString();
}

function toSchedule(r: Row): ScheduleRow {
  return {
    id: String(r.id),
    name: String(r.name),
    cron: String(r.cron),
    timezone: String(r.timezone),
    target: (r.target as Record<string, unknown>) ?? {},
    catch_up: r.catch_up === true,
    status: r.status as 'active' | 'paused',
    fairness_key: (r.fairness_key as string | null) ?? null,
    next_run_at: iso(r.next_run_at),
    last_run_at: iso(r.last_run_at),
    created_at: iso(r.created_at) as string,
  };
}

function toRun(r: Row): ScheduleRunRow {
  return {
    schedule_id: String(r.schedule_id),
    occurrence: iso(r.occurrence) as string,
    status: r.status as ScheduleRunRow['status'],
    fired_at: iso(r.fired_at) as string,
    workflow_id: (r.workflow_id as string | null) ?? null,
    task_id: (r.task_id as string | null) ?? null,
    missed: Number(r.missed),
    error: (r.error as ScheduleRunRow['error']) ?? null,
  };
}

/** SQL access to `schedules` and `schedule_runs` (migration Workflows1764000000000). */
export class ScheduleRepository {
  /** @param db connected data source, or the entity manager of a transaction */
  constructor(private readonly db: DataSource | EntityManager) {}

  private q<T = Row[]>(sql: string, params: unknown[] = []): Promise<T> {
    return (this.db as Queryable).query(sql, params) as Promise<T>;
  }

  /** Runs `fn` in one transaction (retried whole on deadlock or serialization failure). */
  transaction<T>(fn: (tx: ScheduleRepository, em: EntityManager) => Promise<T>): Promise<T> {
    const ds = this.db as DataSource;
    return retryTransaction(() => ds.transaction((em) => fn(new ScheduleRepository(em), em)));
  }

  /** @returns the database's clock (every replica compares occurrences with the same clock) */
  async now(): Promise<Date> {
    const rows = await this.q<{ now: Date }[]>(`SELECT now() AS now`);
    return new Date(rows[0].now);
  }

  /** Inserts a schedule. @returns the schedule, or undefined when its name is taken */
  async insert(s: Omit<ScheduleRow, 'created_at' | 'last_run_at'>): Promise<ScheduleRow | undefined> {
    const rows = await this.q(
      `INSERT INTO schedules (id, name, cron, timezone, target, catch_up, status, fairness_key, next_run_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) ON CONFLICT (name) DO NOTHING RETURNING *`,
      [s.id, s.name, s.cron, s.timezone, JSON.stringify(s.target), s.catch_up, s.status, s.fairness_key, s.next_run_at],
    );
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  /** @returns every schedule by name */
  async list(): Promise<ScheduleRow[]> {
    return (await this.q(`SELECT * FROM schedules ORDER BY name`)).map(toSchedule);
  }

  /** @returns the schedule, or undefined; `lock` locks its row (inside a transaction) */
  async find(id: string, lock = false): Promise<ScheduleRow | undefined> {
    const rows = await this.q(`SELECT * FROM schedules WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  /** Deletes a schedule and its runs. @returns the deleted schedule, or undefined */
  async delete(id: string): Promise<ScheduleRow | undefined> {
    const rows = await this.q(`WITH d AS (DELETE FROM schedules WHERE id = $1 RETURNING *) SELECT * FROM d`, [id]);
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  /** Sets status and next occurrence. @returns the schedule, or undefined */
  async setStatus(id: string, status: 'active' | 'paused', nextRunAt: string | null): Promise<ScheduleRow | undefined> {
    const rows = await this.q(
      `WITH u AS (UPDATE schedules SET status = $2, next_run_at = $3, updated_at = now() WHERE id = $1 RETURNING *) SELECT * FROM u`,
      [id, status, nextRunAt],
    );
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  /**
   * Locks active schedules whose next occurrence is due, skipping rows another
   * replica holds. Call inside {@link transaction}.
   */
  async lockDue(limit: number): Promise<ScheduleRow[]> {
    const rows = await this.q(
      `SELECT * FROM schedules WHERE status = 'active' AND next_run_at <= now() ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map(toSchedule);
  }

  /**
   * Claims an occurrence: moves `next_run_at` from `from` to `to` only if it still is
   * `from` (a stale reader claims nothing).
   * @returns whether this call claimed it
   */
  async advance(id: string, from: string, to: string | null, lastRunAt: string | null): Promise<boolean> {
    const rows = await this.q(
      `WITH u AS (
         UPDATE schedules SET next_run_at = $3, last_run_at = coalesce($4, last_run_at), updated_at = now()
          WHERE id = $1 AND next_run_at = $2 RETURNING id)
       SELECT id FROM u`,
      [id, from, to, lastRunAt],
    );
    return rows.length === 1;
  }

  /**
   * Records a handled occurrence; (schedule, occurrence) is unique.
   * @returns false when that occurrence was already recorded (nothing written)
   */
  async insertRun(run: Omit<ScheduleRunRow, 'fired_at'>): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO schedule_runs (schedule_id, occurrence, status, workflow_id, task_id, missed, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (schedule_id, occurrence) DO NOTHING RETURNING schedule_id`,
      [run.schedule_id, run.occurrence, run.status, run.workflow_id, run.task_id, run.missed, run.error ? JSON.stringify(run.error) : null],
    );
    return rows.length === 1;
  }

  /**
   * A schedule's runs, newest occurrence first.
   * @returns the page and the cursor of the next one (the last occurrence)
   */
  async runs(scheduleId: string, limit: number, cursor?: string): Promise<{ runs: ScheduleRunRow[]; next: string | null }> {
    const rows = await this.q(
      `SELECT * FROM schedule_runs WHERE schedule_id = $1 AND ($2::timestamptz IS NULL OR occurrence < $2::timestamptz)
        ORDER BY occurrence DESC LIMIT $3`,
      [scheduleId, cursor ?? null, limit + 1],
    );
    const page = rows.slice(0, limit).map(toRun);
    return { runs: page, next: rows.length > limit ? page[page.length - 1].occurrence : null };
  }
}
