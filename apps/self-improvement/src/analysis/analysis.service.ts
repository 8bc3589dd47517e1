import { randomUUID } from 'node:crypto';
import { AnalysisReply, AnalysisSummary, ApiaryError, EvidenceWindow } from '@apiary/contracts';
import type { SuggestionDraft, SuggestionRepository } from '@apiary/persistence';
import { evaluateRules } from '../rules/rules';
import { findingKey, RuleThresholds } from '../rules/rule';
import type { StatisticsCollector } from './statistics-collector';

/** Settings of {@link AnalysisService}. */
export interface AnalysisOptions {
  thresholds: RuleThresholds;
  /** A rejected key is not suggested again for this long, ms (`APIARY_REJECTED_SNOOZE_S`). */
  rejectedSnoozeMs: number;
}

/**
 * One analysis (seed 002 `analyze_performance`): collect the statistics of the
 * window, run every rule, upsert the findings as suggestions (one open or
 * approved suggestion per key: the same finding updates it), record the run.
 * Suggests only; applies nothing.
 */
export class AnalysisService {
  /**
   * @param collector statistics over NATS
   * @param repo suggestions and analysis runs
   * @param options thresholds and snooze
   * @param now clock, epoch ms (injected for tests)
   * @param newId id generator (injected for tests)
   */
  constructor(
    private readonly collector: Pick<StatisticsCollector, 'collect'>,
    private readonly repo: Pick<SuggestionRepository, 'upsertFindings' | 'insertAnalysis'>,
    private readonly options: AnalysisOptions,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = randomUUID,
  ) {}

  /**
   * @param hours window, hours back from now (0 < h ≤ 720; validated by the caller)
   * @param trigger `manual` or `periodic`
   * @returns the run and the suggestions it created or updated
   * @throws ApiaryError SERVICE_UNAVAILABLE when no statistics source answered (nothing is recorded)
   */
  async analyze(hours: number, trigger: AnalysisSummary['trigger']): Promise<AnalysisReply> {
    const startedMs = this.now();
    const fromMs = startedMs - hours * 3_600_000;
    const { snapshot, sources } = await this.collector.collect({ fromMs, toMs: startedMs });
    if (sources.every((s) => !s.ok)) {
      throw new ApiaryError('SERVICE_UNAVAILABLE', `No statistics source answered: ${sources.map((s) => `${s.source} (${s.error})`).join('; ')}`, { sources });
    }
    const window: EvidenceWindow = { from: new Date(fromMs).toISOString(), to: new Date(startedMs).toISOString(), hours };
    const findings = evaluateRules(snapshot, this.options.thresholds);
    const drafts = new Map<string, SuggestionDraft>();
    for (const f of findings) {
      const key = findingKey(f.rule, f);
      drafts.set(key, { key, ...f, evidence: { ...f.evidence, window } });
    }
    const at = new Date(startedMs);
    const outcome = await this.repo.upsertFindings([...drafts.values()], at, new Date(startedMs - this.options.rejectedSnoozeMs), this.newId);
    const summary: AnalysisSummary = {
      analysis_id: this.newId(),
      trigger,
      window,
      started_at: at.toISOString(),
      finished_at: new Date(Math.max(this.now(), startedMs)).toISOString(),
      findings: drafts.size,
      created: outcome.created.length,
      updated: outcome.updated.length,
      suppressed: outcome.suppressed.length,
      sources,
    };
    await this.repo.insertAnalysis(summary);
    return { ...summary, suggestions: [...outcome.created, ...outcome.updated].map((r) => r.view) };
  }
}
