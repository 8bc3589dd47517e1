import { MemorySummary } from '@apiary/contracts';
import { HOUR_ROWS_RETENTION_MS, HOUR_MS } from '@apiary/persistence';
import type { MemoryContextRepository, MemoryStatsRepository, TaskResultRepository } from '@apiary/persistence';

/** Span of long-term memory counted by the summary: the 30 days every window can reach, ms. */
export const LONG_TERM_SPAN_MS = HOUR_ROWS_RETENTION_MS - HOUR_MS;

/**
 * Memory summary (seed 002 `get_memory_summary`): four counts, each read with a
 * bounded query (N index entries; hour rows of the last 30 days; live contexts).
 */
export class SummaryService {
  /**
   * @param repos stored results, long-term statistics, contexts
   * @param options `shortTerm`: N of short-term memory; `patternMinResults`: results
   *   a (task type, service) pair needs to count as a learned pattern
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repos: {
      results: Pick<TaskResultRepository, 'countLatest'>;
      memoryStats: Pick<MemoryStatsRepository, 'learned'>;
      contexts: Pick<MemoryContextRepository, 'countLive'>;
    },
    private readonly options: { shortTerm: number; patternMinResults: number },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @returns `short_term_count` = min(N, results stored); `long_term_types` = task
   *   types with a result in the last 30 days; `patterns_learned` = (task type,
   *   service) pairs with at least `patternMinResults` results (one per call or
   *   handler run) in the last 30 days (from the hour of `now − 30 d`);
   *   `contexts` = contexts not expired
   */
  async summary(): Promise<MemorySummary> {
    const [shortTerm, learned, contexts] = await Promise.all([
      this.repos.results.countLatest(this.options.shortTerm),
      this.repos.memoryStats.learned(new Date(this.now() - LONG_TERM_SPAN_MS), this.options.patternMinResults),
      this.repos.contexts.countLive(),
    ]);
    return { short_term_count: shortTerm, long_term_types: learned.types, patterns_learned: learned.pairs, contexts };
  }
}
