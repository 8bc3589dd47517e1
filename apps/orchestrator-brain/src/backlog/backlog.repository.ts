import type { DataSource } from 'typeorm';

/** Counts of one task type, as read by {@link BacklogRepository.countsByType}. */
export interface TypeBacklogRow {
  task_type: string;
  queued: number;
  retrying: number;
  in_flight: number;
  arrivals: number;
  completions: number;
  /** Age of the oldest `queued` task, ms; null when none is queued. */
  oldest_queued_age_ms: number | null;
}

/** What {@link BacklogRepository.countsByType} returns: per-type rows and the database time they are taken at. */
export interface BacklogCounts {
  at: Date;
  rows: TypeBacklogRow[];
}

/**
 * The backlog query over `tasks`, kept to index scans whatever the table size
 * (migration `Improvement1763980000000`):
 * - waiting tasks (`queued`, `retrying`): index-only scan of `tasks_waiting`
 *   (status, type, created_at), O(waiting tasks);
 * - in-flight tasks (`dispatched`, `running`): `tasks_inflight_lease`, O(dispatch window);
 * - finished in the window: range scan of `tasks_finished` (finished_at, type,
 *   created_at), O(completions in the window).
 *
 * Arrivals in the window (tasks with `created_at` in it) are counted without an
 * index on `created_at` over all rows: every task is waiting, in flight or
 * finished, and one created in the window that has finished, finished in it; so
 * arrivals = waiting + in-flight + finished-in-window rows created in the window.
 * Times use the database clock (`now()`).
 */
export class BacklogRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * @param windowS flow window, seconds back from now
   * @returns per task type counts (types with nothing waiting, in flight, created or finished in the window are absent)
   */
  async countsByType(windowS: number): Promise<BacklogCounts> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `WITH w AS (
         SELECT type,
                count(*) FILTER (WHERE status = 'queued') AS queued,
                count(*) FILTER (WHERE status = 'retrying') AS retrying,
                count(*) FILTER (WHERE created_at >= now() - make_interval(secs => $1::float8)) AS arrivals,
                min(created_at) FILTER (WHERE status = 'queued') AS oldest
           FROM tasks WHERE status IN ('queued', 'retrying') GROUP BY type
       ), f AS (
         SELECT type, count(*) AS in_flight,
                count(*) FILTER (WHERE created_at >= now() - make_interval(secs => $1::float8)) AS arrivals
           FROM tasks WHERE status IN ('dispatched', 'running') GROUP BY type
       ), d AS (
         SELECT type, count(*) AS completions,
                count(*) FILTER (WHERE created_at >= now() - make_interval(secs => $1::float8)) AS arrivals
           FROM tasks WHERE finished_at >= now() - make_interval(secs => $1::float8) GROUP BY type
       ), x AS (
         SELECT type, queued, retrying, 0::bigint AS in_flight, arrivals, 0::bigint AS completions, oldest FROM w
         UNION ALL SELECT type, 0, 0, in_flight, arrivals, 0, NULL FROM f
         UNION ALL SELECT type, 0, 0, 0, arrivals, completions, NULL FROM d
       )
       SELECT type, sum(queued) AS queued, sum(retrying) AS retrying, sum(in_flight) AS in_flight,
              sum(arrivals) AS arrivals, sum(completions) AS completions,
              extract(epoch FROM now() - min(oldest)) * 1000 AS oldest_age_ms, now() AS at
         FROM x GROUP BY type
        UNION ALL SELECT NULL, 0, 0, 0, 0, 0, NULL, now()
        ORDER BY type NULLS LAST`,
      [windowS],
    );
    // The last row (type NULL) always exists and carries the database time.
    const clock = rows[rows.length - 1];
    return {
      at: clock?.at instanceof Date ? clock.at : new Date(String(clock?.at)),
      rows: rows
        .filter((r) => r.type !== null)
        .map((r) => ({
          task_type: String(r.type),
          queued: Number(r.queued),
          retrying: Number(r.retrying),
          in_flight: Number(r.in_flight),
          arrivals: Number(r.arrivals),
          completions: Number(r.completions),
          oldest_queued_age_ms: r.oldest_age_ms === null ? null : Math.max(0, Math.round(Number(r.oldest_age_ms))),
        })),
    };
  }
}
