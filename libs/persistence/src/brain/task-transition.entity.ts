import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One recorded task state change, with time and attempt (DESIGN.md "Task lifecycle"). */
@Entity({ name: 'task_transitions' })
@Index('task_transitions_task', ['taskId'])
export class TaskTransitionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'task_id' })
  taskId!: string;

  /** Previous status (null for the first transition). */
  @Column('text', { name: 'from_status', nullable: true })
  fromStatus!: string | null;

  @Column('text', { name: 'to_status' })
  toStatus!: string;

  @Column('int')
  attempt!: number;

  /** Why: `submitted`, `dispatched`, `started`, `completed`, `lease_expired`, `retry_due`... */
  @Column('text')
  reason!: string;

  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;
}
