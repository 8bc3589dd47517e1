import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DataSource } from 'typeorm';

/** A task type's priority multiplier set through `PUT /priority/multipliers`. */
@Entity({ name: 'priority_multipliers' })
export class PriorityMultiplierEntity {
  @PrimaryColumn('text')
  type!: string;

  @Column('double precision')
  multiplier!: number;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}

/** SQL access to `priority_multipliers`. */
export class PriorityMultiplierRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns every stored multiplier by task type */
  async all(): Promise<Record<string, number>> {
    const rows = await this.db.query(`SELECT type, multiplier FROM priority_multipliers`);
    return Object.fromEntries((rows as { type: string; multiplier: number }[]).map((r) => [r.type, Number(r.multiplier)]));
  }

  /**
   * Sets (value > 0) or removes (null) multipliers, in one transaction.
   * @param changes task type → multiplier or null
   */
  async apply(changes: Record<string, number | null>): Promise<void> {
    const set = Object.entries(changes).filter(([, v]) => v !== null);
    const removed = Object.entries(changes).filter(([, v]) => v === null).map(([k]) => k);
    await this.db.transaction(async (em) => {
      if (set.length > 0) {
        await em.query(
          `INSERT INTO priority_multipliers (type, multiplier)
           SELECT key, value::float8 FROM jsonb_each_text($1::jsonb)
           ON CONFLICT (type) DO UPDATE SET multiplier = excluded.multiplier, updated_at = now()`,
          [JSON.stringify(Object.fromEntries(set))],
        );
      }
      if (removed.length > 0) await em.query(`DELETE FROM priority_multipliers WHERE type = ANY($1::text[])`, [removed]);
    });
  }
}
