import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One attempt's result, stored once per (task id, attempt) by the memory service
 * (DESIGN.md "memory": stores every result).
 */
@Entity({ name: 'task_results' })
@Index('task_results_type_finished', ['type', 'finishedAt'])
export class TaskResultEntity {
  @PrimaryColumn('uuid', { name: 'task_id' })
  taskId!: string;

  @PrimaryColumn('int')
  attempt!: number;

  @Column('text')
  type!: string;

  /** Handler or service that ran it. */
  @Column('text')
  handler!: string;

  @Column('boolean')
  success!: boolean;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column('text', { name: 'error_message', nullable: true })
  errorMessage!: string | null;

  /** Handler wall time, ms. */
  @Column('double precision', { name: 'latency_ms' })
  latencyMs!: number;

  @Column('text')
  runner!: string;

  @Column('jsonb', { nullable: true })
  result!: unknown;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt!: Date;

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt!: Date;
}
