import { DataSource, EntityManager } from 'typeorm';
import type { PriorityLevel, TaskErrorInfo, TaskStatus, TaskView } from '@apiary/contracts';
import { retryTransaction } from '../retry-transaction';

/** A new task as the brain writes it (status `queued`). */
export interface NewTaskRow {
  id: string;
  type: string;
  data: Record<string, unknown>;
  priority: PriorityLevel;
  score: number;
  rank: number;
  max_attempts: number;
  idempotency_key: string | null;
  batch_id: string | null;
  fairness_key: string | null;
  trace_carrier: Record<string, string> | null;
  /** Submit time (ISO-8601); the rank was computed from it. */
  created_at: string;
  bot_id?: string | null;
  swarm_id?: string | null;
  bot_max_concurrency?: number | null;
  /** Leased by an external bot instead of dispatched to bot-runtime. */
  external?: boolean;
  /** Memory context handed to the handler. */
  context_id?: string | null;
  /** Quota group of a task routed to registered services (dispatch gate; docs/ai-work.md "Rate limits"). */
  quota_group?: string | null;
  /** Id of the API key that submitted it. */
  submitted_by?: string | null;
  /** Result-cache key and TTL (s) when the type's policy caches results (docs/ai-work.md "Result cache"). */
  cache_key?: string | null;
  cache_ttl_s?: number | null;
  /** Served from the result cache: written `succeeded` with this result, never dispatched. */
  cached_result?: unknown;
}

/** A task claimed for dispatch. */
export interface ClaimedTask {
  id: string;
  type: string;
  data: Record<string, unknown>;
  priority: PriorityLevel;
  score: number;
  attempts: number;
  trace_carrier: Record<string, string> | null;
  bot_id?: string | null;
  swarm_id?: string | null;
  context_id?: string | null;
  bot_max_concurrency?: number | null;
  /** Tasks of the same bot dispatched or running when claimed. */
  bot_in_flight?: number;
  /** Id of the API key that submitted it. */
  submitted_by?: string | null;
  /** Its quota group (routed tasks). */
  quota_group?: string | null;
}

/** The fields of an in-flight task that lifecycle decisions need. */
export interface InFlightTask {
  id: string;
  status: TaskStatus;
  attempts: number;
  max_attempts: number;
  bot_id?: string | null;
}

/** One recorded state change. */
export interface TransitionRow {
  task_id: string;
  from_status: TaskStatus | null;
  to_status: TaskStatus;
  attempt: number;
  reason: string;
}

/** One task update decided by the lifecycle rules. */
export interface TaskUpdate {
  id: string;
  from_status: TaskStatus;
  to_status: TaskStatus;
  attempt: number;
  reason: string;
  result?: unknown;
  error?: TaskErrorInfo | null;
  runner?: string | null;
  /** ISO-8601 times; null leaves the column unchanged. */
  started_at?: string | null;
  finished_at?: string | null;
  not_before?: string | null;
  lease_expires_at?: string | null;
  /** Attempts added to `max_attempts` (a deferred attempt is not counted). */
  max_attempts_add?: number;
}

type Row = Record<string, unknown>;

function iso(v: unknown): string | null {
  return v instanceof Date ? v.toISOString() : v == null ? null : new Date(String(v)).toISOString();
}

/** Maps a `tasks` row to the public {@link TaskView}. */
export function toTaskView(r: Row): TaskView {
  return {
    task_id: String(r.id),
    type: String(r.type),
    status: r.status as TaskStatus,
    priority: r.priority as PriorityLevel,
    score: Number(r.score),
    attempts: Number(r.attempts),
    result: r.result ?? null,
    error: (r.error as TaskErrorInfo | null) ?? null,
    batch_id: (r.batch_id as string | null) ?? null,
    created_at: iso(r.created_at) as string,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

const VIEW_COLUMNS = `id, type, status, priority, score, attempts, result, error, batch_id, created_at, started_at, finished_at`;

/** Columns of a claimed task (`t`: tasks; `f.n`: its bot's tasks in flight). */
const CLAIM_COLUMNS = `t.id, t.type, t.data, t.priority, t.score, t.attempts, t.trace_carrier, t.bot_id, t.bot_max_concurrency,
  t.swarm_id, t.context_id, t.submitted_by, t.quota_group, coalesce(f.n, 0) AS bot_in_flight`;

/** Lateral count of the claimed task's bot's tasks dispatched or running. */
const BOT_IN_FLIGHT = `SELECT count(*) AS n FROM tasks x
  WHERE t.bot_id IS NOT NULL AND x.bot_id = t.bot_id AND x.bot_id IS NOT NULL AND x.status IN ('dispatched', 'running')`;

/** Maps a claimed row. */
function toClaimed(r: Row): ClaimedTask {
  return {
    id: String(r.id),
    type: String(r.type),
    data: (r.data as Record<string, unknown>) ?? {},
    priority: r.priority as PriorityLevel,
    score: Number(r.score),
    attempts: Number(r.attempts),
    trace_carrier: (r.trace_carrier as Record<string, string> | null) ?? null,
    bot_id: (r.bot_id as string | null) ?? null,
    swarm_id: (r.swarm_id as string | null) ?? null,
    context_id: (r.context_id as string | null) ?? null,
    bot_max_concurrency: r.bot_max_concurrency == null ? null : Number(r.bot_max_concurrency),
    bot_in_flight: Number(r.bot_in_flight ?? 0),
    submitted_by: (r.submitted_by as string | null) ?? null,
    quota_group: (r.quota_group as string | null) ?? null,
  };
}

/**
 * SQL access to `tasks` and `task_transitions` for the orchestrator-brain. Every
 * hot-path method is one statement (or one transaction) per batch, never per task
 * (CONVENTIONS.md "Persistence": batch writes on hot paths).
 */
export class TaskRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** Runs `fn` in one transaction, retried on deadlock or serialization failure (see {@link retryTransaction}). */
  transaction<T>(fn: (tx: TaskRepository, em: EntityManager) => Promise<T>): Promise<T> {
    return retryTransaction(() => this.db.transaction((em) => fn(new TaskRepository(em as unknown as DataSource), em)));
  }

  private query<T = Row[]>(sql: string, params: unknown[] = []): Promise<T> {
    return (this.db as unknown as EntityManager).query(sql, params) as Promise<T>;
  }

  /**
   * Inserts tasks and their `submitted` transitions in one statement. Rows whose
   * (fairness key, idempotency key) already exists are skipped.
   * @returns ids actually inserted
   */
  async insertMany(rows: NewTaskRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await this.query<{ id: string }[]>(
      `WITH x AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
           id uuid, type text, data jsonb, priority text, score double precision, rank double precision,
           max_attempts int, idempotency_key text, batch_id uuid, fairness_key text, trace_carrier jsonb,
           created_at timestamptz, bot_id uuid, swarm_id uuid, bot_max_concurrency int, external boolean,
           context_id text, quota_group text, submitted_by text, cache_key text, cache_ttl_s int, cached boolean,
           cached_result jsonb, ord int)
       ), ins AS (
         INSERT INTO tasks (id, type, data, priority, score, rank, status, max_attempts, idempotency_key,
                            batch_id, fairness_key, trace_carrier, created_at, bot_id, swarm_id, bot_max_concurrency, external,
                            context_id, quota_group, submitted_by, cache_key, cache_ttl_s, result, started_at, finished_at)
         SELECT id, type, coalesce(data, '{}'::jsonb), priority, score, rank,
                CASE WHEN cached THEN 'succeeded' ELSE 'queued' END, max_attempts,
                idempotency_key, batch_id, fairness_key, trace_carrier, coalesce(created_at, now()),
                bot_id, swarm_id, bot_max_concurrency, coalesce(external, false), context_id, quota_group, submitted_by,
                cache_key, cache_ttl_s, CASE WHEN cached THEN cached_result END,
                CASE WHEN cached THEN now() END, CASE WHEN cached THEN now() END
           FROM x ORDER BY ord
         ON CONFLICT ((coalesce(fairness_key, '')), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id, status
       ), tr AS (
         INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
         SELECT id, NULL, status, 0, CASE WHEN status = 'succeeded' THEN 'cache_hit' ELSE 'submitted' END FROM ins
       )
       SELECT id FROM ins`,
      [JSON.stringify(rows.map((r, ord) => ({ ...r, cached: r.cached_result !== undefined, ord })))],
    );
    return new Set(inserted.map((r) => r.id));
  }

  /**
   * Finds live tasks by idempotency key within a tenant.
   * @returns key → task id, for keys used within the last `maxAgeS` seconds
   */
  async findByIdempotencyKeys(fairnessKey: string | null, keys: string[], maxAgeS: number): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.query<{ id: string; idempotency_key: string }[]>(
      `SELECT id, idempotency_key FROM tasks
        WHERE coalesce(fairness_key, '') = coalesce($1, '') AND idempotency_key = ANY($2::text[])
          AND created_at > now() - make_interval(secs => $3)`,
      [fairnessKey, keys, maxAgeS],
    );
    return new Map(rows.map((r) => [r.idempotency_key, r.id]));
  }

  /**
   * Frees idempotency keys older than `maxAgeS` so they can be used again.
   * @returns number of keys released
   */
  async releaseExpiredIdempotencyKeys(fairnessKey: string | null, keys: string[], maxAgeS: number): Promise<number> {
    if (keys.length === 0) return 0;
    const rows = await this.query<Row[]>(
      `WITH r AS (
         UPDATE tasks SET idempotency_key = NULL
          WHERE coalesce(fairness_key, '') = coalesce($1, '') AND idempotency_key = ANY($2::text[])
            AND created_at <= now() - make_interval(secs => $3)
        RETURNING id)
       SELECT id FROM r`,
      [fairnessKey, keys, maxAgeS],
    );
    return rows.length;
  }

  /** @returns the task's public view, or undefined */
  async findView(id: string): Promise<TaskView | undefined> {
    const rows = await this.query(`SELECT ${VIEW_COLUMNS} FROM tasks WHERE id = $1`, [id]);
    return rows[0] ? toTaskView(rows[0]) : undefined;
  }

  /**
   * Lists tasks newest first: a batch's tasks (optionally one status), or all tasks
   * in a final failure status. Keyset pagination on (created_at, id).
   * @returns the page and the cursor of the next one (`<created_at>|<id>`)
   */
  async listTasks(filter: { batchId?: string; status?: string }, limit: number, cursor?: string): Promise<{ tasks: TaskView[]; next: string | null }> {
    const [at, id] = cursor ? cursor.split('|') : [null, null];
    const rows = await this.query(
      `SELECT ${VIEW_COLUMNS} FROM tasks
        WHERE ($1::uuid IS NULL OR batch_id = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [filter.batchId ?? null, filter.status ?? null, at, id, limit + 1],
    );
    const page = rows.slice(0, limit).map(toTaskView);
    const last = page[page.length - 1];
    return { tasks: page, next: rows.length > limit && last ? `${last.created_at}|${last.task_id}` : null };
  }

  /**
   * Re-drives a task that ended dead, failed, cancelled or timed out: back to
   * `queued` with `maxAttempts` more attempts; its history is kept.
   * @returns the task's status before, or undefined when it does not exist
   */
  async redrive(id: string, maxAttempts: number): Promise<{ before: TaskStatus; redriven: boolean } | undefined> {
    const rows = await this.query<{ status: TaskStatus; attempts: number }[]>(
      `SELECT status, attempts FROM tasks WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (!['dead', 'failed', 'cancelled', 'timed_out'].includes(row.status)) return { before: row.status, redriven: false };
    await this.query(
      `WITH up AS (
         UPDATE tasks SET status = 'queued', max_attempts = attempts + $2, not_before = NULL, lease_expires_at = NULL,
                finished_at = NULL, updated_at = now()
          WHERE id = $1 RETURNING id, attempts)
       INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
       SELECT id, $3, 'queued', attempts, 'redriven' FROM up`,
      [id, maxAttempts, row.status],
    );
    return { before: row.status, redriven: true };
  }

  /** @returns number of tasks currently `dispatched` or `running` */
  async countInFlight(): Promise<number> {
    const rows = await this.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM tasks WHERE status IN ('dispatched', 'running')`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Locks up to `limit` queued tasks in dispatch order (highest rank first),
   * skipping rows other brain replicas hold and tasks whose bot already runs
   * `bot_max_concurrency` tasks (virtual actors run one task at a time by
   * default). Two tasks of one bot in the same claim are thinned by the caller
   * using `bot_in_flight`. External tasks are never claimed here, nor tasks
   * deferred to a later time (`not_before`), nor tasks of the `gatedGroups` (routed
   * tasks under provider limits, claimed by {@link lockQueuedInGroups}). Call inside
   * {@link transaction}.
   * @param limit most tasks to lock
   * @param gatedGroups quota groups claimed apart
   */
  async lockQueued(limit: number, gatedGroups: string[] = []): Promise<ClaimedTask[]> {
    const rows = await this.query(
      `SELECT ${CLAIM_COLUMNS}
         FROM tasks t
         LEFT JOIN LATERAL (${BOT_IN_FLIGHT}) f ON true
        WHERE t.status = 'queued' AND NOT t.external
          AND (t.not_before IS NULL OR t.not_before <= now())
          AND (t.quota_group IS NULL OR NOT (t.quota_group = ANY($2::text[])))
          AND (t.bot_id IS NULL OR f.n < t.bot_max_concurrency)
        ORDER BY t.rank DESC LIMIT $1 FOR UPDATE OF t SKIP LOCKED`,
      [limit, gatedGroups],
    );
    return rows.map(toClaimed);
  }

  /**
   * Whether any routed task (one with a quota group) is queued: one probe of the
   * partial index `tasks_queued_quota_group`, so an idle dispatcher asks nothing else.
   */
  async hasQueuedRouted(): Promise<boolean> {
    const rows = await this.query(`SELECT 1 FROM tasks WHERE status = 'queued' AND quota_group IS NOT NULL LIMIT 1`);
    return rows.length > 0;
  }

  /**
   * Locks, per quota group, up to its limit of queued tasks in rank order (the
   * dispatch gate of routed tasks under provider limits; docs/ai-work.md "Rate
   * limits"): index `tasks_queued_quota_group`. Call inside {@link transaction}.
   * @param groups quota group → most tasks to claim
   */
  async lockQueuedInGroups(groups: { group: string; limit: number }[]): Promise<ClaimedTask[]> {
    const wanted = groups.filter((g) => g.limit > 0);
    if (wanted.length === 0) return [];
    const rows = await this.query(
      `SELECT c.* FROM unnest($1::text[], $2::int[]) AS g(grp, lim)
       CROSS JOIN LATERAL (
         SELECT ${CLAIM_COLUMNS}
           FROM tasks t
           LEFT JOIN LATERAL (${BOT_IN_FLIGHT}) f ON true
          WHERE t.status = 'queued' AND t.quota_group = g.grp AND NOT t.external
            AND (t.not_before IS NULL OR t.not_before <= now())
            AND (t.bot_id IS NULL OR f.n < t.bot_max_concurrency)
          ORDER BY t.rank DESC LIMIT g.lim FOR UPDATE OF t SKIP LOCKED
       ) c`,
      [wanted.map((g) => g.group), wanted.map((g) => g.limit)],
    );
    return rows.map(toClaimed);
  }

  /**
   * Marks published tasks `dispatched` with their new attempt number and lease.
   * @param items task id, lane and attempt published
   * @param leaseMs lease length in ms
   */
  async markDispatched(items: { id: string; lane: string; attempt: number }[], leaseMs: number): Promise<void> {
    if (items.length === 0) return;
    await this.query(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, lane text, attempt int)),
       up AS (
         UPDATE tasks t SET status = 'dispatched', attempts = x.attempt, lane = x.lane, dispatched_at = now(),
                lease_expires_at = now() + make_interval(secs => $2 / 1000.0), updated_at = now(),
                not_before = NULL
           FROM x WHERE t.id = x.id AND t.status = 'queued'
         RETURNING t.id, x.attempt)
       INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
       SELECT id, 'queued', 'dispatched', attempt, 'dispatched' FROM up`,
      [JSON.stringify(items), leaseMs],
    );
  }

  /**
   * Locks in-flight (or retrying) tasks by id for a lifecycle decision. Call
   * inside {@link transaction}.
   */
  async lockByIds(ids: string[]): Promise<InFlightTask[]> {
    if (ids.length === 0) return [];
    const rows = await this.query(
      `SELECT id, status, attempts, max_attempts, bot_id FROM tasks WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return rows.map((r) => ({
      id: String(r.id),
      status: r.status as TaskStatus,
      attempts: Number(r.attempts),
      max_attempts: Number(r.max_attempts),
      bot_id: (r.bot_id as string | null) ?? null,
    }));
  }

  /**
   * Locks in-flight tasks whose lease expired (oldest first), skipping locked rows.
   * Call inside {@link transaction}.
   */
  async lockExpiredLeases(limit: number): Promise<InFlightTask[]> {
    const rows = await this.query(
      `SELECT id, status, attempts, max_attempts FROM tasks
        WHERE status IN ('dispatched', 'running') AND lease_expires_at < now()
        ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      status: r.status as TaskStatus,
      attempts: Number(r.attempts),
      max_attempts: Number(r.max_attempts),
    }));
  }

  /**
   * Applies lifecycle updates and records their transitions, in one statement.
   * Each update applies only if the row is still in `from_status` at `attempt`
   * (a superseded attempt changes nothing); transitions are recorded only for the
   * tasks actually updated.
   * @param updates one collapsed update per task
   * @param transitions every step taken, e.g. dispatched→running, running→succeeded
   * @returns ids updated
   */
  async applyUpdates(updates: TaskUpdate[], transitions: TransitionRow[]): Promise<string[]> {
    if (updates.length === 0) return [];
    const rows = await this.query<{ id: string }[]>(
      `WITH x AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
           id uuid, from_status text, to_status text, attempt int, reason text, result jsonb, error jsonb,
           has_result boolean, has_error boolean, runner text, started_at timestamptz, finished_at timestamptz,
           not_before timestamptz, lease_expires_at timestamptz, max_attempts_add int)
       ), up AS (
         UPDATE tasks t SET
           status = x.to_status,
           result = CASE WHEN x.has_result THEN x.result ELSE t.result END,
           error = CASE WHEN x.has_error THEN x.error ELSE t.error END,
           runner = coalesce(x.runner, t.runner),
           started_at = coalesce(t.started_at, x.started_at),
           finished_at = coalesce(x.finished_at, t.finished_at),
           not_before = x.not_before,
           lease_expires_at = x.lease_expires_at,
           max_attempts = t.max_attempts + coalesce(x.max_attempts_add, 0),
           updated_at = now()
         FROM x WHERE t.id = x.id AND t.status = x.from_status AND t.attempts = x.attempt
         RETURNING t.id, t.type, t.cache_key, t.cache_ttl_s, x.to_status, x.result
       ), cache AS (
         -- A cacheable task that succeeded stores its result (docs/ai-work.md "Result cache").
         INSERT INTO result_cache AS c (key, task_type, result, expires_at)
         SELECT DISTINCT ON (cache_key) cache_key, type, result, now() + make_interval(secs => cache_ttl_s)
           FROM up WHERE to_status = 'succeeded' AND cache_key IS NOT NULL AND cache_ttl_s > 0 AND result IS NOT NULL
          ORDER BY cache_key
         ON CONFLICT (key) DO UPDATE SET result = excluded.result, expires_at = excluded.expires_at, created_at = now()
       ), tr AS (
         INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
         SELECT y.task_id, y.from_status, y.to_status, y.attempt, y.reason
           FROM jsonb_to_recordset($2::jsonb) AS y(task_id uuid, from_status text, to_status text,
                attempt int, reason text, seq int)
          WHERE y.task_id IN (SELECT id FROM up)
          ORDER BY y.seq
       )
       SELECT id FROM up`,
      [
        JSON.stringify(
          updates.map((u) => ({
            ...u,
            has_result: 'result' in u,
            has_error: 'error' in u,
            result: u.result === undefined ? null : u.result,
          })),
        ),
        JSON.stringify(transitions.map((t, seq) => ({ ...t, seq }))),
      ],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Moves `retrying` tasks whose backoff has elapsed back to `queued`.
   * @returns number of tasks re-queued
   */
  async requeueDueRetries(limit: number): Promise<number> {
    const rows = await this.query(
      `WITH due AS (
         SELECT id FROM tasks WHERE status = 'retrying' AND not_before <= now()
          ORDER BY not_before LIMIT $1 FOR UPDATE SKIP LOCKED
       ), up AS (
         UPDATE tasks t SET status = 'queued', not_before = NULL, updated_at = now()
           FROM due WHERE t.id = due.id RETURNING t.id, t.attempts)
       INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
       SELECT id, 'retrying', 'queued', attempts, 'retry_due' FROM up RETURNING task_id`,
      [limit],
    );
    return rows.length;
  }

  /**
   * Advances a fairness key's virtual clock by `n` tasks of `costS` seconds each
   * (stride scheduling) and returns where this submission starts.
   * @param key fairness key (API key id, `swarm:<id>`)
   * @param nowS current time, seconds since epoch
   * @returns virtual start time of the first task, seconds
   */
  async advanceFairnessClock(key: string, n: number, costS: number, nowS: number): Promise<number> {
    const rows = await this.query<{ start_s: number }[]>(
      `INSERT INTO fairness_clocks (key, virtual_finish_s) VALUES ($1, $3::float8 + $2::float8 * $4::float8)
       ON CONFLICT (key) DO UPDATE
         SET virtual_finish_s = greatest(fairness_clocks.virtual_finish_s, $3::float8) + $2::float8 * $4::float8
       RETURNING virtual_finish_s - $2::float8 * $4::float8 AS start_s`,
      [key, n, nowS, costS],
    );
    return Number(rows[0].start_s);
  }

  /**
   * Fan-out: one task per active bot of a swarm, in one INSERT ... SELECT (a
   * 50,000-bot swarm is one statement), with its `submitted` transitions.
   * `rank_i = score − agingPerS × (startS + (i + 1) × costS)` (stride order).
   * @returns number of tasks created
   */
  async insertSwarmFanOut(args: {
    swarmId: string;
    batchId: string;
    type: string;
    data: Record<string, unknown>;
    priority: PriorityLevel;
    score: number;
    agingPerS: number;
    startS: number;
    costS: number;
    maxAttempts: number;
    fairnessKey: string;
    external: boolean;
    traceCarrier: Record<string, string> | null;
    /** Quota group of routed tasks (docs/ai-work.md "Rate limits"). */
    quotaGroup?: string | null;
    /** Id of the API key that assigned them. */
    submittedBy?: string | null;
  }): Promise<number> {
    const rows = await this.query<{ n: string }[]>(
      `WITH b AS (
         SELECT id, max_concurrency, row_number() OVER (ORDER BY swarm_index) AS i
           FROM bots WHERE swarm_id = $1::uuid AND status = 'active'
       ), ins AS (
         INSERT INTO tasks (id, type, data, priority, score, rank, status, max_attempts, batch_id, fairness_key,
                            trace_carrier, bot_id, swarm_id, bot_max_concurrency, external, quota_group, submitted_by)
         SELECT gen_random_uuid(), $3, $4::jsonb, $5, $6::float8, $6::float8 - $7::float8 * ($8::float8 + b.i * $9::float8),
                'queued', $10::int, $2::uuid, $11, $13::jsonb, b.id, $1::uuid, b.max_concurrency, $12::boolean, $14, $15
           FROM b ORDER BY b.i
         RETURNING id
       ), tr AS (
         INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
         SELECT id, NULL, 'queued', 0, 'submitted' FROM ins
       )
       SELECT count(*) AS n FROM ins`,
      [
        args.swarmId, args.batchId, args.type, JSON.stringify(args.data), args.priority, args.score, args.agingPerS,
        args.startS, args.costS, args.maxAttempts, args.fairnessKey, args.external,
        args.traceCarrier ? JSON.stringify(args.traceCarrier) : null, args.quotaGroup ?? null, args.submittedBy ?? null,
      ],
    );
    return Number(rows[0].n);
  }

  /**
   * Progress of a batch from its maintained counters (one row), with its task type
   * and swarm (one task row).
   * @returns undefined for an unknown batch
   */
  async batchProgress(batchId: string): Promise<
    { total: number; queued: number; running: number; succeeded: number; failed: number; type: string; swarmId: string | null } | undefined
  > {
    const rows = await this.query(
      `SELECT c.*, t.type, t.swarm_id FROM batch_counters c
         CROSS JOIN LATERAL (SELECT type, swarm_id FROM tasks WHERE batch_id = c.batch_id LIMIT 1) t
        WHERE c.batch_id = $1`,
      [batchId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      total: Number(r.total),
      queued: Number(r.queued),
      running: Number(r.running),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      type: String(r.type),
      swarmId: (r.swarm_id as string | null) ?? null,
    };
  }

  /** @returns the results of a batch's succeeded tasks, in submit order */
  async batchResults(batchId: string): Promise<unknown[]> {
    const rows = await this.query<{ result: unknown }[]>(
      `SELECT result FROM tasks WHERE batch_id = $1 AND status = 'succeeded' ORDER BY rank DESC`,
      [batchId],
    );
    return rows.map((r) => r.result);
  }

  /**
   * Leases the best queued external task of a bot: `running`, next attempt, lease.
   * @returns the leased task, or undefined when the bot has none queued
   */
  async leaseExternal(botId: string, leaseMs: number): Promise<
    { id: string; type: string; data: Record<string, unknown>; attempts: number; lease_expires_at: string } | undefined
  > {
    const rows = await this.query(
      `WITH c AS (
         SELECT id FROM tasks WHERE bot_id = $1 AND status = 'queued' AND external
          ORDER BY rank DESC LIMIT 1 FOR UPDATE SKIP LOCKED
       ), up AS (
         UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, dispatched_at = now(),
                started_at = coalesce(t.started_at, now()), runner = 'external:' || $1::text, lane = 'external',
                lease_expires_at = now() + make_interval(secs => $2 / 1000.0), updated_at = now()
           FROM c WHERE t.id = c.id
         RETURNING t.id, t.type, t.data, t.attempts, t.lease_expires_at
       ), tr AS (
         INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
         SELECT id, 'queued', 'running', attempts, 'leased' FROM up
       )
       SELECT * FROM up`,
      [botId, leaseMs],
    );
    const r = rows[0];
    return r
      ? {
          id: String(r.id),
          type: String(r.type),
          data: (r.data as Record<string, unknown>) ?? {},
          attempts: Number(r.attempts),
          lease_expires_at: iso(r.lease_expires_at) as string,
        }
      : undefined;
  }

  /** Locks one task for an external completion. */
  async lockForCompletion(id: string): Promise<(InFlightTask & { type: string; runner: string | null; started_at: string | null }) | undefined> {
    const rows = await this.query(
      `SELECT id, status, attempts, max_attempts, bot_id, type, runner, started_at FROM tasks WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: String(r.id),
          status: r.status as TaskStatus,
          attempts: Number(r.attempts),
          max_attempts: Number(r.max_attempts),
          bot_id: (r.bot_id as string | null) ?? null,
          type: String(r.type),
          runner: (r.runner as string | null) ?? null,
          started_at: iso(r.started_at),
        }
      : undefined;
  }

  /** Adds to a fleet counter (e.g. `tasks.executed`) in the current transaction. */
  async bumpCounter(key: string, delta: number): Promise<void> {
    if (delta === 0) return;
    await this.query(`UPDATE fleet_counters SET value = value + $2 WHERE key = $1`, [key, delta]);
  }
}
