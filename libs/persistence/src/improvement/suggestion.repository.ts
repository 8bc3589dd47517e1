import { DataSource, EntityManager } from 'typeorm';
import type {
  AnalysisSummary,
  MetricDirection,
  SuggestionAction,
  SuggestionCategory,
  SuggestionEvidence,
  SuggestionImpact,
  SuggestionPriority,
  SuggestionRule,
  SuggestionStatus,
  SuggestionView,
} from '@apiary/contracts';

/** A rule's finding, ready to be suggested (or to update the open suggestion of its key). */
export interface SuggestionDraft {
  key: string;
  rule: SuggestionRule;
  task_type: string | null;
  service: string | null;
  priority: SuggestionPriority;
  category: SuggestionCategory;
  title: string;
  description: string;
  action: SuggestionAction;
  evidence: SuggestionEvidence;
  direction: MetricDirection;
}

/** A stored suggestion: its public view plus what impact tracking needs. */
export interface SuggestionRecord {
  view: SuggestionView;
  /** Direction of the evidence metric. */
  direction: MetricDirection;
  /** When the pending impact measurement is due; null when none is pending. */
  impactDueAt: Date | null;
}

/** Changes a decision makes to a suggestion; absent fields keep their value. */
export interface SuggestionPatch {
  status?: SuggestionStatus;
  decided_at?: Date | null;
  decided_by?: string | null;
  decision_reason?: string | null;
  implemented_at?: Date | null;
  impact?: SuggestionImpact | null;
  impact_due_at?: Date | null;
}

/** Outcome of {@link SuggestionRepository.upsertFindings}. */
export interface UpsertOutcome {
  created: SuggestionRecord[];
  updated: SuggestionRecord[];
  /** Keys not suggested because they were rejected after the snooze limit. */
  suppressed: string[];
}

/** Filter and page of {@link SuggestionRepository.list}. */
export interface SuggestionFilter {
  status?: SuggestionStatus;
  priority?: SuggestionPriority;
}

const COLUMNS = `id, key, rule, task_type, service, priority, category, title, description, action, evidence, direction,
  auto_apply, status, occurrences, first_seen_at, last_seen_at, decided_at, decided_by, decision_reason, implemented_at,
  impact, impact_due_at, created_at, updated_at`;

type Row = Record<string, unknown>;

function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** Maps a row of `improvement_suggestions` to a {@link SuggestionRecord}. */
function toRecord(r: Row): SuggestionRecord {
  const view: SuggestionView = {
    id: String(r.id),
    key: String(r.key),
    rule: r.rule as SuggestionRule,
    task_type: (r.task_type as string | null) ?? null,
    service: (r.service as string | null) ?? null,
    priority: r.priority as SuggestionPriority,
    category: r.category as SuggestionCategory,
    title: String(r.title),
    description: String(r.description),
    action: r.action as SuggestionAction,
    evidence: r.evidence as SuggestionEvidence,
    auto_apply: false,
    requires: 'MANUAL_APPROVAL',
    status: r.status as SuggestionStatus,
    occurrences: Number(r.occurrences),
    first_seen_at: iso(r.first_seen_at),
    last_seen_at: iso(r.last_seen_at),
    decided_at: isoOrNull(r.decided_at),
    decided_by: (r.decided_by as string | null) ?? null,
    decision_reason: (r.decision_reason as string | null) ?? null,
    implemented_at: isoOrNull(r.implemented_at),
    impact: (r.impact as SuggestionImpact | null) ?? null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
  return {
    view,
    direction: r.direction as MetricDirection,
    impactDueAt: r.impact_due_at ? new Date(iso(r.impact_due_at)) : null,
  };
}

/** Row counts of the report: status × priority. */
export interface SuggestionCount {
  status: SuggestionStatus;
  priority: SuggestionPriority;
  count: number;
}

/**
 * SQL access to `improvement_suggestions` and `improvement_analyses` for the
 * self-improvement service. Times written are the caller's clock (`at`), so a
 * service with an injected clock stores what it reasons with.
 */
export class SuggestionRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Upserts an analysis' findings in one statement: a key with an open or approved
   * suggestion updates it (evidence, priority, last seen, occurrences + 1; title,
   * description and action only while open, so an approval stays about what was
   * approved); any other key gets a new open suggestion, unless a suggestion of
   * that key was rejected after `snoozeSince` (then it is suppressed).
   * @param drafts findings with distinct keys
   * @param at analysis time (first/last seen, created/updated)
   * @param snoozeSince rejections after this time suppress their key
   * @param newId id generator for new suggestions
   */
  async upsertFindings(drafts: SuggestionDraft[], at: Date, snoozeSince: Date, newId: () => string): Promise<UpsertOutcome> {
    if (drafts.length === 0) return { created: [], updated: [], suppressed: [] };
    const keys = drafts.map((d) => d.key);
    const snoozed: { key: string }[] = await this.db.query(
      `SELECT DISTINCT r.key FROM improvement_suggestions r
        WHERE r.key = ANY($1::text[]) AND r.status = 'rejected' AND r.decided_at > $2
          AND NOT EXISTS (SELECT 1 FROM improvement_suggestions a WHERE a.key = r.key AND a.status IN ('open', 'approved'))`,
      [keys, snoozeSince],
    );
    const suppressed = new Set(snoozed.map((s) => s.key));
    const kept = drafts.filter((d) => !suppressed.has(d.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (kept.length === 0) return { created: [], updated: [], suppressed: [...suppressed] };
    const rows: Row[] = await this.db.query(
      `WITH f AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS f(
           id uuid, key text, rule text, task_type text, service text, priority text, category text, title text,
           description text, action text, evidence jsonb, direction text, ord int)
       )
       INSERT INTO improvement_suggestions AS s
         (id, key, rule, task_type, service, priority, category, title, description, action, evidence, direction,
          first_seen_at, last_seen_at, created_at, updated_at)
       SELECT id, key, rule, task_type, service, priority, category, title, description, action, evidence, direction,
              $2, $2, $2, $2
         FROM f ORDER BY ord
       ON CONFLICT (key) WHERE status IN ('open', 'approved') DO UPDATE SET
         evidence = excluded.evidence,
         priority = excluded.priority,
         direction = excluded.direction,
         title = CASE WHEN s.status = 'open' THEN excluded.title ELSE s.title END,
         description = CASE WHEN s.status = 'open' THEN excluded.description ELSE s.description END,
         action = CASE WHEN s.status = 'open' THEN excluded.action ELSE s.action END,
         category = CASE WHEN s.status = 'open' THEN excluded.category ELSE s.category END,
         last_seen_at = excluded.last_seen_at,
         occurrences = s.occurrences + 1,
         updated_at = excluded.updated_at
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [JSON.stringify(kept.map((d, ord) => ({ ...d, id: newId(), ord }))), at],
    );
    const created: SuggestionRecord[] = [];
    const updated: SuggestionRecord[] = [];
    for (const r of rows) (r.inserted ? created : updated).push(toRecord(r));
    return { created, updated, suppressed: [...suppressed] };
  }

  /** @returns the suggestion, or undefined */
  async get(id: string): Promise<SuggestionRecord | undefined> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM improvement_suggestions WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Suggestions newest first, keyset-paginated on (created_at, id).
   * @param cursor `<created_at ISO>|<id>` of the last row of the previous page
   * @returns the page and the next cursor (null on the last page)
   */
  async list(filter: SuggestionFilter, limit: number, cursor?: string): Promise<{ items: SuggestionRecord[]; next: string | null }> {
    const [at, id] = cursor ? cursor.split('|') : [null, null];
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM improvement_suggestions
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR priority = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [filter.status ?? null, filter.priority ?? null, at, id, limit + 1],
    );
    const items = rows.slice(0, limit).map(toRecord);
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? `${last.view.created_at}|${last.view.id}` : null };
  }

  /**
   * Locks one suggestion, lets `decide` compute the change (or throw, which rolls
   * back), and applies it.
   * @param id suggestion id
   * @param decide the domain decision over the locked current state
   * @param at time of the change (`updated_at`)
   * @returns the updated suggestion, or undefined when it does not exist
   */
  async update(id: string, decide: (current: SuggestionRecord) => SuggestionPatch, at: Date): Promise<SuggestionRecord | undefined> {
    return this.db.transaction(async (em: EntityManager) => {
      const rows: Row[] = await em.query(`SELECT ${COLUMNS} FROM improvement_suggestions WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) return undefined;
      const patch = decide(toRecord(rows[0]));
      const sets: string[] = [];
      const params: unknown[] = [id];
      for (const [column, value] of Object.entries(patch) as [keyof SuggestionPatch, unknown][]) {
        if (value === undefined) continue;
        params.push(column === 'impact' && value !== null ? JSON.stringify(value) : value);
        sets.push(`"${column}" = $${params.length}${column === 'impact' ? '::jsonb' : ''}`);
      }
      params.push(at);
      sets.push(`updated_at = $${params.length}`);
      // A bare UPDATE replies [rows, count] through TypeORM; a CTE replies rows.
      const updated: Row[] = await em.query(
        `WITH up AS (UPDATE improvement_suggestions SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}) SELECT * FROM up`,
        params,
      );
      const row = updated[0];
      if (!row) throw new Error(`improvement_suggestions update of ${id} returned no row`);
      return toRecord(row);
    });
  }

  /**
   * Implemented suggestions whose impact measurement is due.
   * @param now measurements due at or before this time
   * @param id only this suggestion
   * @param limit most rows returned, earliest due first
   */
  async dueImpacts(now: Date, limit: number, id?: string): Promise<SuggestionRecord[]> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM improvement_suggestions
        WHERE impact_due_at IS NOT NULL AND impact_due_at <= $1 AND ($2::uuid IS NULL OR id = $2)
        ORDER BY impact_due_at LIMIT $3`,
      [now, id ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /**
   * Stores a measured impact, unless another replica stored one first.
   * @returns whether this call stored it
   */
  async recordImpact(id: string, impact: SuggestionImpact, at: Date): Promise<boolean> {
    const rows: Row[] = await this.db.query(
      `WITH up AS (
         UPDATE improvement_suggestions SET impact = $2::jsonb, impact_due_at = NULL, updated_at = $3
          WHERE id = $1 AND impact_due_at IS NOT NULL RETURNING id)
       SELECT id FROM up`,
      [id, JSON.stringify(impact), at],
    );
    return rows.length === 1;
  }

  /** @returns suggestion counts per (status, priority) */
  async counts(): Promise<SuggestionCount[]> {
    const rows: { status: SuggestionStatus; priority: SuggestionPriority; n: string }[] = await this.db.query(
      `SELECT status, priority, count(*) AS n FROM improvement_suggestions GROUP BY status, priority`,
    );
    return rows.map((r) => ({ status: r.status, priority: r.priority, count: Number(r.n) }));
  }

  /**
   * Implemented suggestions with a measured (or no-data) impact, latest measurement
   * first, the number still pending, and the mean improvement of all measured ones.
   */
  async impacts(limit: number): Promise<{ measured: SuggestionRecord[]; pending: number; average: number | null }> {
    const measured: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM improvement_suggestions
        WHERE status = 'implemented' AND impact IS NOT NULL AND impact_due_at IS NULL
        ORDER BY impact->>'measured_at' DESC, id LIMIT $1`,
      [limit],
    );
    const [agg]: { pending: string; average: number | null }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE impact_due_at IS NOT NULL) AS pending,
              avg((impact->>'improvement')::float8) FILTER (WHERE impact_due_at IS NULL AND impact->>'status' = 'measured') AS average
         FROM improvement_suggestions WHERE status = 'implemented'`,
    );
    return {
      measured: measured.map(toRecord),
      pending: Number(agg?.pending ?? 0),
      average: agg?.average === null || agg?.average === undefined ? null : Number(agg.average),
    };
  }

  /** Records an analysis run. */
  async insertAnalysis(a: AnalysisSummary): Promise<void> {
    await this.db.query(
      `INSERT INTO improvement_analyses (id, trigger, window_from, window_to, window_hours, started_at, finished_at,
                                         findings, created, updated, suppressed, sources)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)`,
      [
        a.analysis_id, a.trigger, a.window.from, a.window.to, a.window.hours, a.started_at, a.finished_at,
        a.findings, a.created, a.updated, a.suppressed, JSON.stringify(a.sources),
      ],
    );
  }

  /**
   * @param trigger only runs of this trigger (any when absent)
   * @returns the latest analysis run, or null
   */
  async lastAnalysis(trigger?: AnalysisSummary['trigger']): Promise<AnalysisSummary | null> {
    const rows: Row[] = await this.db.query(
      `SELECT * FROM improvement_analyses WHERE ($1::text IS NULL OR trigger = $1) ORDER BY started_at DESC LIMIT 1`,
      [trigger ?? null],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      analysis_id: String(r.id),
      trigger: r.trigger as AnalysisSummary['trigger'],
      window: { from: iso(r.window_from), to: iso(r.window_to), hours: Number(r.window_hours) },
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
      findings: Number(r.findings),
      created: Number(r.created),
      updated: Number(r.updated),
      suppressed: Number(r.suppressed),
      sources: r.sources as AnalysisSummary['sources'],
    };
  }

  /**
   * Runs `fn` only if this replica takes the PostgreSQL advisory lock `key` (held on
   * one pooled connection for the duration); another holder means skip.
   * @returns `{ ran: true, result }`, or `{ ran: false }` when the lock was taken
   */
  async withTryLock<T>(key: number, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [row]: { ok: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      if (!row?.ok) return { ran: false };
      try {
        return { ran: true, result: await fn() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
