import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Fleet-wide counters kept in the same transactions as the changes they count, so
 * `GET /bots/stats` reads a handful of rows instead of scanning 50,000 bots.
 * Keys: `bots.total_created`, `bots.active`, `bots.active.<tier>`, `swarms.active`,
 * `tasks.executed`.
 */
@Entity({ name: 'fleet_counters' })
export class FleetCounterEntity {
  @PrimaryColumn('text')
  key!: string;

  @Column('bigint', { default: 0 })
  value!: string;
}

/**
 * Per fairness key virtual clock (stride scheduling): the virtual finish time, in
 * seconds, of the last task queued for the key.
 */
@Entity({ name: 'fairness_clocks' })
export class FairnessClockEntity {
  @PrimaryColumn('text')
  key!: string;

  @Column('double precision', { name: 'virtual_finish_s' })
  virtualFinishS!: number;
}

/**
 * Progress of one batch by status bucket, kept exact by a trigger on
 * `task_transitions` (migration BatchCounters): `GET /swarms/{id}/batches/{id}`
 * reads one row instead of counting up to 50,000 tasks.
 */
@Entity({ name: 'batch_counters' })
export class BatchCounterEntity {
  @PrimaryColumn('uuid', { name: 'batch_id' })
  batchId!: string;

  @Column('bigint', { default: 0 })
  total!: string;

  /** queued + retrying */
  @Column('bigint', { default: 0 })
  queued!: string;

  /** dispatched + running */
  @Column('bigint', { default: 0 })
  running!: string;

  @Column('bigint', { default: 0 })
  succeeded!: string;

  /** failed + dead + cancelled + timed_out */
  @Column('bigint', { default: 0 })
  failed!: string;
}
