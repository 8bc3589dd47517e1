import { Inject, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { createDataSource, runMigrations, TaskRepository } from '@apiary/persistence';
import { HEALTH_CHECKS, HealthChecks, LOGGER, SERVICE_ENV } from '@apiary/service-kit';
import { BrainEnv } from '../env';
import { DATA_SOURCE, TASK_REPOSITORY } from '../tokens';

/** Closes the brain's connection pool after the app's loops have stopped. */
export class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * PostgreSQL for the brain: connects, runs committed migrations under an advisory
 * lock (DESIGN.md "Running it": migrations at start-up), registers the `database`
 * health check, and provides the {@link TaskRepository}.
 */
export const databaseProviders: Provider[] = [
  {
    provide: DATA_SOURCE,
    inject: [SERVICE_ENV, HEALTH_CHECKS, LOGGER],
    useFactory: async (env: BrainEnv, checks: HealthChecks, logger: Logger): Promise<DataSource> => {
      const ds = createDataSource(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
      await ds.initialize();
      const applied = await runMigrations(ds);
      if (applied.length) logger.info({ applied }, 'migrations applied');
      checks.set('database', async () => (await ds.query('SELECT 1')).length === 1);
      return ds;
    },
  },
  DataSourceCloser,
  {
    provide: TASK_REPOSITORY,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new TaskRepository(ds),
  },
];

