import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A scaling rule set through `POST /scaling/rules` (seed 003 `ScalingRule`); periods in seconds. */
@Entity({ name: 'scaling_rules' })
export class ScalingRuleEntity {
  @PrimaryColumn('text')
  name!: string;
  @Column('text')
  metric!: string;
  @Column('double precision', { name: 'scale_up_threshold' })
  scaleUpThreshold!: number;
  @Column('double precision', { name: 'scale_down_threshold' })
  scaleDownThreshold!: number;
  @Column('integer', { name: 'min_instances' })
  minInstances!: number;
  @Column('integer', { name: 'max_instances' })
  maxInstances!: number;
  @Column('integer', { name: 'cooldown_period' })
  cooldownPeriod!: number;
  @Column('integer', { name: 'evaluation_period' })
  evaluationPeriod!: number;
  @Column('boolean', { default: true })
  enabled!: boolean;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}

/** A scaling action the scaler took (or failed to take), with its whole decision. */
@Entity({ name: 'scaling_events' })
export class ScalingEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;
  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;
  @Column('text')
  action!: string;
  @Column('integer', { name: 'old_instances' })
  oldInstances!: number;
  @Column('integer', { name: 'new_instances' })
  newInstances!: number;
  @Column('text')
  driver!: string;
  @Column('text')
  policy!: string;
  @Column('boolean')
  applied!: boolean;
  @Column('text', { nullable: true })
  error!: string | null;
  @Column('jsonb')
  decision!: unknown;
}
