import { Inject, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { DatabaseServiceEnv } from './base-env';
import { HEALTH_CHECKS, LOGGER } from './health.tokens';
import type { HealthChecks } from './health';
import { SERVICE_ENV } from './tokens';

/** Opens a service's database: connected and migrated (e.g. persistence's `openDatabase`). */
export type DatabaseOpener = (url: string, poolSize: number) => Promise<{ dataSource: DataSource; applied: string[] }>;

/**
 * Nest providers of a service's PostgreSQL connection: `token` resolves to the
 * connected, migrated `DataSource` (from `DATABASE_URL` / `DATABASE_POOL_SIZE`),
 * the `database` health check is registered, and the pool is closed on shutdown,
 * after the app's own shutdown hooks have stopped using it.
 * @param token injection token of the data source
 * @param open connects and migrates
 */
export function databaseProviders(token: symbol, open: DatabaseOpener): Provider[] {
  class DataSourceCloser implements OnApplicationShutdown {
    constructor(@Inject(token) private readonly ds: DataSource) {}
    async onApplicationShutdown(): Promise<void> {
      if (this.ds.isInitialized) await this.ds.destroy();
    }
  }
  return [
    {
      provide: token,
      inject: [SERVICE_ENV, HEALTH_CHECKS, LOGGER],
      useFactory: async (env: DatabaseServiceEnv, checks: HealthChecks, logger: Logger): Promise<DataSource> => {
        const { dataSource, applied } = await open(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
        if (applied.length) logger.info({ applied }, 'migrations applied');
        checks.set('database', async () => (await dataSource.query('SELECT 1')).length === 1);
        return dataSource;
      },
    },
    DataSourceCloser,
  ];
}
