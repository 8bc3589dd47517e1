import { DataSource, DataSourceOptions } from 'typeorm';
import { TaskEntity } from './brain/task.entity';
import { TaskTransitionEntity } from './brain/task-transition.entity';
import { TaskResultEntity } from './memory/task-result.entity';
import { InitialSchema1763900000000 } from './migrations/1763900000000-InitialSchema';
import { BotsAndSwarms1763910000000 } from './migrations/1763910000000-BotsAndSwarms';
import { BatchCounters1763920000000 } from './migrations/1763920000000-BatchCounters';
import { PriorityMultipliers1763930000000 } from './migrations/1763930000000-PriorityMultipliers';
import { Router1763940000000 } from './migrations/1763940000000-Router';
import { RouterConfigVersionEntity, RouterModuleEntity, RoutingCounterEntity, RoutingPolicyEntity } from './router/router.entities';
import { ServiceStats1763950000000 } from './migrations/1763950000000-ServiceStats';
import { Decisions1763960000000 } from './migrations/1763960000000-Decisions';
import { MemoryLongTerm1763970000000 } from './migrations/1763970000000-MemoryLongTerm';
import { MemoryContextEntity, MemoryStatEntity, RunnerStatEntity } from './memory/memory.entities';
import { Improvement1763980000000 } from './migrations/1763980000000-Improvement';
import { ImprovementAnalysisEntity, ImprovementSuggestionEntity } from './improvement/improvement.entities';
import { TaskContext1763990000000 } from './migrations/1763990000000-TaskContext';
import { Workflows1764000000000 } from './migrations/1764000000000-Workflows';
import { WORKFLOW_ENTITIES } from './workflows/workflow.entities';
import { ServiceStatEntity } from './memory/service-stat.entity';
import { DecisionCounterEntity } from './brain/decision-counter.entity';
import { PriorityMultiplierEntity } from './brain/priority-multiplier.entity';
import { BotEntity } from './brain/bot.entity';
import { SwarmEntity } from './brain/swarm.entity';
import { BatchCounterEntity, FairnessClockEntity, FleetCounterEntity } from './brain/fleet-counter.entity';
import { WorkflowTaskIndex1764020000000 } from './migrations/1764020000000-WorkflowTaskIndex';
import { Scaler1764010000000 } from './migrations/1764010000000-Scaler';
import { Datasets1764030000000 } from './migrations/1764030000000-Datasets';
import { AiWork1764040000000 } from './migrations/1764040000000-AiWork';
import { ScalingEventEntity, ScalingRuleEntity } from './scaler/scaling.entities';

/** Every entity, listed as classes (webpack bundles: STACK-NOTES pitfall 7). */
export const ENTITIES = [
  TaskEntity,
  TaskTransitionEntity,
  TaskResultEntity,
  BotEntity,
  SwarmEntity,
  FleetCounterEntity,
  FairnessClockEntity,
  BatchCounterEntity,
  PriorityMultiplierEntity,
  RouterModuleEntity,
  RoutingPolicyEntity,
  RoutingCounterEntity,
  RouterConfigVersionEntity,
  ServiceStatEntity,
  DecisionCounterEntity,
  MemoryStatEntity,
  RunnerStatEntity,
  MemoryContextEntity,
  ImprovementSuggestionEntity,
  ImprovementAnalysisEntity,
  ...WORKFLOW_ENTITIES,
  ScalingRuleEntity,
  ScalingEventEntity,
];
/** Every committed migration, in order. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  BotsAndSwarms1763910000000,
  BatchCounters1763920000000,
  PriorityMultipliers1763930000000,
  Router1763940000000,
  ServiceStats1763950000000,
  Decisions1763960000000,
  MemoryLongTerm1763970000000,
  Improvement1763980000000,
  TaskContext1763990000000,
  Workflows1764000000000,
  Scaler1764010000000,
  WorkflowTaskIndex1764020000000,
  Datasets1764030000000,
  AiWork1764040000000,
];

/** Advisory-lock key serialising migrations across replicas and services. */
const MIGRATION_LOCK_KEY = 7_263_001;

/**
 * Builds (does not connect) the TypeORM data source. Never `synchronize`.
 * @param url PostgreSQL URL
 * @param poolSize max connections of this replica (at least 2: see {@link runMigrations})
 * @param extra further TypeORM options, merged last
 */
export function createDataSource(url: string, poolSize = 10, extra: Partial<DataSourceOptions> = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    // runMigrations holds one connection for its advisory lock while migrating on another.
    extra: { max: Math.max(2, poolSize), connectionTimeoutMillis: 10_000 },
    ...extra,
  } as DataSourceOptions);
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas of several
 * services starting together migrate once.
 * @returns names of the migrations applied by this call
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Connects to PostgreSQL and applies pending migrations (DESIGN.md "Running it":
 * migrations at start-up).
 * @param url PostgreSQL URL
 * @param poolSize max connections of this replica
 * @returns the connected data source and the names of the migrations applied
 * @throws the driver's error when PostgreSQL is unreachable or a migration fails
 */
export async function openDatabase(url: string, poolSize = 10): Promise<{ dataSource: DataSource; applied: string[] }> {
  const dataSource = createDataSource(url, poolSize);
  await dataSource.initialize();
  try {
    return { dataSource, applied: await runMigrations(dataSource) };
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

/**
 * Brings a database to the latest schema and disconnects (test set-up, one-off runs).
 * @param url PostgreSQL URL
 * @returns the names of the migrations applied
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  const { dataSource, applied } = await openDatabase(url, 2);
  await dataSource.destroy();
  return applied;
}
