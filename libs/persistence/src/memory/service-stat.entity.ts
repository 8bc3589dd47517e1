import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Memory's statistics of one (task type, service) in one minute (seed 002 "What
 * the System Learns"): how many results, how many succeeded or failed, and their
 * summed latency. Windows are sums over buckets (migration ServiceStats1763950000000).
 */
@Entity({ name: 'service_stats' })
@Index('service_stats_bucket', ['bucket'])
export class ServiceStatEntity {
  @PrimaryColumn('text', { name: 'task_type' })
  taskType!: string;

  /** Start of the minute (UTC) the results finished in. */
  @PrimaryColumn('timestamptz')
  bucket!: Date;

  /** Routed service, or the built-in handler's name. */
  @PrimaryColumn('text')
  service!: string;

  @Column('bigint')
  count!: string;

  @Column('bigint')
  successes!: string;

  @Column('bigint')
  failures!: string;

  /** Sum of the results' latencies, ms. */
  @Column('double precision', { name: 'latency_sum_ms' })
  latencySumMs!: number;

  /** Latest finish time counted in this bucket. */
  @Column('timestamptz', { name: 'last_at' })
  lastAt!: Date;
}
