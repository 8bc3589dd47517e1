import { ApiaryError, MEMORY_SERVICE_STATS, ServiceStat, ServiceStatsReply, ServiceStatsRequest } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import { TtlCache } from './ttl-cache';

/** What memory has learned about one task type, as a decision sees it. */
export interface LearnedStats {
  /** Statistics per service of the task type over the window (empty when unreachable). */
  stats: ServiceStat[];
  /** Set when memory could not be asked: the error code and message. */
  unreachable?: string;
}

/** Where decisions read learned statistics from (memory, over NATS). */
export interface LearnedStatsSource {
  /** Learning window, seconds. */
  readonly windowS: number;
  /** @returns the task type's statistics; never rejects (an unreachable memory is reported in the result) */
  forType(taskType: string): Promise<LearnedStats>;
  /** @returns statistics of every task type. @throws ApiaryError when memory cannot be asked */
  all(): Promise<ServiceStat[]>;
}

/** Options of {@link MemoryStatsSource}. */
export interface MemoryStatsOptions {
  /** How long one answer per task type is reused, ms. */
  ttlMs: number;
  /** Learning window asked of memory, seconds (60..2,592,000). */
  windowS: number;
  /** Reply timeout of memory, ms. */
  timeoutMs: number;
}

/**
 * Reads memory's statistics (`apiary.memory.service-stats`) for decisions: at
 * most one request per task type per TTL, concurrent decisions of a type sharing
 * the request in flight. Outcomes reach memory batched through the completions
 * stream, so learning costs no request per task (seed 002 `learn_from_result`).
 * When memory does not answer, the failure is cached like an answer for one TTL
 * and decisions fall back to the prior.
 */
export class MemoryStatsSource implements LearnedStatsSource {
  private readonly cache: TtlCache<LearnedStats>;
  readonly windowS: number;

  /**
   * @param rpc NATS request/reply client
   * @param options TTL, window and timeout
   * @param now clock, ms (injected for tests)
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly options: MemoryStatsOptions,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(options.ttlMs, now);
    this.windowS = options.windowS;
  }

  /** {@inheritDoc LearnedStatsSource.forType} */
  forType(taskType: string): Promise<LearnedStats> {
    return this.cache.get(taskType, async () => {
      try {
        const stats = await this.request({ task_types: [taskType], window_s: this.windowS });
        return { stats: stats.filter((s) => s.task_type === taskType) };
      } catch (error) {
        const e = error instanceof ApiaryError ? error : new ApiaryError('INTERNAL', String((error as Error)?.message ?? error));
        return { stats: [], unreachable: `${e.code}: ${e.message}` };
      }
    });
  }

  /** {@inheritDoc LearnedStatsSource.all} */
  all(): Promise<ServiceStat[]> {
    return this.request({ window_s: this.windowS });
  }

  private async request(req: ServiceStatsRequest): Promise<ServiceStat[]> {
    const reply = await this.rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, req, { timeoutMs: this.options.timeoutMs });
    return reply.stats;
  }
}
