import type { RoutingStats } from '@apiary/contracts';
import type { CounterDelta, RoutingCounterRepository } from '@apiary/persistence';
import type { Logger } from 'pino';
import type { BreakerBoard } from './breaker-board';
import { CounterBuffer, METRICS } from './counter-buffer';

/**
 * Routing statistics (seed 002 `get_routing_stats`; `GET /routing/stats`). Counters
 * are summed over every router replica in PostgreSQL: each replica buffers its
 * increments ({@link CounterBuffer}) and adds them in one statement every `flushMs`.
 * Every increment is counted by exactly one replica: routes by the replica that
 * decided them, failures and fallbacks by the replica the outcomes queue group
 * handed the report to. A read returns the stored sums plus this replica's
 * unflushed increments (other replicas' last ≤ `flushMs` of increments show up after
 * their next flush). Breaker states come from this replica's {@link BreakerBoard}.
 */
export class RoutingStatsService {
  private timer?: NodeJS.Timeout;
  private originMs: number;
  /** Tail of the chain serialising flushes and reads. */
  private flushing?: Promise<void>;

  /**
   * @param repo stored counters
   * @param buffer this replica's unflushed increments
   * @param breakers breaker states reported by runtimes
   * @param flushMs flush period, ms
   * @param logger logger
   * @param now clock, epoch ms
   */
  constructor(
    private readonly repo: Pick<RoutingCounterRepository, 'add' | 'all' | 'origin'>,
    private readonly buffer: CounterBuffer,
    private readonly breakers: BreakerBoard,
    private readonly flushMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.originMs = now();
  }

  /** Reads (or records) the counters' origin and starts flushing. */
  async start(): Promise<void> {
    this.originMs = await this.repo.origin(this.now());
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Runs `fn` alone among flushes and reads: a read never sees a batch both in the
   * table and in the buffer (counted twice) or in neither (a flush that committed
   * between the read and the buffer snapshot).
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = (this.flushing ?? Promise.resolve()).then(fn, fn);
    this.flushing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes buffered increments now (one statement); on failure they stay buffered. */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      const batch = this.buffer.take();
      if (batch.length === 0) {
        this.buffer.settle(true);
        return;
      }
      try {
        await this.repo.add(batch);
        this.buffer.settle(true);
      } catch (err) {
        this.buffer.settle(false);
        this.logger.warn({ err, counters: batch.length }, 'routing counters flush failed; kept for the next one');
      }
    });
  }

  /** @returns stored counters + this replica's unflushed increments, and breaker states */
  stats(): Promise<RoutingStats> {
    return this.exclusive(() => this.read());
  }

  private async read(): Promise<RoutingStats> {
    const stored = await this.repo.all();
    const rows: CounterDelta[] = [...stored.map((s) => ({ metric: s.metric, label: s.label, delta: s.value })), ...this.buffer.unflushed()];
    const stats: RoutingStats = {
      total_routes: 0,
      service_distribution: {},
      failures: {},
      fallbacks_used: 0,
      breaker_states: this.breakers.snapshot(),
      by_strategy: {},
      since: new Date(this.originMs).toISOString(),
    };
    const addTo = (map: Record<string, number>, key: string, n: number) => {
      map[key] = (map[key] ?? 0) + n;
    };
    for (const r of rows) {
      switch (r.metric) {
        case METRICS.totalRoutes:
          stats.total_routes += r.delta;
          break;
        case METRICS.fallbacksUsed:
          stats.fallbacks_used += r.delta;
          break;
        case METRICS.serviceDistribution:
          addTo(stats.service_distribution, r.label, r.delta);
          break;
        case METRICS.failures:
          addTo(stats.failures, r.label, r.delta);
          break;
        case METRICS.byStrategy:
          addTo(stats.by_strategy, r.label, r.delta);
          break;
      }
    }
    return stats;
  }
}
