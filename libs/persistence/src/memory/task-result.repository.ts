import { DataSource } from 'typeorm';
import type { MemoryResult, TaskParams } from '@apiary/contracts';
import { retryTransaction } from '../retry-transaction';
import { ALL_SERVICES, MemoryStatsRepository } from './memory-stats.repository';
import { RunnerStatsRepository } from './runner-stats.repository';
import { ServiceStatSample, ServiceStatsRepository } from './service-stats.repository';

/** One result row as memory writes it. */
export interface TaskResultRow {
  task_id: string;
  attempt: number;
  type: string;
  handler: string;
  /** Routed service whose reply (or last failure) is the outcome; null for built-in handlers. */
  service: string | null;
  bot_id: string | null;
  swarm_id: string | null;
  context_id: string | null;
  success: boolean;
  error_code: string | null;
  error_message: string | null;
  latency_ms: number;
  runner: string;
  result: unknown;
  /** Digest of the task's input data (what parameter patterns learn from). */
  params: TaskParams | null;
  started_at: string;
  finished_at: string;
  /** Model that produced the result (`llm.chat`). */
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Price of the attempt's calls, USD. */
  cost_usd: number | null;
  /** Served from the result cache. */
  cached: boolean;
  /** Id of the API key that submitted the task. */
  api_key: string | null;
}

/**
 * A stored result as memory lists it: the contract's `MemoryResult` with the
 * finish time as read from PostgreSQL (results over `maxResultBytes` replaced by null).
 */
export type StoredResult = Omit<MemoryResult, 'finished_at'> & { finished_at: Date };

/** Outcome and parameter digest of one sampled result (parameter patterns). */
export interface ParamsSample {
  success: boolean;
  params: TaskParams | null;
}

/** Key of a result: one row per (task id, attempt). */
function resultKey(taskId: string, attempt: number): string {
  return `${taskId.toLowerCase()}:${attempt}`;
}

/** Columns of a listed result; `$N` is the size limit of a listed result body. */
function listedColumns(maxBytesParam: string): string {
  return `task_id, attempt, type, handler, service, bot_id, swarm_id, context_id, success, error_code, error_message, latency_ms,
          runner, finished_at,
          CASE WHEN result IS NULL OR octet_length(result::text) <= ${maxBytesParam} THEN result END AS result,
          (result IS NOT NULL AND octet_length(result::text) > ${maxBytesParam}) AS result_truncated`;
}

function toStored(r: StoredResult): StoredResult {
  return { ...r, latency_ms: Number(r.latency_ms), finished_at: new Date(r.finished_at) };
}

/**
 * What a stored result teaches at the task-type level and about its runner: one
 * sample per result, service {@link ALL_SERVICES}.
 */
export function typeSample(r: TaskResultRow): ServiceStatSample {
  return {
    task_type: r.type, service: ALL_SERVICES, success: r.success, latency_ms: r.latency_ms, at: r.finished_at,
    error_code: r.error_code, error_message: r.error_message,
  };
}

/**
 * SQL access to `task_results` for the memory service. Writes are one multi-row
 * statement per batch and idempotent by (task id, attempt).
 */
export class TaskResultRepository {
  /**
   * @param db connected data source
   * @param now clock, ms (retention cut-offs of the statistics; injected for tests)
   */
  constructor(
    private readonly db: DataSource,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Inserts results; rows already stored for the same (task id, attempt), or
   * repeated within `rows`, are skipped. When `statsOf` is given, what the rows
   * newly stored teach (known from the insert's `RETURNING`) is added in the same
   * transaction: `service_stats` (per service and minute: the brain's cheap path),
   * `memory_stats` (per service and per task type, minute and hour buckets, latency
   * histograms and error patterns) and `runner_stats` (per replica). So a
   * redelivered result is counted once and a counted result is always stored.
   * Every writer takes row locks in the same order (results, then each table in key
   * order); the whole transaction runs again on a deadlock.
   * @param rows results of one batch
   * @param statsOf per-service outcomes to count for the rows actually inserted (called with
   *   the very objects of `rows` that were inserted)
   * @returns number of rows actually inserted
   */
  async insertMany(rows: TaskResultRow[], statsOf?: (stored: TaskResultRow[]) => ServiceStatSample[]): Promise<number> {
    const unique = new Map<string, TaskResultRow>();
    for (const r of rows) {
      const key = resultKey(r.task_id, r.attempt);
      if (!unique.has(key)) unique.set(key, r);
    }
    if (unique.size === 0) return 0;
    // Key order: concurrent replicas inserting overlapping batches lock in one order.
    const ordered = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    const payload = JSON.stringify(ordered);
    return retryTransaction(() =>
      this.db.transaction(async (em) => {
        const inserted = (await em.query(
          `INSERT INTO task_results (task_id, attempt, type, handler, service, bot_id, swarm_id, context_id, success, error_code,
                                     error_message, latency_ms, runner, result, params, started_at, finished_at,
                                     model, prompt_tokens, completion_tokens, cost_usd, cached, api_key)
           SELECT task_id, attempt, type, handler, service, bot_id, swarm_id, context_id, success, error_code, error_message,
                  latency_ms, runner, result, params, started_at, finished_at,
                  model, prompt_tokens, completion_tokens, cost_usd, coalesce(cached, false), api_key
             FROM jsonb_to_recordset($1::jsonb) AS x(task_id uuid, attempt int, type text, handler text, service text, bot_id text,
                  swarm_id text, context_id text, success boolean, error_code text, error_message text, latency_ms double precision,
                  runner text, result jsonb, params jsonb, started_at timestamptz, finished_at timestamptz,
                  model text, prompt_tokens int, completion_tokens int, cost_usd double precision, cached boolean, api_key text)
           ON CONFLICT (task_id, attempt) DO NOTHING
           RETURNING task_id, attempt`,
          [payload],
        )) as { task_id: string; attempt: number }[];
        if (statsOf && inserted.length > 0) {
          const stored = inserted.map((r) => unique.get(resultKey(r.task_id, r.attempt))).filter((r): r is TaskResultRow => r !== undefined);
          const nowMs = this.now();
          const calls = statsOf(stored);
          // Results served from the cache ran nowhere: they are stored, not learned from.
          const ran = stored.filter((r) => !r.cached);
          await ServiceStatsRepository.add(em, calls);
          await MemoryStatsRepository.add(em, [...ran.map(typeSample), ...calls], nowMs);
          await RunnerStatsRepository.add(
            em,
            ran.map((r) => ({ runner: r.runner, latency_ms: r.latency_ms, at: r.finished_at })),
            nowMs,
          );
        }
        return inserted.length;
      }),
    );
  }

  /**
   * Ranks past results of a task type (seed 002 `get_relevant_memories`): among the
   * `candidates` newest results that finished since `since` (an index range scan on
   * (type, finished_at): bounded whatever the history), results of `contextId`
   * first (when given), then successful before failed, then newest first.
   * @param maxResultBytes larger result bodies are listed as null, `result_truncated`
   */
  async relevant(opts: { taskType: string; since: Date; limit: number; candidates: number; contextId?: string; maxResultBytes: number }): Promise<StoredResult[]> {
    const rows = (await this.db.query(
      `SELECT ${listedColumns('$6')}
         FROM (SELECT * FROM task_results WHERE type = $1 AND finished_at >= $2::timestamptz
               ORDER BY finished_at DESC LIMIT $3) c
        ORDER BY ($4::text IS NOT NULL AND context_id IS NOT DISTINCT FROM $4::text) DESC, success DESC, finished_at DESC,
                 task_id, attempt
        LIMIT $5`,
      [opts.taskType, opts.since.toISOString(), opts.candidates, opts.contextId ?? null, opts.limit, opts.maxResultBytes],
    )) as StoredResult[];
    return rows.map(toStored);
  }

  /**
   * Short-term memory: the `limit` results that finished last (index on finished_at).
   * @param maxResultBytes larger result bodies are listed as null, `result_truncated`
   */
  async latest(limit: number, maxResultBytes: number): Promise<StoredResult[]> {
    const rows = (await this.db.query(
      `SELECT ${listedColumns('$2')} FROM task_results ORDER BY finished_at DESC, task_id, attempt LIMIT $1`,
      [limit, maxResultBytes],
    )) as StoredResult[];
    return rows.map(toStored);
  }

  /** @returns min(`limit`, number of results stored), reading at most `limit` index entries */
  async countLatest(limit: number): Promise<number> {
    const [row] = (await this.db.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM task_results ORDER BY finished_at DESC LIMIT $1) s`,
      [limit],
    )) as { n: number }[];
    return Number(row?.n ?? 0);
  }

  /**
   * Outcome and parameter digest of the `sample` newest results of a type that
   * finished since `since` (bounded: reads at most `sample` rows).
   */
  async paramsSample(taskType: string, since: Date, sample: number): Promise<ParamsSample[]> {
    return (await this.db.query(
      `SELECT success, params FROM task_results WHERE type = $1 AND finished_at >= $2::timestamptz ORDER BY finished_at DESC LIMIT $3`,
      [taskType, since.toISOString(), sample],
    )) as ParamsSample[];
  }
}
