import {
  MAX_LISTED_RESULT_BYTES,
  MemoryResult,
  RELEVANT_CANDIDATES,
  RelevantReply,
  RelevantRequest,
  ShortTermReply,
  ShortTermRequest,
} from '@apiary/contracts';
import type { StoredResult, TaskResultRepository } from '@apiary/persistence';

/** Window of a relevant-results request without `window_s`, seconds (one day). */
export const DEFAULT_RELEVANT_WINDOW_S = 86_400;
/** Results returned by a relevant-results request without `limit`. */
export const DEFAULT_RELEVANT_LIMIT = 10;

/** A stored result as the contract's {@link MemoryResult}. */
export function toMemoryResult(r: StoredResult): MemoryResult {
  return { ...r, result: r.result ?? null, result_truncated: r.result_truncated === true, finished_at: r.finished_at.toISOString() };
}

/**
 * Reads of stored results: relevant memories (seed 002 `get_relevant_memories`)
 * and short-term memory (seed 002 "Short-term: last 100 tasks"). Both read a
 * bounded number of index entries whatever the history.
 */
export class MemoryResultsService {
  /**
   * @param repo stored results
   * @param shortTermCapacity N of short-term memory (`APIARY_MEMORY_SHORT_TERM`)
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repo: Pick<TaskResultRepository, 'relevant' | 'latest'>,
    private readonly shortTermCapacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Most relevant past results of a type: among the {@link RELEVANT_CANDIDATES}
   * newest that finished within the window (default one day), those of
   * `context_id` first (when given), then successful before failed, then newest.
   */
  async relevant(req: RelevantRequest): Promise<RelevantReply> {
    const windowS = req.window_s ?? DEFAULT_RELEVANT_WINDOW_S;
    const rows = await this.repo.relevant({
      taskType: req.task_type,
      since: new Date(this.now() - windowS * 1000),
      limit: req.limit ?? DEFAULT_RELEVANT_LIMIT,
      candidates: RELEVANT_CANDIDATES,
      contextId: req.context_id,
      maxResultBytes: MAX_LISTED_RESULT_BYTES,
    });
    return { task_type: req.task_type, window_s: windowS, results: rows.map(toMemoryResult) };
  }

  /**
   * The last results by finish time, newest first: `limit` of them, at most (and
   * by default) the short-term capacity N.
   */
  async shortTerm(req: ShortTermRequest): Promise<ShortTermReply> {
    const limit = Math.min(req.limit ?? this.shortTermCapacity, this.shortTermCapacity);
    const rows = await this.repo.latest(limit, MAX_LISTED_RESULT_BYTES);
    return { capacity: this.shortTermCapacity, results: rows.map(toMemoryResult) };
  }
}
