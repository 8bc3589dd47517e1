import {
  ANALYSIS_SOURCES,
  AnalysisSource,
  ApiaryError,
  BacklogReply,
  BacklogRequest,
  BRAIN_BACKLOG,
  ListServicesReply,
  MEMORY_RUNNER_STATS,
  MEMORY_SERVICE_STATS,
  ROUTER_SERVICE_LIST,
  ROUTER_STATS,
  RoutingStats,
  RunnerStatsReply,
  RunnerStatsRequest,
  ServiceStatsReply,
  ServiceStatsRequest,
  SourceStatus,
} from '@apiary/contracts';
import type { StatisticsSnapshot } from '../rules/rule';

/** The request/reply client the collector uses (`NatsRpcClient` in the service). */
export interface RpcPort {
  request<T>(subject: string, data: unknown, options?: { timeoutMs?: number }): Promise<T>;
}

/** A window to collect statistics over, epoch ms. */
export interface CollectWindow {
  fromMs: number;
  toMs: number;
  /**
   * The window starts on a whole minute (an impact after-window): memory is asked
   * for one second less, so its rounding down to the minute stays on `fromMs`
   * instead of reaching into the minute before.
   */
  alignedStart?: boolean;
}

/** Memory's shortest and longest windows, seconds (`ServiceStatsRequest.window_s`). */
const MEMORY_WINDOW_S = { min: 60, max: 2_592_000 } as const;
/** The brain's shortest and longest backlog windows, seconds. */
const BRAIN_WINDOW_S = { min: 1, max: 2_592_000 } as const;

function clamp(x: number, range: { min: number; max: number }): number {
  return Math.min(range.max, Math.max(range.min, x));
}

/**
 * @returns `window_s` for memory: the window's length in seconds (one second less
 *   for an aligned start), within memory's 60..2,592,000 s (a shorter window reads
 *   memory's last minute)
 */
export function memoryWindowS(w: CollectWindow): number {
  const s = (w.toMs - w.fromMs) / 1000;
  return clamp(w.alignedStart ? Math.floor(s) - 1 : Math.round(s), MEMORY_WINDOW_S);
}

/** @returns `window_s` for the brain's backlog: the window's length in seconds, 1..2,592,000 */
export function brainWindowS(w: CollectWindow): number {
  const s = (w.toMs - w.fromMs) / 1000;
  return clamp(w.alignedStart ? Math.floor(s) : Math.round(s), BRAIN_WINDOW_S);
}

function describe(error: unknown): string {
  if (error instanceof ApiaryError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Gathers a {@link StatisticsSnapshot} over NATS, never another service's
 * tables: memory (`apiary.memory.service-stats` with `detail`, per service and
 * per type; `apiary.memory.runner-stats`), task-router (`apiary.router.services.list`,
 * `apiary.router.stats`) and the brain (`apiary.brain.backlog`), all at once. A
 * source that does not answer leaves its part null and is reported, the others
 * still count.
 */
export class StatisticsCollector {
  /**
   * @param rpc request/reply client
   * @param timeoutMs reply timeout per request, ms
   */
  constructor(
    private readonly rpc: RpcPort,
    private readonly timeoutMs: number,
  ) {}

  /**
   * @param window statistics window
   * @param needs sources to ask (default all)
   * @returns the snapshot and, per asked source, whether it answered
   */
  async collect(window: CollectWindow, needs: readonly AnalysisSource[] = ANALYSIS_SOURCES): Promise<{ snapshot: StatisticsSnapshot; sources: SourceStatus[] }> {
    const wanted = new Set(needs);
    const options = { timeoutMs: this.timeoutMs };
    const memoryS = memoryWindowS(window);
    const ask = <T, R>(source: AnalysisSource, subject: string, data: unknown, pick: (reply: T) => R): Promise<R | null> | null =>
      wanted.has(source) ? this.rpc.request<T>(subject, data, options).then(pick) : null;
    const serviceStats: ServiceStatsRequest = { window_s: memoryS, detail: true };
    const typeStats: ServiceStatsRequest = { window_s: memoryS, detail: true, group_by: 'task_type' };
    const runnerStats: RunnerStatsRequest = { window_s: memoryS };
    const backlog: BacklogRequest = { window_s: brainWindowS(window) };
    const pending: [AnalysisSource, Promise<unknown> | null][] = [
      ['memory.service-stats', ask('memory.service-stats', MEMORY_SERVICE_STATS, serviceStats, (r: ServiceStatsReply) => r.stats)],
      ['memory.type-stats', ask('memory.type-stats', MEMORY_SERVICE_STATS, typeStats, (r: ServiceStatsReply) => r.stats)],
      ['memory.runner-stats', ask('memory.runner-stats', MEMORY_RUNNER_STATS, runnerStats, (r: RunnerStatsReply) => r.runners)],
      ['router.services', ask('router.services', ROUTER_SERVICE_LIST, {}, (r: ListServicesReply) => r.services)],
      ['router.stats', ask('router.stats', ROUTER_STATS, {}, (r: RoutingStats) => r.breaker_states)],
      ['brain.backlog', ask('brain.backlog', BRAIN_BACKLOG, backlog, (r: BacklogReply) => r)],
    ];
    const settled = await Promise.allSettled(pending.map(([, p]) => p ?? Promise.resolve(null)));
    const values = new Map<AnalysisSource, unknown>();
    const sources: SourceStatus[] = [];
    pending.forEach(([source, p], i) => {
      const result = settled[i];
      if (p === null || !result) return;
      if (result.status === 'fulfilled') {
        values.set(source, result.value);
        sources.push({ source, ok: true, error: null });
      } else {
        sources.push({ source, ok: false, error: describe(result.reason) });
      }
    });
    const get = <T>(source: AnalysisSource): T | null => (values.get(source) as T | undefined) ?? null;
    return {
      snapshot: {
        window: { fromMs: window.fromMs, toMs: window.toMs },
        services: get('memory.service-stats'),
        types: get('memory.type-stats'),
        runners: get('memory.runner-stats'),
        registry: get('router.services'),
        breakers: get('router.stats'),
        backlog: get('brain.backlog'),
      },
      sources,
    };
  }
}
