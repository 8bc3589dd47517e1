import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Tier } from '@apiary/contracts';

/** A swarm: bots created and addressed as a group (seed 001 "Swarm Management"). */
@Entity({ name: 'swarms' })
export class SwarmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  tier!: Tier;

  @Column('text', { array: true })
  capabilities!: string[];

  /** `active` or `deleted`. */
  @Column('text', { default: 'active' })
  status!: 'active' | 'deleted';

  /** Next `swarm_index` to give a new bot. */
  @Column('int', { name: 'next_index', default: 0 })
  nextIndex!: number;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}
