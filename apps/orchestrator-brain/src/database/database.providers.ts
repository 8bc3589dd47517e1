import { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { openDatabase, TaskRepository } from '@apiary/persistence';
import { databaseProviders as connection } from '@apiary/service-kit';
import { DATA_SOURCE, TASK_REPOSITORY } from '../tokens';

/**
 * PostgreSQL for the brain: the connected, migrated data source (migrations run
 * under an advisory lock at start-up), its health check and shutdown, and the
 * {@link TaskRepository}.
 */
export const databaseProviders: Provider[] = [
  ...connection(DATA_SOURCE, openDatabase),
  {
    provide: TASK_REPOSITORY,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new TaskRepository(ds),
  },
];
