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
