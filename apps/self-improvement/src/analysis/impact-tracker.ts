import type { Logger } from 'pino';
import type { SuggestionRule } from '@apiary/contracts';
import type { SuggestionRecord, SuggestionRepository } from '@apiary/persistence';
import type { Rule } from '../rules/rule';
import { completeImpact } from '../suggestions/suggestion-lifecycle';
import type { StatisticsCollector } from './statistics-collector';

/** Most impacts measured per call. */
const BATCH = 50;

/**
 * Impact tracking (seed 002 `track_improvement`): for implemented suggestions
 * whose after-window has passed, measures the evidence metric of the same
 * subject over `[after_window.from, now]` with the rule's own measure, and stores
 * `{ before, after, improvement }`. A measurement whose sources do not answer
 * stays pending for the next call. Safe in several replicas: the first stored
 * measurement wins.
 */
export class ImpactTracker {
  private running?: Promise<number>;

  /**
   * @param repo suggestions
   * @param collector statistics over NATS
   * @param rules rules by id (their `needs` and `measure`)
   * @param logger logger
   * @param now clock, epoch ms (injected for tests)
   */
  constructor(
    private readonly repo: Pick<SuggestionRepository, 'dueImpacts' | 'recordImpact'>,
    private readonly collector: Pick<StatisticsCollector, 'collect'>,
    private readonly rules: ReadonlyMap<SuggestionRule, Rule>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Measures the impacts that are due (all, or one suggestion's). Concurrent calls
   * for all share one run.
   * @param id only this suggestion
   * @returns number of impacts stored by this call
   */
  measureDue(id?: string): Promise<number> {
    if (id !== undefined) return this.run(id);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(id?: string): Promise<number> {
    const due = await this.repo.dueImpacts(new Date(this.now()), BATCH, id);
    let stored = 0;
    for (const record of due) {
      if (await this.measure(record)) stored += 1;
    }
    return stored;
  }

  private async measure(record: SuggestionRecord): Promise<boolean> {
    const { view } = record;
    const rule = this.rules.get(view.rule);
    const pending = view.impact;
    if (!rule || !pending) return false;
    const toMs = this.now();
    const { snapshot, sources } = await this.collector.collect(
      { fromMs: Date.parse(pending.after_window.from), toMs, alignedStart: true },
      rule.needs,
    );
    const failed = sources.filter((s) => !s.ok);
    if (failed.length > 0) {
      this.logger.warn({ suggestion: view.id, failed }, 'impact measurement postponed: a statistics source did not answer');
      return false;
    }
    const after = rule.measure(snapshot, { task_type: view.task_type, service: view.service }, pending.metric);
    return this.repo.recordImpact(view.id, completeImpact(pending, after, toMs), new Date(toMs));
  }
}
