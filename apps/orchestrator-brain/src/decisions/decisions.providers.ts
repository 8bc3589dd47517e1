import { BeforeApplicationShutdown, Inject, OnApplicationBootstrap, Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DecisionCounterRepository } from '@apiary/persistence';
import { LOGGER, NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import { DATA_SOURCE } from '../tokens';
import type { BrainEnv } from '../env';
import { RouterCandidateSource } from './candidates';
import { DecisionCounters } from './decision-counters';
import { DecisionService } from './decision.service';
import { MemoryStatsSource } from './learned-stats';

/** How often decision counters are written, ms. */
export const DECISION_FLUSH_MS = 1000;

/** Starts and stops the batched flushing of decision counters. */
class DecisionCountersRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(DecisionCounters) private readonly counters: DecisionCounters) {}

  onApplicationBootstrap(): void {
    this.counters.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.counters.stop();
  }
}

/**
 * Nest providers of the brain's decisions: {@link DecisionService} (Thompson
 * sampling over memory's statistics, candidates from the router), its counters in
 * `decision_counters`, and their flushing. Needs `DATA_SOURCE`, `RPC_CLIENT`,
 * `SERVICE_ENV` (a `BrainEnv`) and `LOGGER`.
 */
export const decisionProviders: Provider[] = [
  {
    provide: DecisionCounters,
    inject: [DATA_SOURCE, LOGGER],
    useFactory: (ds: DataSource, logger: Logger) => new DecisionCounters(new DecisionCounterRepository(ds), DECISION_FLUSH_MS, logger),
  },
  {
    provide: DecisionService,
    inject: [RPC_CLIENT, SERVICE_ENV, DecisionCounters],
    useFactory: (rpc: NatsRpcClient, env: BrainEnv, counters: DecisionCounters) =>
      new DecisionService(
        new RouterCandidateSource(rpc, env.APIARY_DECISION_STATS_TTL_MS, env.APIARY_DECISION_RPC_TIMEOUT_MS),
        new MemoryStatsSource(rpc, { ttlMs: env.APIARY_DECISION_STATS_TTL_MS, windowS: env.APIARY_DECISION_WINDOW_S, timeoutMs: env.APIARY_DECISION_RPC_TIMEOUT_MS }),
        counters,
        { latencyRefMs: env.APIARY_DECISION_LATENCY_REF_MS },
      ),
  },
  DecisionCountersRuntime,
];
