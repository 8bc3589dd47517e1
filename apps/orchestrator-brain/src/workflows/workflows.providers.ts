import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BatchWaitRepository, BotRepository } from '@apiary/persistence';
import { LOGGER, SERVICE_ENV } from '@apiary/service-kit';
import { BatchWaiter } from '../batches/batch-waiter';
import { Dispatcher } from '../dispatch/dispatcher';
import type { LaneResolver } from '../dispatch/lane-resolver';
import type { BrainEnv } from '../env';
import type { PriorityPolicy } from '../priority/priority.service';
import { Scheduler } from '../schedules/scheduler';
import { ScheduleService } from '../schedules/schedule.service';
import { DATA_SOURCE, LANE_RESOLVER, PRIORITY_POLICY } from '../tokens';
import { BATCH_CHANNEL, PgNotifications } from './pg-notifications';
import { StepLauncher } from './step-launcher';
import { WorkflowEngine } from './workflow-engine';
import { WorkflowRuntime } from './workflow-runtime';
import { WorkflowService } from './workflow.service';
import { WorkflowValidator } from './workflow-validator';

/**
 * Starts and stops the loops of workflows, batch waits and schedules: the
 * replica's PostgreSQL LISTEN connection (`apiary_workflow` wakes the workflow
 * engine, `apiary_batch` wakes batch waiters), the workflow sweep and the
 * scheduler. On shutdown, held batch waits are answered at once.
 */
@Injectable()
export class WorkflowLoops implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runtime: WorkflowRuntime;
  private readonly scheduler: Scheduler;

  constructor(
    private readonly notifications: PgNotifications,
    private readonly waiter: BatchWaiter,
    workflows: WorkflowService,
    schedules: ScheduleService,
    @Inject(SERVICE_ENV) env: BrainEnv,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.runtime = new WorkflowRuntime(workflows, notifications, env.APIARY_WORKFLOW_SWEEP_MS, logger);
    this.scheduler = new Scheduler(schedules, env.APIARY_SCHEDULE_TICK_MS, logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.notifications.on(BATCH_CHANNEL, (batchId) => this.waiter.notify(batchId));
    this.notifications.onConnect(() => this.waiter.wakeAll());
    await this.notifications.start();
    this.runtime.start();
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.waiter.close();
    await this.scheduler.stop();
    await this.runtime.stop();
    await this.notifications.stop();
  }
}

/** Nest providers of workflows, batch waits and schedules (issue 6). */
export const workflowProviders: Provider[] = [
  {
    provide: PgNotifications,
    inject: [SERVICE_ENV, LOGGER],
    useFactory: (env: BrainEnv, logger: Logger) => new PgNotifications(env.DATABASE_URL, logger),
  },
  {
    provide: WorkflowService,
    inject: [DATA_SOURCE, LANE_RESOLVER, PRIORITY_POLICY, SERVICE_ENV, Dispatcher, LOGGER],
    useFactory: (ds: DataSource, lanes: LaneResolver, priority: PriorityPolicy, env: BrainEnv, d: Dispatcher, logger: Logger) =>
      new WorkflowService(
        ds,
        new WorkflowValidator(lanes, new BotRepository(ds)),
        new StepLauncher(priority, { maxAttempts: env.APIARY_MAX_ATTEMPTS }),
        new WorkflowEngine(),
        { drainBatch: 500, fairShareS: env.APIARY_FAIR_SHARE_MS / 1000, startConcurrency: env.APIARY_WORKFLOW_START_CONCURRENCY },
        () => d.nudge(),
        Date.now,
        logger,
      ),
  },
  {
    provide: BatchWaiter,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new BatchWaiter(new BatchWaitRepository(ds)),
  },
  {
    provide: ScheduleService,
    inject: [DATA_SOURCE, WorkflowService, LANE_RESOLVER, PRIORITY_POLICY, SERVICE_ENV, Dispatcher],
    useFactory: (ds: DataSource, workflows: WorkflowService, lanes: LaneResolver, priority: PriorityPolicy, env: BrainEnv, d: Dispatcher) =>
      new ScheduleService(
        ds,
        workflows,
        lanes,
        priority,
        { misfireMs: env.APIARY_SCHEDULE_MISFIRE_MS, maxAttempts: env.APIARY_MAX_ATTEMPTS },
        () => d.nudge(),
      ),
  },
  WorkflowLoops,
];
