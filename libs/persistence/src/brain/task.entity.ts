import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PriorityLevel, TaskErrorInfo, TaskStatus } from '@apiary/contracts';

/**
 * A task: the orchestrator-brain's system of record (DESIGN.md "Task lifecycle and
 * guarantees"). Written before it is published (transactional outbox: a `queued`
 * row is the outbox entry the dispatcher relays to JetStream).
 */
@Entity({ name: 'tasks' })
@Index('tasks_queued_rank', ['rank'], { where: `status = 'queued' AND NOT "external"` })
export class TaskEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  type!: string;

  @Column('jsonb', { default: () => `'{}'::jsonb` })
  data!: Record<string, unknown>;

  @Column('text')
  priority!: PriorityLevel;

  /** level × type multiplier × tier weight. */
  @Column('double precision')
  score!: number;

  /**
   * Dispatch order key: `score − aging_rate × created_at_epoch_s`. Ordering by rank
   * descending equals ordering by `score + aging_rate × waited_s`, so aging is an
   * index scan, not a per-row computation.
   */
  @Column('double precision')
  rank!: number;

  @Column('text')
  status!: TaskStatus;

  /** Dispatches so far. */
  @Column('int', { default: 0 })
  attempts!: number;

  @Column('int', { name: 'max_attempts' })
  maxAttempts!: number;

  @Column('jsonb', { nullable: true })
  result!: unknown;

  @Column('jsonb', { nullable: true })
  error!: TaskErrorInfo | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('uuid', { name: 'batch_id', nullable: true })
  batchId!: string | null;

  /** Tenant key (API key id) for fairness and idempotency scope. */
  @Column('text', { name: 'fairness_key', nullable: true })
  fairnessKey!: string | null;

  @Column('text', { nullable: true })
  lane!: string | null;

  /** Bot the task is assigned to (its tasks run `bot_max_concurrency` at a time). */
  @Column('uuid', { name: 'bot_id', nullable: true })
  botId!: string | null;

  @Column('uuid', { name: 'swarm_id', nullable: true })
  swarmId!: string | null;

  /** Memory context handed to the handler when the task runs (issue 5). */
  @Column('text', { name: 'context_id', nullable: true })
  contextId!: string | null;

  /** Copy of the bot's `max_concurrency` at assignment (the dispatcher reads only `tasks`). */
  @Column('int', { name: 'bot_max_concurrency', nullable: true })
  botMaxConcurrency!: number | null;

  /** Run by an external bot that leases it (`POST /bots/{id}/tasks/next`), not by bot-runtime. */
  @Column('boolean', { default: false })
  external!: boolean;

  /** Runtime replica running the current attempt. */
  @Column('text', { nullable: true })
  runner!: string | null;

  /** W3C trace context captured at submit (`{ traceparent, tracestate? }`). */
  @Column('jsonb', { name: 'trace_carrier', nullable: true })
  traceCarrier!: Record<string, string> | null;

  /** A `retrying` task is re-queued at this time (backoff). */
  @Column('timestamptz', { name: 'not_before', nullable: true })
  notBefore!: Date | null;

  /** A dispatched or running attempt not finished by then is re-queued. */
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'dispatched_at', nullable: true })
  dispatchedAt!: Date | null;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
