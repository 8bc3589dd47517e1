import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One attempt's result, stored once per (task id, attempt) by the memory service
 * (DESIGN.md "memory": stores every result).
 */
@Entity({ name: 'task_results' })
@Index('task_results_type_finished', ['type', 'finishedAt'])
@Index('task_results_finished', ['finishedAt'])
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

  /** Routed service whose reply (or last failure) is the outcome; null for built-in handlers. */
  @Column('text', { nullable: true })
  service!: string | null;

  /** Bot the task was assigned to. */
  @Column('text', { name: 'bot_id', nullable: true })
  botId!: string | null;

  @Column('text', { name: 'swarm_id', nullable: true })
  swarmId!: string | null;

  /** Memory context the handler was given. */
  @Column('text', { name: 'context_id', nullable: true })
  contextId!: string | null;

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

  /** Digest of the task's input data (`TaskParams`): what parameter patterns learn from. */
  @Column('jsonb', { nullable: true })
  params!: unknown;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt!: Date;

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt!: Date;
}
