import { DataSource } from 'typeorm';

/** A stored context. */
export interface MemoryContextRow {
  context_id: string;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

/** Outcome of {@link MemoryContextRepository.patch}. */
export type PatchOutcome = { status: 'updated'; context: MemoryContextRow } | { status: 'not_found' } | { status: 'too_large' };

const COLUMNS = 'context_id, data, created_at, updated_at, expires_at';

function toRow(r: MemoryContextRow): MemoryContextRow {
  return { ...r, created_at: new Date(r.created_at), updated_at: new Date(r.updated_at), expires_at: new Date(r.expires_at) };
}

/**
 * SQL access to `memory_contexts` (seed 002 "Context: active execution
 * contexts"). A context whose `expires_at` has passed does not exist for any read
 * or write (it is purged later by {@link purgeExpired}). Sizes are measured as
 * PostgreSQL prints the stored JSON (`octet_length(data::text)`), on put and after
 * a merge alike. Times come from the database clock (`now()`).
 */
export class MemoryContextRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Creates the context, or replaces an existing one (expired or not) entirely:
   * new data, `created_at` = `updated_at` = now, `expires_at` = now + `ttlS`.
   * @param maxBytes largest data allowed
   * @returns the context, or undefined when `data` exceeds `maxBytes`
   */
  async put(contextId: string, data: Record<string, unknown>, ttlS: number, maxBytes: number): Promise<MemoryContextRow | undefined> {
    const rows = (await this.db.query(
      `INSERT INTO memory_contexts (context_id, data, created_at, updated_at, expires_at)
       SELECT $1, d, now(), now(), now() + make_interval(secs => $3)
         FROM (SELECT $2::jsonb AS d) x
        WHERE octet_length(d::text) <= $4
       ON CONFLICT (context_id) DO UPDATE SET
         data = excluded.data, created_at = excluded.created_at, updated_at = excluded.updated_at, expires_at = excluded.expires_at
       RETURNING ${COLUMNS}`,
      [contextId, JSON.stringify(data), ttlS, maxBytes],
    )) as MemoryContextRow[];
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** @returns the context, or undefined when absent or expired */
  async get(contextId: string): Promise<MemoryContextRow | undefined> {
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM memory_contexts WHERE context_id = $1 AND expires_at > now()`, [
      contextId,
    ])) as MemoryContextRow[];
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /**
   * Shallow merge (`data || patch`: the patch's top-level keys replace the
   * context's) and, when `ttlS` is given, a new expiry of now + `ttlS`.
   * @param patch keys to set (none: only the expiry and `updated_at` change)
   * @param maxBytes largest merged data allowed
   */
  async patch(contextId: string, patch: Record<string, unknown> | undefined, ttlS: number | undefined, maxBytes: number): Promise<PatchOutcome> {
    const rows = (await this.db.query(
      `UPDATE memory_contexts
          SET data = data || $2::jsonb,
              updated_at = now(),
              expires_at = CASE WHEN $3::int IS NULL THEN expires_at ELSE now() + make_interval(secs => $3::int) END
        WHERE context_id = $1 AND expires_at > now() AND octet_length((data || $2::jsonb)::text) <= $4
        RETURNING ${COLUMNS}`,
      [contextId, JSON.stringify(patch ?? {}), ttlS ?? null, maxBytes],
    )) as [MemoryContextRow[], number];
    const updated = rows[0]?.[0];
    if (updated) return { status: 'updated', context: toRow(updated) };
    return (await this.get(contextId)) ? { status: 'too_large' } : { status: 'not_found' };
  }

  /**
   * Deletes the context (an expired one too, but that counts as absent).
   * @returns whether a live context was deleted
   */
  async delete(contextId: string): Promise<boolean> {
    const rows = (await this.db.query(`DELETE FROM memory_contexts WHERE context_id = $1 RETURNING expires_at > now() AS live`, [
      contextId,
    ])) as [{ live: boolean }[], number];
    return rows[0]?.[0]?.live === true;
  }

  /** @returns the number of contexts that have not expired */
  async countLive(): Promise<number> {
    const [row] = (await this.db.query(`SELECT count(*)::int AS n FROM memory_contexts WHERE expires_at > now()`)) as { n: number }[];
    return Number(row?.n ?? 0);
  }

  /**
   * Deletes expired contexts, at most `limit` per call (keeps each purge short).
   * @returns number deleted
   */
  async purgeExpired(limit = 10_000): Promise<number> {
    const res = (await this.db.query(
      `DELETE FROM memory_contexts WHERE context_id IN (
         SELECT context_id FROM memory_contexts WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)`,
      [limit],
    )) as [unknown[], number];
    return res[1] ?? 0;
  }
}
