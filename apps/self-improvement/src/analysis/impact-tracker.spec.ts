import pino from 'pino';
import type { SuggestionImpact, SuggestionView } from '@apiary/contracts';
import type { SuggestionRecord } from '@apiary/persistence';
import { RULES_BY_ID } from '../rules/rules';
import { snapshot, stat } from '../rules/snapshot.factory';
import type { CollectWindow, StatisticsCollector } from './statistics-collector';
import { ImpactTracker } from './impact-tracker';

describe('ImpactTracker', () => {
  const now = Date.parse('2026-03-01T13:40:00.000Z');
  const pending: SuggestionImpact = {
    status: 'pending', metric: 'error_rate', direction: 'lower_is_better', before: 0.2,
    before_window: { from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z', hours: 1 },
    after: null, after_window: { from: '2026-03-01T12:31:00.000Z', to: '2026-03-01T13:31:00.000Z', hours: 1 },
    improvement: null, measured_at: null,
  };
  const record = { view: { id: 's1', rule: 'high_error_rate', task_type: 't', service: 'svc', impact: pending } as SuggestionView, direction: 'lower_is_better', impactDueAt: new Date(now - 1) } as SuggestionRecord;

  function setup(stats: ReturnType<typeof stat>[] | null) {
    const windows: CollectWindow[] = [];
    const needs: unknown[] = [];
    const collector: Pick<StatisticsCollector, 'collect'> = {
      collect: async (w, n) => {
        windows.push(w);
        needs.push(n);
        return { snapshot: snapshot({ window: w, services: stats }), sources: [{ source: 'memory.service-stats', ok: stats !== null, error: stats ? null : 'UPSTREAM_TIMEOUT: slow' }] };
      },
    };
    const stored: { id: string; impact: SuggestionImpact }[] = [];
    const repo = {
      dueImpacts: async (at: Date, _limit: number, id?: string) => (at.getTime() === now && (id === undefined || id === 's1') ? [record] : []),
      recordImpact: async (id: string, impact: SuggestionImpact) => (stored.push({ id, impact }), true),
    };
    return { tracker: new ImpactTracker(repo, collector, RULES_BY_ID, pino({ level: 'silent' }), () => now), windows, needs, stored };
  }

  it("re-measures the rule's metric for the same subject from the after-window's start to now", async () => {
    const { tracker, windows, needs, stored } = setup([stat('t', 'svc', { count: 40, failures: 2 })]);
    expect(await tracker.measureDue()).toBe(1);
    expect(windows).toEqual([{ fromMs: Date.parse('2026-03-01T12:31:00.000Z'), toMs: now, alignedStart: true }]);
    expect(needs).toEqual([['memory.service-stats']]);
    expect(stored).toEqual([{
      id: 's1',
      impact: {
        ...pending, status: 'measured', after: 0.05, improvement: 0.75, measured_at: '2026-03-01T13:40:00.000Z',
        after_window: { from: '2026-03-01T12:31:00.000Z', to: '2026-03-01T13:40:00.000Z', hours: 69 / 60 },
      },
    }]);
  });

  it('stores no_data when the subject had no results', async () => {
    const { tracker, stored } = setup([]);
    await tracker.measureDue('s1');
    expect(stored[0].impact).toMatchObject({ status: 'no_data', after: null, improvement: null });
  });

  it('keeps the impact pending when a source does not answer', async () => {
    const { tracker, stored } = setup(null);
    expect(await tracker.measureDue()).toBe(0);
    expect(stored).toEqual([]);
  });
});
