import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import type { Tier } from '@apiary/contracts';

/**
 * A bot: a durable virtual actor (DESIGN.md "Bots are virtual actors"; seed 001
 * "Bot Management"). Identity, tier, capabilities and concurrency live here; any
 * bot-runtime replica with the capability executes its tasks. Task counters are
 * derived from `tasks` (always exact), fleet totals from `fleet_counters`.
 */
@Entity({ name: 'bots' })
@Index('bots_status_tier', ['status', 'tier', 'seq'])
export class BotEntity {
  /** Creation order; the cursor of bot listings. */
  @Column('bigint', { unique: true })
  @Generated('increment')
  seq!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  tier!: Tier;

  @Column('text', { array: true })
  capabilities!: string[];

  /** `active` or `retired`. */
  @Column('text', { default: 'active' })
  status!: 'active' | 'retired';

  @Column('uuid', { name: 'swarm_id', nullable: true })
  swarmId!: string | null;

  /** Position in its swarm (0-based), for even fan-out and paging. */
  @Column('int', { name: 'swarm_index', nullable: true })
  swarmIndex!: number | null;

  /** Tasks of this bot run at once (default 1: one at a time). */
  @Column('int', { name: 'max_concurrency', default: 1 })
  maxConcurrency!: number;

  @Column('timestamptz', { name: 'last_active', nullable: true })
  lastActive!: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;
}
