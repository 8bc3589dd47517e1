import { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../tokens';
import { BacklogRepository } from './backlog.repository';
import { BacklogService } from './backlog.service';

/** Nest providers of the backlog query ({@link BacklogService} over the brain's `DATA_SOURCE`). */
export const backlogProviders: Provider[] = [
  {
    provide: BacklogService,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new BacklogService(new BacklogRepository(ds)),
  },
];
