import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';

/**
 * The brain's decision counters of one task type (seed 002
 * `get_performance_summary`): decisions made and the sum of their confidences.
 */
@Entity({ name: 'decision_counters' })
export class DecisionCounterEntity {
  @PrimaryColumn('text', { name: 'task_type' })
  taskType!: string;

  @Column('bigint', { default: 0 })
  decisions!: string;

  @Column('double precision', { name: 'confidence_sum', default: 0 })
  confidenceSum!: number;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}

/** Decisions of one task type: how many, and their confidences summed. */
export interface DecisionCount {
  task_type: string;
  decisions: number;
  confidence_sum: number;
}

/** SQL access to `decision_counters` (orchestrator-brain). */
export class DecisionCounterRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Adds counts, one multi-row upsert (rows in task type order, the lock order of
   * every replica).
   * @param counts at most one entry per task type
   */
  async add(counts: DecisionCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.db.query(
      `INSERT INTO decision_counters AS t (task_type, decisions, confidence_sum)
       SELECT task_type, decisions, confidence_sum
         FROM jsonb_to_recordset($1::jsonb) AS x(task_type text, decisions bigint, confidence_sum double precision)
        ORDER BY task_type
       ON CONFLICT (task_type) DO UPDATE SET
         decisions = t.decisions + excluded.decisions,
         confidence_sum = t.confidence_sum + excluded.confidence_sum,
         updated_at = now()`,
      [JSON.stringify(counts)],
    );
  }

  /** @returns every task type's counters, ordered by task type */
  async all(): Promise<DecisionCount[]> {
    const rows = (await this.db.query(
      `SELECT task_type, decisions::float8 AS decisions, confidence_sum FROM decision_counters ORDER BY task_type`,
    )) as DecisionCount[];
    return rows.map((r) => ({ task_type: r.task_type, decisions: Number(r.decisions), confidence_sum: Number(r.confidence_sum) }));
  }
}
