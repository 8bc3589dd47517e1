import { DataSource, EntityManager } from 'typeorm';
import type { TaskErrorInfo, TaskStatus } from '@apiary/contracts';
import { retryTransaction } from '../retry-transaction';

type Row = Record<string, unknown>;
type Queryable = Pick<EntityManager, 'query'>;

/** A `workflow_runs` row. Times are ISO-8601 strings. */
export interface WorkflowRunRow {
  id: string;
  name: string;
  definition_name: string | null;
  definition_version: number | null;
  schedule_id: string | null;
  status: string;
  priority: string;
  context_id: string | null;
  fairness_key: string | null;
  parameters: Record<string, unknown>;
  failed_step: string | null;
  error: TaskErrorInfo | null;
  created_at: string;
  finished_at: string | null;
}

/** A `workflow_steps` row; `spec` is the brain's normalised step. Times are ISO-8601 strings. */
export interface WorkflowStepRow {
  run_id: string;
  step_id: string;
  ord: number;
  spec: unknown;
  status: string;
  attempts: number;
  task_id: string | null;
  batch_id: string | null;
  parameters: Record<string, unknown> | null;
  result: unknown;
  error: TaskErrorInfo | null;
  recovered: boolean;
  not_before: string | null;
  deadline_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** A step task or swarm batch that ended (a `workflow_inbox` row). */
export interface WorkflowInboxEvent {
  run_id: string;
  step_id: string;
  task_id: string | null;
  batch_id: string | null;
  /** The task's terminal status, or `batch_done`. */
  status: string;
}

/** The outcome of a finished task. */
export interface TaskOutcome {
  id: string;
  status: TaskStatus;
  result: unknown;
  error: TaskErrorInfo | null;
}

/** A saved definition row. */
export interface WorkflowDefinitionRow {
  name: string;
  version: number;
  description: string | null;
  spec: unknown;
  created_at: string;
}

function iso(v: unknown): string | null {
  return v instanceof Date ? v.toISOString() : v == null ? null : new Date(String(v)).toISOString();
}

function toRun(r: Row): WorkflowRunRow {
  return {
    id: String(r.id),
    name: String(r.name),
    definition_name: (r.definition_name as string | null) ?? null,
    definition_version: r.definition_version == null ? null : Number(r.definition_version),
    schedule_id: (r.schedule_id as string | null) ?? null,
    status: String(r.status),
    priority: String(r.priority),
    context_id: (r.context_id as string | null) ?? null,
    fairness_key: (r.fairness_key as string | null) ?? null,
    parameters: (r.parameters as Record<string, unknown>) ?? {},
    failed_step: (r.failed_step as string | null) ?? null,
    error: (r.error as TaskErrorInfo | null) ?? null,
    created_at: iso(r.created_at) as string,
    finished_at: iso(r.finished_at),
  };
}

function toStep(r: Row): WorkflowStepRow {
  return {
    run_id: String(r.run_id),
    step_id: String(r.step_id),
    ord: Number(r.ord),
    spec: r.spec,
    status: String(r.status),
    attempts: Number(r.attempts),
    task_id: (r.task_id as string | null) ?? null,
    batch_id: (r.batch_id as string | null) ?? null,
    parameters: (r.parameters as Record<string, unknown> | null) ?? null,
    result: r.result ?? null,
    error: (r.error as TaskErrorInfo | null) ?? null,
    recovered: r.recovered === true,
    not_before: iso(r.not_before),
    deadline_at: iso(r.deadline_at),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

/**
 * SQL access to workflow runs, steps, the workflow inbox and saved definitions
 * (migration Workflows1764000000000). Multi-row writes are one statement each.
 */
export class WorkflowRepository {
  /** @param db connected data source, or the entity manager of a transaction */
  constructor(private readonly db: DataSource | EntityManager) {}

  private q<T = Row[]>(sql: string, params: unknown[] = []): Promise<T> {
    return (this.db as Queryable).query(sql, params) as Promise<T>;
  }

  /**
   * Runs `fn` in one transaction (retried whole on deadlock or serialization failure).
   * @param fn receives a repository bound to the transaction and its entity manager
   */
  transaction<T>(fn: (tx: WorkflowRepository, em: EntityManager) => Promise<T>): Promise<T> {
    const ds = this.db as DataSource;
    return retryTransaction(() => ds.transaction((em) => fn(new WorkflowRepository(em), em)));
  }

  /** Inserts runs and their steps (one statement). */
  async insertRuns(runs: WorkflowRunRow[], steps: WorkflowStepRow[]): Promise<void> {
    if (runs.length === 0) return;
    await this.q(
      `WITH r AS (
         INSERT INTO workflow_runs (id, name, definition_name, definition_version, schedule_id, status, priority, context_id,
                                    fairness_key, parameters, failed_step, error, created_at, finished_at)
         SELECT id, name, definition_name, definition_version, schedule_id, status, priority, context_id,
                fairness_key, coalesce(parameters, '{}'::jsonb), failed_step, error, created_at, finished_at
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, definition_name text, definition_version int,
                schedule_id uuid, status text, priority text, context_id text, fairness_key text, parameters jsonb,
                failed_step text, error jsonb, created_at timestamptz, finished_at timestamptz)
         RETURNING id)
       INSERT INTO workflow_steps (run_id, step_id, ord, spec, status, attempts, task_id, batch_id, parameters, result, error,
                                   recovered, not_before, deadline_at, started_at, finished_at)
       SELECT x.run_id, step_id, ord, spec, status, attempts, task_id, batch_id, parameters, result, error,
              recovered, not_before, deadline_at, started_at, finished_at
         FROM jsonb_to_recordset($2::jsonb) AS x(run_id uuid, step_id text, ord int, spec jsonb, status text, attempts int,
              task_id uuid, batch_id uuid, parameters jsonb, result jsonb, error jsonb, recovered boolean,
              not_before timestamptz, deadline_at timestamptz, started_at timestamptz, finished_at timestamptz)
         JOIN r ON r.id = x.run_id`,
      [JSON.stringify(runs), JSON.stringify(steps)],
    );
  }

  /** @returns the run, or undefined */
  async findRun(id: string): Promise<WorkflowRunRow | undefined> {
    const rows = await this.q(`SELECT * FROM workflow_runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  /**
   * Locks runs (in id order: two replicas locking overlapping sets never deadlock).
   * Call inside {@link transaction}.
   */
  async lockRuns(ids: string[]): Promise<WorkflowRunRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.q(`SELECT * FROM workflow_runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    return rows.map(toRun);
  }

  /** @returns the steps of the runs, by run then definition order */
  async stepsOf(runIds: string[]): Promise<WorkflowStepRow[]> {
    if (runIds.length === 0) return [];
    const rows = await this.q(`SELECT * FROM workflow_steps WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, ord`, [runIds]);
    return rows.map(toStep);
  }

  /** Writes the mutable fields of steps, in one statement. */
  async updateSteps(steps: WorkflowStepRow[]): Promise<void> {
    if (steps.length === 0) return;
    await this.q(
      `UPDATE workflow_steps s SET status = x.status, attempts = x.attempts, task_id = x.task_id, batch_id = x.batch_id,
              parameters = x.parameters, result = x.result, error = x.error, recovered = x.recovered,
              not_before = x.not_before, deadline_at = x.deadline_at, started_at = x.started_at, finished_at = x.finished_at
         FROM jsonb_to_recordset($1::jsonb) AS x(run_id uuid, step_id text, status text, attempts int, task_id uuid,
              batch_id uuid, parameters jsonb, result jsonb, error jsonb, recovered boolean, not_before timestamptz,
              deadline_at timestamptz, started_at timestamptz, finished_at timestamptz)
        WHERE s.run_id = x.run_id AND s.step_id = x.step_id`,
      [JSON.stringify(steps.map(({ spec: _spec, ...rest }) => rest))],
    );
  }

  /** Writes the mutable fields of runs (status, failure, finish time), in one statement. */
  async updateRuns(runs: WorkflowRunRow[]): Promise<void> {
    if (runs.length === 0) return;
    await this.q(
      `UPDATE workflow_runs r SET status = x.status, failed_step = x.failed_step, error = x.error, finished_at = x.finished_at,
              updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, status text, failed_step text, error jsonb, finished_at timestamptz)
        WHERE r.id = x.id`,
      [JSON.stringify(runs.map((r) => ({ id: r.id, status: r.status, failed_step: r.failed_step, error: r.error, finished_at: r.finished_at })))],
    );
  }

  /**
   * Takes up to `limit` inbox events (oldest first), skipping rows another replica
   * holds, and deletes them: call inside {@link transaction}, so a rollback puts
   * them back.
   */
  async claimInbox(limit: number): Promise<WorkflowInboxEvent[]> {
    const rows = await this.q(
      // Wrapped in WITH ... SELECT: TypeORM returns [rows, count] for a bare DELETE.
      `WITH c AS (SELECT id FROM workflow_inbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),
       d AS (DELETE FROM workflow_inbox i USING c WHERE i.id = c.id RETURNING i.id, i.run_id, i.step_id, i.task_id, i.batch_id, i.status)
       SELECT * FROM d ORDER BY id`,
      [limit],
    );
    return rows.map((r) => ({
      run_id: String(r.run_id),
      step_id: String(r.step_id),
      task_id: (r.task_id as string | null) ?? null,
      batch_id: (r.batch_id as string | null) ?? null,
      status: String(r.status),
    }));
  }

  /**
   * Runs with work due by time: a `retrying` step whose delay passed, or a running
   * step past its deadline.
   */
  async dueRunIds(limit: number): Promise<string[]> {
    const rows = await this.q<{ run_id: string }[]>(
      `SELECT run_id FROM (
         (SELECT run_id FROM workflow_steps WHERE status = 'retrying' AND not_before <= now() ORDER BY not_before LIMIT $1)
         UNION
         (SELECT run_id FROM workflow_steps WHERE status IN ('running', 'recovering') AND deadline_at <= now()
           ORDER BY deadline_at LIMIT $1)) d`,
      [limit],
    );
    return rows.map((r) => String(r.run_id));
  }

  /** @returns status, result and error of tasks */
  async taskOutcomes(ids: string[]): Promise<TaskOutcome[]> {
    if (ids.length === 0) return [];
    const rows = await this.q(`SELECT id, status, result, error FROM tasks WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => ({
      id: String(r.id),
      status: r.status as TaskStatus,
      result: r.result ?? null,
      error: (r.error as TaskErrorInfo | null) ?? null,
    }));
  }

  /**
   * Reads a fairness key's virtual clock without locking it (see the brain's
   * FairShareLedger: the advance is written after the transaction commits).
   * @returns the virtual finish time, seconds, or null for a new key
   */
  async fairnessClock(key: string): Promise<number | null> {
    const rows = await this.q<{ v: number }[]>(`SELECT virtual_finish_s AS v FROM fairness_clocks WHERE key = $1`, [key]);
    return rows[0] ? Number(rows[0].v) : null;
  }

  /** Marks tasks as the given runs' steps (right after inserting them, same transaction). */
  async tagTasks(items: { id: string; run_id: string; step_id: string }[]): Promise<void> {
    if (items.length === 0) return;
    await this.q(
      `UPDATE tasks t SET workflow_run_id = x.run_id, workflow_step = x.step_id
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, run_id uuid, step_id text) WHERE t.id = x.id`,
      [JSON.stringify(items)],
    );
  }

  /**
   * Cancels the queued and retrying tasks among `taskIds` and of the batches
   * `batchIds` (existing cancel semantics: in-flight tasks finish), recording the
   * transitions. Locks in id order, like the lifecycle.
   * @returns number of tasks cancelled
   */
  async cancelTasks(taskIds: string[], batchIds: string[], error: TaskErrorInfo, reason: string): Promise<number> {
    if (taskIds.length === 0 && batchIds.length === 0) return 0;
    const pending = await this.q<{ id: string }[]>(
      `SELECT id FROM tasks WHERE (id = ANY($1::uuid[]) OR batch_id = ANY($2::uuid[])) AND status IN ('queued', 'retrying')
        ORDER BY id FOR UPDATE`,
      [taskIds, batchIds],
    );
    if (pending.length === 0) return 0;
    const cancelled = await this.q<Row[]>(
      `WITH c AS (
         UPDATE tasks t SET status = 'cancelled', finished_at = now(), updated_at = now(), not_before = NULL, error = $2::jsonb
           FROM tasks o
          WHERE o.id = t.id AND t.id = ANY($1::uuid[]) AND t.status IN ('queued', 'retrying')
         RETURNING t.id, t.attempts, o.status AS from_status)
       INSERT INTO task_transitions (task_id, from_status, to_status, attempt, reason)
       SELECT id, from_status, 'cancelled', attempts, $3 FROM c RETURNING task_id`,
      [pending.map((r) => r.id), JSON.stringify(error), reason],
    );
    return cancelled.length;
  }

  /**
   * Lists runs newest first (keyset on created_at, id).
   * @returns the page and the cursor of the next one (`<created_at>|<id>`)
   */
  async listRuns(filter: { status?: string; name?: string }, limit: number, cursor?: string): Promise<{ runs: WorkflowRunRow[]; next: string | null }> {
    const [at, id] = cursor ? cursor.split('|') : [null, null];
    const rows = await this.q(
      `SELECT * FROM workflow_runs
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR name = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [filter.status ?? null, filter.name ?? null, at, id, limit + 1],
    );
    const page = rows.slice(0, limit).map(toRun);
    const last = page[page.length - 1];
    return { runs: page, next: rows.length > limit && last ? `${last.created_at}|${last.id}` : null };
  }

  /**
   * Saves a definition as the next version of its name (versions of one name are
   * serialised by a transaction-scoped advisory lock). Call inside {@link transaction}.
   * @returns the stored row
   */
  async insertDefinition(name: string, description: string | null, spec: unknown): Promise<WorkflowDefinitionRow> {
    await this.q(`SELECT pg_advisory_xact_lock(hashtext('workflow_definition:' || $1))`, [name]);
    const rows = await this.q(
      `INSERT INTO workflow_definitions (name, version, description, spec)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3::jsonb FROM workflow_definitions WHERE name = $1
       RETURNING *`,
      [name, description, JSON.stringify(spec)],
    );
    return toDefinition(rows[0]);
  }

  /** @returns the definition (latest version when `version` is absent), or undefined */
  async findDefinition(name: string, version?: number): Promise<WorkflowDefinitionRow | undefined> {
    const rows = await this.q(
      `SELECT * FROM workflow_definitions WHERE name = $1 AND ($2::int IS NULL OR version = $2) ORDER BY version DESC LIMIT 1`,
      [name, version ?? null],
    );
    return rows[0] ? toDefinition(rows[0]) : undefined;
  }

  /** @returns the latest version of every definition, by name */
  async listDefinitions(): Promise<WorkflowDefinitionRow[]> {
    const rows = await this.q(`SELECT DISTINCT ON (name) * FROM workflow_definitions ORDER BY name, version DESC`);
    return rows.map(toDefinition);
  }
}

function toDefinition(r: Row): WorkflowDefinitionRow {
  return {
    name: String(r.name),
    version: Number(r.version),
    description: (r.description as string | null) ?? null,
    spec: r.spec,
    created_at: iso(r.created_at) as string,
  };
}
