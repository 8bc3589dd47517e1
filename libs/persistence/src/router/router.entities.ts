import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { BackoffKind, HealthState, RoutingStrategy } from '@apiary/contracts';

/**
 * A module of the task-router (seed 002 components 2 and 5): a registered HTTP
 * service (`kind = 'service'`, tasks POSTed to `{endpoint}/process`) or a built-in
 * bot-runtime handler (`kind = 'builtin'`). Services and built-ins share one name
 * space, so dependencies may point at either. Schema: migration `Router1763940000000`.
 */
@Entity({ name: 'router_modules' })
@Index('router_modules_probe_due', ['nextCheckAt'], { where: `"kind" = 'service' AND "health_check_enabled"` })
export class RouterModuleEntity {
  @PrimaryColumn('text')
  name!: string;

  @Column('text')
  kind!: 'service' | 'builtin';

  @Column('text')
  category!: string;

  /** A disabled module receives no tasks. */
  @Column('boolean', { default: true })
  enabled!: boolean;

  /** Names of modules that must be enabled for this one to be. */
  @Column('text', { array: true, name: 'depends_on', default: () => `'{}'` })
  dependsOn!: string[];

  /** Task types served (a built-in serves its own name). */
  @Column('text', { array: true, default: () => `'{}'` })
  capabilities!: string[];

  /** Base URL of a service; null for a built-in. */
  @Column('text', { nullable: true })
  endpoint!: string | null;

  @Column('text', { default: 'healthy' })
  status!: HealthState;

  /** Who set `status` last: `registration`, `manual` (PUT) or `probe`. */
  @Column('text', { name: 'status_source', default: 'registration' })
  statusSource!: 'registration' | 'manual' | 'probe';

  @Column('boolean', { name: 'health_check_enabled', default: false })
  healthCheckEnabled!: boolean;

  @Column('text', { name: 'health_check_path', default: '/health' })
  healthCheckPath!: string;

  @Column('int', { name: 'consecutive_failures', default: 0 })
  consecutiveFailures!: number;

  @Column('int', { name: 'consecutive_successes', default: 0 })
  consecutiveSuccesses!: number;

  @Column('timestamptz', { name: 'last_checked_at', nullable: true })
  lastCheckedAt!: Date | null;

  /** When the next active health check is due (claimed with `FOR UPDATE SKIP LOCKED`). */
  @Column('timestamptz', { name: 'next_check_at', default: () => 'now()' })
  nextCheckAt!: Date;

  @Column('timestamptz', { name: 'registered_at', default: () => 'now()' })
  registeredAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}

/**
 * Routing policy of a task type (`*` = the default), set through `PUT
 * /routing/policies/{task_type}`. Null columns inherit from the default policy.
 */
@Entity({ name: 'router_policies' })
export class RoutingPolicyEntity {
  @PrimaryColumn('text', { name: 'task_type' })
  taskType!: string;

  @Column('text', { nullable: true })
  strategy!: RoutingStrategy | null;

  @Column('int', { name: 'max_retries', nullable: true })
  maxRetries!: number | null;

  @Column('text', { nullable: true })
  backoff!: BackoffKind | null;

  /** Per-call timeout, seconds. */
  @Column('int', { name: 'timeout_s', nullable: true })
  timeoutS!: number | null;

  @Column('int', { name: 'base_delay_ms', nullable: true })
  baseDelayMs!: number | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}

/**
 * A persisted routing counter (`GET /routing/stats`): `metric` is one of
 * `total_routes`, `service_distribution`, `failures`, `fallbacks_used`,
 * `by_strategy`, `origin`; `label` the service or strategy ('' when none).
 */
@Entity({ name: 'router_counters' })
export class RoutingCounterEntity {
  @PrimaryColumn('text')
  metric!: string;

  @PrimaryColumn('text', { default: '' })
  label!: string;

  @Column('bigint', { default: 0 })
  value!: string;
}

/** The single row whose `version` is bumped by every change of modules, health or policies. */
@Entity({ name: 'router_config_version' })
export class RouterConfigVersionEntity {
  @PrimaryColumn('int')
  id!: number;

  @Column('bigint')
  version!: string;
}
