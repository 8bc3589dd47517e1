import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BUILTIN_TASK_TYPES } from '@apiary/contracts';
import { openDatabase, QuotaRepository, RouterModuleRepository, RoutingCounterRepository, RoutingPolicyRepository } from '@apiary/persistence';
import {
  createHealthController,
  databaseProviders,
  LOGGER,
  NATS_CONNECTION,
  NatsRpcClient,
  RPC_CLIENT,
  SERVICE_ENV,
} from '@apiary/service-kit';
import { RouterEnv } from './env';
import { HealthProber } from './health/health-prober';
import { probeHttp } from './health/http-probe';
import { ModuleManager } from './modules/module-manager';
import { ModulesHandler } from './modules/modules.handler';
import { RouterSnapshot } from './registry/router-snapshot';
import { EnvServiceRegistrar } from './registry/env-services';
import { ServiceRegistry } from './registry/service-registry';
import { ServicesHandler } from './registry/services.handler';
import { SnapshotStore } from './registry/snapshot-store';
import { NatsBrainAdvisor } from './routing/brain-advisor';
import { InFlightTracker } from './routing/in-flight';
import { LaneCatalog } from './routing/lane-catalog';
import { PolicyService } from './routing/policy.service';
import { RouteService } from './routing/route.service';
import { RoutingHandler } from './routing/routing.handler';
import { BreakerBoard } from './stats/breaker-board';
import { CounterBuffer } from './stats/counter-buffer';
import { OutcomeRecorder } from './stats/outcome-recorder';
import { OutcomesListener } from './stats/outcomes.listener';
import { RoutingStatsService } from './stats/routing-stats.service';
import { BREAKERS, COUNTERS, DATA_SOURCE, IN_FLIGHT, MODULE_REPOSITORY } from './tokens';
import { QuotaHandler } from './quota/quota.handler';
import { QuotaReleaseListener } from './quota/quota-release.listener';
import { QuotaService } from './quota/quota.service';

const BUILTINS = Object.keys(BUILTIN_TASK_TYPES);

const providers: Provider[] = [
  ...databaseProviders(DATA_SOURCE, openDatabase),
  { provide: MODULE_REPOSITORY, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new RouterModuleRepository(ds) },
  { provide: IN_FLIGHT, useFactory: () => new InFlightTracker() },
  { provide: COUNTERS, useFactory: () => new CounterBuffer() },
  { provide: BREAKERS, inject: [SERVICE_ENV], useFactory: (env: RouterEnv) => new BreakerBoard(env.APIARY_BREAKER_REPORT_TTL_MS) },
  { provide: LaneCatalog, useFactory: () => new LaneCatalog(BUILTINS) },
  {
    provide: SnapshotStore,
    inject: [DATA_SOURCE, MODULE_REPOSITORY, SERVICE_ENV, LOGGER],
    useFactory: (ds: DataSource, modules: RouterModuleRepository, env: RouterEnv, logger: Logger) => {
      const policies = new RoutingPolicyRepository(ds);
      return new SnapshotStore(
        { version: () => modules.version(), modules: () => modules.all(), policies: () => policies.all() },
        (version, rows, policyRows) => new RouterSnapshot(version, rows, policyRows, BUILTINS, env.APIARY_ROUTING_STRATEGY),
        RouterSnapshot.empty(BUILTINS, env.APIARY_ROUTING_STRATEGY),
        env.APIARY_ROUTER_REFRESH_MS,
        logger,
      );
    },
  },
  {
    provide: QuotaService,
    inject: [DATA_SOURCE, SnapshotStore, SERVICE_ENV, LOGGER],
    useFactory: (ds: DataSource, snapshots: SnapshotStore, env: RouterEnv, logger: Logger) =>
      new QuotaService(
        new QuotaRepository(ds),
        () => snapshots.current,
        { refreshMs: env.APIARY_QUOTA_REFRESH_MS, admissionTtlMs: 250, defaultTokensPerCall: env.APIARY_QUOTA_DEFAULT_TOKENS, concurrencyRetryMs: 100 },
        logger,
      ),
  },
  {
    provide: QuotaReleaseListener,
    inject: [NATS_CONNECTION, QuotaService, LOGGER],
    useFactory: (nc: NatsConnection, quota: QuotaService, logger: Logger) => new QuotaReleaseListener(nc, quota, 'task-router', logger),
  },
  {
    provide: ServiceRegistry,
    inject: [MODULE_REPOSITORY, SnapshotStore, IN_FLIGHT, QuotaService],
    useFactory: (repo: RouterModuleRepository, snapshots: SnapshotStore, inFlight: InFlightTracker, quota: QuotaService) =>
      new ServiceRegistry(repo, () => snapshots.refreshAfterWrite(), (s) => inFlight.count(s), (names) => quota.usageOf(names)),
  },
  {
    provide: EnvServiceRegistrar,
    inject: [ServiceRegistry, SERVICE_ENV, LOGGER],
    useFactory: (registry: ServiceRegistry, env: RouterEnv, logger: Logger) => new EnvServiceRegistrar(registry, env, logger),
  },
  {
    provide: ModuleManager,
    inject: [MODULE_REPOSITORY, SnapshotStore],
    useFactory: (repo: RouterModuleRepository, snapshots: SnapshotStore) => new ModuleManager(repo, BUILTINS, () => snapshots.refreshAfterWrite()),
  },
  {
    provide: PolicyService,
    inject: [DATA_SOURCE, SnapshotStore],
    useFactory: (ds: DataSource, snapshots: SnapshotStore) =>
      new PolicyService(new RoutingPolicyRepository(ds), () => snapshots.current, () => snapshots.refreshAfterWrite()),
  },
  {
    provide: RouteService,
    inject: [SnapshotStore, IN_FLIGHT, COUNTERS, RPC_CLIENT, SERVICE_ENV, QuotaService],
    useFactory: (snapshots: SnapshotStore, inFlight: InFlightTracker, counters: CounterBuffer, rpc: NatsRpcClient, env: RouterEnv, quota: QuotaService) =>
      new RouteService({
        snapshot: () => snapshots.current,
        inFlight,
        counters,
        brain: new NatsBrainAdvisor(rpc, env.APIARY_LEARNED_TIMEOUT_MS),
        pauses: quota,
      }),
  },
  {
    provide: RoutingStatsService,
    inject: [DATA_SOURCE, COUNTERS, BREAKERS, SERVICE_ENV, LOGGER],
    useFactory: (ds: DataSource, counters: CounterBuffer, breakers: BreakerBoard, env: RouterEnv, logger: Logger) =>
      new RoutingStatsService(new RoutingCounterRepository(ds), counters, breakers, env.APIARY_ROUTER_STATS_FLUSH_MS, logger),
  },
  {
    provide: HealthProber,
    inject: [MODULE_REPOSITORY, SnapshotStore, SERVICE_ENV, LOGGER],
    useFactory: (repo: RouterModuleRepository, snapshots: SnapshotStore, env: RouterEnv, logger: Logger) =>
      new HealthProber(
        repo,
        probeHttp,
        {
          intervalMs: env.APIARY_HEALTH_CHECK_INTERVAL_MS,
          timeoutMs: env.APIARY_HEALTH_CHECK_TIMEOUT_MS,
          thresholds: { unhealthyAfter: env.APIARY_HEALTH_UNHEALTHY_THRESHOLD, healthyAfter: env.APIARY_HEALTH_HEALTHY_THRESHOLD },
        },
        () => snapshots.refreshAfterWrite(),
        logger,
      ),
  },
  {
    provide: OutcomesListener,
    inject: [NATS_CONNECTION, IN_FLIGHT, BREAKERS, COUNTERS, LOGGER],
    useFactory: (nc: NatsConnection, inFlight: InFlightTracker, breakers: BreakerBoard, counters: CounterBuffer, logger: Logger) =>
      new OutcomesListener(nc, new OutcomeRecorder(inFlight, breakers, counters), 'task-router', logger),
  },
];

/** Starts and stops the router's background work: built-in seeding, snapshot polling, stats flushing, outcomes, health checks, services from the environment. */
class RouterRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(ModuleManager) private readonly modules: ModuleManager,
    @Inject(SnapshotStore) private readonly snapshots: SnapshotStore,
    @Inject(RoutingStatsService) private readonly stats: RoutingStatsService,
    @Inject(OutcomesListener) private readonly outcomes: OutcomesListener,
    @Inject(HealthProber) private readonly prober: HealthProber,
    @Inject(QuotaService) private readonly quota: QuotaService,
    @Inject(QuotaReleaseListener) private readonly quotaReleases: QuotaReleaseListener,
    @Inject(EnvServiceRegistrar) private readonly envServices: EnvServiceRegistrar,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.modules.seedBuiltins();
    await this.snapshots.start();
    await this.stats.start();
    await this.outcomes.start();
    await this.quota.start();
    await this.quotaReleases.start();
    this.prober.start();
    // README "Providers from the environment": never throws (problems are logged).
    await this.envServices.registerAll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.prober.stop();
    this.quotaReleases.stop();
    this.quota.stop();
    this.outcomes.stop();
    this.snapshots.stop();
    await this.stats.stop();
  }
}

/** task-router: service registry, health checks, routing strategies, statistics, module manager, lane resolution. */
@Module({
  controllers: [RoutingHandler, ServicesHandler, ModulesHandler, QuotaHandler, createHealthController('task-router')],
  providers: [...providers, RouterRuntime],
})
export class RouterModule {}
