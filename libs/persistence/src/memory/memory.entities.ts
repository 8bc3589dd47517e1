import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Memory's long-term statistics (seed 002 "What the System Learns": success rates,
 * execution times, error patterns) of one task type (`service` = `*`, one sample
 * per result) or one (task type, service) (one sample per routed call or handler
 * run), in one minute (`res` = `m`) or hour (`res` = `h`) bucket. Written by
 * `MemoryStatsRepository` (migration MemoryLongTerm1763970000000).
 */
@Entity({ name: 'memory_stats' })
@Index('memory_stats_res_bucket', ['res', 'bucket'])
export class MemoryStatEntity {
  @PrimaryColumn('text', { name: 'task_type' })
  taskType!: string;

  /** Routed service, the built-in handler's name, or `*` for the whole task type. */
  @PrimaryColumn('text')
  service!: string;

  /** `m` (minute bucket) or `h` (hour bucket). */
  @PrimaryColumn('text')
  res!: string;

  /** Start of the bucket (UTC). */
  @PrimaryColumn('timestamptz')
  bucket!: Date;

  @Column('bigint')
  count!: string;

  @Column('bigint')
  successes!: string;

  @Column('bigint')
  failures!: string;

  /** Sum of latencies, ms. */
  @Column('double precision', { name: 'latency_sum_ms' })
  latencySumMs!: number;

  /** Latest finish time counted. */
  @Column('timestamptz', { name: 'last_at' })
  lastAt!: Date;

  /** Latency HDR histogram (µs, 2 significant digits), compressed base64. */
  @Column('text', { name: 'latency_hist' })
  latencyHist!: string;

  /** Top error patterns `[{ code, message, count }]`, most frequent first, at most 20. */
  @Column('jsonb')
  errors!: unknown;
}

/** Results and busy time of one bot-runtime replica in a minute or hour bucket. */
@Entity({ name: 'runner_stats' })
@Index('runner_stats_res_bucket', ['res', 'bucket'])
export class RunnerStatEntity {
  @PrimaryColumn('text')
  runner!: string;

  /** `m` or `h`. */
  @PrimaryColumn('text')
  res!: string;

  @PrimaryColumn('timestamptz')
  bucket!: Date;

  @Column('bigint')
  count!: string;

  /** Sum of handler wall time, ms. */
  @Column('double precision', { name: 'busy_ms' })
  busyMs!: number;

  @Column('timestamptz', { name: 'last_at' })
  lastAt!: Date;
}

/** A memory context (seed 002 "Context: active execution contexts"), gone after `expires_at`. */
@Entity({ name: 'memory_contexts' })
@Index('memory_contexts_expires', ['expiresAt'])
export class MemoryContextEntity {
  @PrimaryColumn('text', { name: 'context_id' })
  contextId!: string;

  @Column('jsonb')
  data!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
