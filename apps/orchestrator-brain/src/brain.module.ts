import {
  BeforeApplicationShutdown,
  Inject,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { BRAIN_EVENTS_CONSUMER, EVENTS_STREAM } from '@apiary/contracts';
import { BotRepository, BudgetRepository, PriorityMultiplierRepository, ResultCacheRepository, TaskRepository } from '@apiary/persistence';
import { DataSource } from 'typeorm';
import { TaskCompletedEvent } from '@apiary/contracts';
import {
  BatchConsumer,
  createHealthController,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
  NatsRpcClient,
  RPC_CLIENT,
  SERVICE_ENV,
} from '@apiary/service-kit';
import { databaseProviders } from './database/database.providers';
import { Dispatcher } from './dispatch/dispatcher';
import { LaneResolver, RouterLaneResolver } from './dispatch/lane-resolver';
import { BrainEnv } from './env';
import { LeaseReaper } from './lifecycle/lease-reaper';
import { TaskEventsProcessor } from './lifecycle/task-events.processor';
import { TaskLifecycle } from './lifecycle/task-lifecycle';
import { PriorityPolicy } from './priority/priority.service';
import { PriorityConfigService } from './priority/priority-config.service';
import { PriorityHandler } from './priority/priority.handler';
import { TaskIntakeService } from './tasks/task-intake.service';
import { TaskWriter } from './tasks/task-writer';
import { AssignmentService } from './bots/assignment.service';
import { BotsHandler } from './bots/bots.handler';
import { FleetService } from './bots/fleet.service';
import { MemoryDatasetSizes } from './bots/dataset-sizes';
import { TasksHandler } from './tasks/tasks.handler';
import { DecisionsHandler } from './decisions/decisions.handler';
import { decisionProviders } from './decisions/decisions.providers';
import { BacklogHandler } from './backlog/backlog.handler';
import { backlogProviders } from './backlog/backlog.providers';
import { WorkflowsHandler } from './workflows/workflows.handler';
import { BatchesHandler } from './batches/batches.handler';
import { SchedulesHandler } from './schedules/schedules.handler';
import { workflowProviders } from './workflows/workflows.providers';
import { COMPLETION_PUBLISHER, DATA_SOURCE, LANE_RESOLVER, PRIORITY_POLICY, TASK_LIFECYCLE, TASK_REPOSITORY } from './tokens';
import { AdmissionGate, RouterAdmissionSource } from './dispatch/admission-gate';
import { ResultCache } from './cache/result-cache';
import { CacheHandler } from './cache/cache.handler';
import { CompletionPublisher, jetStreamCompletionPublisher } from './tasks/completion-publisher';

/** Starts and stops the brain's background loops (relay, events, lease reaper). */
class BrainRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private events?: BatchConsumer;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TASK_REPOSITORY) private readonly repo: TaskRepository,
    @Inject(TASK_LIFECYCLE) private readonly lifecycle: TaskLifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_ENV) private readonly env: BrainEnv,
    private readonly dispatcher: Dispatcher,
    private readonly reaper: LeaseReaper,
    private readonly priorityConfig: PriorityConfigService,
    @Inject(ResultCache) private readonly cache: ResultCache,
  ) {}

  private purgeTimer?: NodeJS.Timeout;

  async onApplicationBootstrap(): Promise<void> {
    await this.priorityConfig.start();
    await ensureJetStreamTopology(await this.nc.jetstreamManager());
    const processor = new TaskEventsProcessor(this.repo, this.lifecycle);
    this.events = new BatchConsumer({
      js: this.nc.jetstream(),
      stream: EVENTS_STREAM,
      consumer: BRAIN_EVENTS_CONSUMER,
      maxBatch: 1000,
      maxWaitMs: 20,
      handle: async (msgs) => {
        await processor.process(msgs);
        // Completions free room in the dispatch window: relay more now.
        this.dispatcher.nudge();
      },
      logger: this.logger,
    });
    await this.events.start();
    this.dispatcher.start();
    this.reaper.start();
    // Expired result-cache entries are deleted once a minute.
    this.purgeTimer = setInterval(() => void this.cache.purge().catch((err: unknown) => this.logger.warn({ err }, 'result cache purge failed')), 60_000);
    this.purgeTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.priorityConfig.stop();
    this.reaper.stop();
    await this.dispatcher.stop();
    await this.events?.stop();
  }
}

/** orchestrator-brain: task intake, priority, dispatch (outbox relay), lifecycle. */
@Module({
  controllers: [
    TasksHandler, BotsHandler, PriorityHandler, DecisionsHandler, BacklogHandler, WorkflowsHandler, BatchesHandler, SchedulesHandler, CacheHandler,
    createHealthController('orchestrator-brain'),
  ],
  providers: [
    ...databaseProviders,
    { provide: COMPLETION_PUBLISHER, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => jetStreamCompletionPublisher(nc.jetstream()) },
    { provide: ResultCache, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new ResultCache(new ResultCacheRepository(ds)) },
    {
      provide: PRIORITY_POLICY,
      inject: [SERVICE_ENV],
      useFactory: (env: BrainEnv) =>
        new PriorityPolicy({ typeMultipliers: env.APIARY_TYPE_MULTIPLIERS, agingPerMinute: env.APIARY_PRIORITY_AGING_PER_MIN }),
    },
    {
      provide: PriorityConfigService,
      inject: [PRIORITY_POLICY, DATA_SOURCE, LOGGER],
      useFactory: (policy: PriorityPolicy, ds: DataSource, logger: Logger) =>
        new PriorityConfigService(policy, new PriorityMultiplierRepository(ds), 5000, logger),
    },
    {
      provide: TASK_LIFECYCLE,
      inject: [SERVICE_ENV],
      useFactory: (env: BrainEnv) =>
        new TaskLifecycle({ leaseMs: env.APIARY_LEASE_MS, retryBaseMs: env.APIARY_RETRY_BASE_MS, retryMaxMs: env.APIARY_RETRY_MAX_MS }),
    },
    {
      provide: LANE_RESOLVER,
      inject: [RPC_CLIENT],
      useFactory: (rpc: NatsRpcClient) => new RouterLaneResolver(rpc),
    },
    {
      provide: Dispatcher,
      inject: [TASK_REPOSITORY, LANE_RESOLVER, NATS_CONNECTION, SERVICE_ENV, LOGGER, RPC_CLIENT],
      useFactory: (repo: TaskRepository, lanes: LaneResolver, nc: NatsConnection, env: BrainEnv, logger: Logger, rpc: NatsRpcClient) =>
        new Dispatcher(
          repo,
          lanes,
          nc.jetstream(),
          {
            window: env.APIARY_DISPATCH_WINDOW,
            batch: env.APIARY_DISPATCH_BATCH,
            intervalMs: env.APIARY_DISPATCH_INTERVAL_MS,
            leaseMs: env.APIARY_LEASE_MS,
          },
          logger,
          { source: new RouterAdmissionSource(rpc), gate: new AdmissionGate() },
        ),
    },
    {
      provide: LeaseReaper,
      inject: [TASK_REPOSITORY, TASK_LIFECYCLE, SERVICE_ENV, LOGGER, Dispatcher],
      useFactory: (repo: TaskRepository, lifecycle: TaskLifecycle, env: BrainEnv, logger: Logger, d: Dispatcher) =>
        new LeaseReaper(repo, lifecycle, env.APIARY_LEASE_SCAN_MS, logger, () => d.nudge()),
    },
    {
      provide: TaskWriter,
      inject: [TASK_REPOSITORY, PRIORITY_POLICY, SERVICE_ENV],
      useFactory: (repo: TaskRepository, priority: PriorityPolicy, env: BrainEnv) =>
        new TaskWriter(repo, priority, { idempotencyTtlS: env.APIARY_IDEMPOTENCY_TTL_S, fairShareS: env.APIARY_FAIR_SHARE_MS / 1000 }),
    },
    {
      provide: TaskIntakeService,
      inject: [TASK_REPOSITORY, TaskWriter, LANE_RESOLVER, PRIORITY_POLICY, SERVICE_ENV, Dispatcher, DATA_SOURCE, ResultCache, COMPLETION_PUBLISHER],
      useFactory: (
        repo: TaskRepository,
        writer: TaskWriter,
        lanes: LaneResolver,
        priority: PriorityPolicy,
        env: BrainEnv,
        d: Dispatcher,
        ds: DataSource,
        cache: ResultCache,
        publish: CompletionPublisher,
      ) =>
        new TaskIntakeService(repo, writer, lanes, priority, { maxAttempts: env.APIARY_MAX_ATTEMPTS }, () => d.nudge(), {
          lookupCache: (keys) => cache.lookup(keys),
          countCache: (hits, misses) => ResultCacheRepository.count(ds, hits, misses),
          createBudget: (scope, max) => BudgetRepository.upsert(ds, scope, max),
          publish,
        }),
    },
    {
      provide: BotRepository,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new BotRepository(ds),
    },
    {
      provide: FleetService,
      inject: [BotRepository, SERVICE_ENV, DATA_SOURCE],
      useFactory: (bots: BotRepository, env: BrainEnv, ds: DataSource) =>
        new FleetService(bots, { maxBots: env.APIARY_MAX_BOTS }, (scope, max) => BudgetRepository.upsert(ds, scope, max)),
    },
    {
      provide: AssignmentService,
      inject: [BotRepository, TASK_REPOSITORY, TaskWriter, LANE_RESOLVER, PRIORITY_POLICY, TASK_LIFECYCLE, COMPLETION_PUBLISHER, SERVICE_ENV, Dispatcher, DATA_SOURCE, RPC_CLIENT],
      useFactory: (
        bots: BotRepository,
        tasks: TaskRepository,
        writer: TaskWriter,
        lanes: LaneResolver,
        priority: PriorityPolicy,
        lifecycle: TaskLifecycle,
        publishMany: CompletionPublisher,
        env: BrainEnv,
        d: Dispatcher,
        ds: DataSource,
        rpc: NatsRpcClient,
      ) => {
        const publish = (event: TaskCompletedEvent) => publishMany([event]);
        const budgets = {
          create: (scope: string, max: number) => BudgetRepository.upsert(ds, scope, max),
          exceeded: async (scopes: string[]) => (await BudgetRepository.get(ds, scopes)).filter((b) => b.exceeded_at !== null).map((b) => b.scope),
        };
        return new AssignmentService(
          bots,
          tasks,
          writer,
          lanes,
          priority,
          lifecycle,
          publish,
          { maxAttempts: env.APIARY_MAX_ATTEMPTS, fairShareS: env.APIARY_FAIR_SHARE_MS / 1000, externalLeaseMs: env.APIARY_EXTERNAL_LEASE_MS },
          () => d.nudge(),
          budgets,
          new MemoryDatasetSizes(rpc),
        );
      },
    },
    ...decisionProviders,
    ...backlogProviders,
    ...workflowProviders,
    BrainRuntime,
  ],
})
export class BrainModule {}
