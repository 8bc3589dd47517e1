import type { Logger } from 'pino';
import {
  ApiaryError,
  ImprovementReport,
  ListSuggestionsRequest,
  MeasuredImprovement,
  RejectSuggestionRequest,
  SUGGESTION_PRIORITIES,
  SUGGESTION_STATUSES,
  SuggestionDecisionRequest,
  SuggestionPage,
  SuggestionPriority,
  SuggestionStatus,
  SuggestionView,
} from '@apiary/contracts';
import type { SuggestionPatch, SuggestionRecord, SuggestionRepository } from '@apiary/persistence';
import type { ImpactTracker } from '../analysis/impact-tracker';
import { approve, implemented, reject } from './suggestion-lifecycle';

/** Default page size of {@link SuggestionsService.list}. */
export const DEFAULT_PAGE_SIZE = 100;
/** Measured improvements listed by the report (latest first). */
export const REPORT_IMPROVEMENTS = 100;

/**
 * Suggestions as people see and decide them (seed 002 `get_pending_suggestions`,
 * `track_improvement`, `get_improvement_report`). Decisions are recorded only:
 * this class talks to its own tables and to nothing else, so approving changes no
 * other service's state.
 */
export class SuggestionsService {
  /**
   * @param repo suggestions and analysis runs
   * @param impacts impact tracking (due impacts are measured on reads)
   * @param logger logger
   * @param now clock, epoch ms (injected for tests)
   */
  constructor(
    private readonly repo: Pick<SuggestionRepository, 'list' | 'get' | 'update' | 'counts' | 'impacts' | 'lastAnalysis'>,
    private readonly impacts: Pick<ImpactTracker, 'measureDue'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** @returns suggestions newest first, filtered by status and priority */
  async list(req: ListSuggestionsRequest): Promise<SuggestionPage> {
    const page = await this.repo.list({ status: req.status, priority: req.priority }, req.limit ?? DEFAULT_PAGE_SIZE, req.cursor);
    return { suggestions: page.items.map((r) => r.view), next_cursor: page.next };
  }

  /**
   * One suggestion, its impact measured first if due.
   * @throws ApiaryError SUGGESTION_NOT_FOUND
   */
  async get(id: string): Promise<SuggestionView> {
    await this.measure(id);
    return this.found(id, await this.repo.get(id)).view;
  }

  /**
   * Approves an open suggestion (records the decision; nothing is applied).
   * @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION
   */
  approve(req: SuggestionDecisionRequest): Promise<SuggestionView> {
    return this.decide(req.id, (at, current) => approve(current.view, req.actor ?? null, at));
  }

  /**
   * Rejects an open or approved suggestion.
   * @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION
   */
  reject(req: RejectSuggestionRequest): Promise<SuggestionView> {
    return this.decide(req.id, (at, current) => reject(current.view, req.reason, req.actor ?? null, at));
  }

  /**
   * Marks an approved suggestion implemented; its impact is measured once the after-window has passed.
   * @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION
   */
  implemented(req: SuggestionDecisionRequest): Promise<SuggestionView> {
    return this.decide(req.id, (at, current) => implemented(current, req.actor ?? null, at));
  }

  /** Suggestions by status and priority, measured improvements (due ones measured first), the last analysis. */
  async report(): Promise<ImprovementReport> {
    await this.measure();
    const [counts, impacts, last] = await Promise.all([this.repo.counts(), this.repo.impacts(REPORT_IMPROVEMENTS), this.repo.lastAnalysis()]);
    const zeros = () => Object.fromEntries(SUGGESTION_PRIORITIES.map((p) => [p, 0])) as Record<SuggestionPriority, number>;
    const byStatusAndPriority = Object.fromEntries(SUGGESTION_STATUSES.map((s) => [s, zeros()])) as Record<SuggestionStatus, Record<SuggestionPriority, number>>;
    const byStatus = Object.fromEntries(SUGGESTION_STATUSES.map((s) => [s, 0])) as Record<SuggestionStatus, number>;
    const byPriority = zeros();
    for (const c of counts) {
      byStatusAndPriority[c.status][c.priority] += c.count;
      byStatus[c.status] += c.count;
      byPriority[c.priority] += c.count;
    }
    return {
      generated_at: new Date(this.now()).toISOString(),
      total: counts.reduce((n, c) => n + c.count, 0),
      by_status: byStatus,
      by_priority: byPriority,
      by_status_and_priority: byStatusAndPriority,
      pending_impacts: impacts.pending,
      improvements: impacts.measured.flatMap((r) => measuredOf(r)),
      average_improvement: impacts.average === null ? null : Math.round(impacts.average * 10_000) / 10_000,
      last_analysis: last,
    };
  }

  private async decide(id: string, decide: (at: Date, current: SuggestionRecord) => SuggestionPatch): Promise<SuggestionView> {
    const at = new Date(this.now());
    return this.found(id, await this.repo.update(id, (current) => decide(at, current), at)).view;
  }

  private found(id: string, record: SuggestionRecord | undefined): SuggestionRecord {
    if (!record) throw new ApiaryError('SUGGESTION_NOT_FOUND', `Suggestion ${id} not found`);
    return record;
  }

  private async measure(id?: string): Promise<void> {
    await this.impacts.measureDue(id).catch((err: unknown) => this.logger.warn({ err, suggestion: id }, 'impact measurement failed'));
  }
}

function measuredOf(r: SuggestionRecord): MeasuredImprovement[] {
  const { view } = r;
  const impact = view.impact;
  if (!impact || impact.status === 'pending' || !view.implemented_at || !impact.measured_at) return [];
  return [
    {
      suggestion_id: view.id,
      key: view.key,
      title: view.title,
      action: view.action,
      metric: impact.metric,
      direction: impact.direction,
      before: impact.before,
      after: impact.after,
      improvement: impact.improvement,
      status: impact.status,
      before_window: impact.before_window,
      after_window: impact.after_window,
      implemented_at: view.implemented_at,
      measured_at: impact.measured_at,
    },
  ];
}
