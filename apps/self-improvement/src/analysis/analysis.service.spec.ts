import type { AnalysisSummary } from '@apiary/contracts';
import type { SuggestionDraft, UpsertOutcome } from '@apiary/persistence';
import { snapshot, stat, thresholds } from '../rules/snapshot.factory';
import { AnalysisService } from './analysis.service';
import type { StatisticsCollector } from './statistics-collector';

describe('AnalysisService', () => {
  const now = Date.parse('2026-03-01T12:00:00.000Z');
  let ids = 0;
  const newId = () => `id-${++ids}`;

  function setup(sourcesOk = true) {
    const windows: { fromMs: number; toMs: number }[] = [];
    const collector: Pick<StatisticsCollector, 'collect'> = {
      collect: async (w) => {
        windows.push(w);
        return {
          snapshot: snapshot({
            window: w,
            services: [stat('text.summarize', 'svc-b', { count: 50, failures: 10 }), stat('text.summarize', 'svc-a', { count: 50, p95_ms: 9000 })],
          }),
          sources: [
            { source: 'memory.service-stats', ok: sourcesOk, error: sourcesOk ? null : 'SERVICE_UNAVAILABLE: down' },
            { source: 'brain.backlog', ok: false, error: 'SERVICE_UNAVAILABLE: down' },
          ],
        };
      },
    };
    const upserts: { drafts: SuggestionDraft[]; at: Date; snoozeSince: Date }[] = [];
    const runs: AnalysisSummary[] = [];
    const repo = {
      upsertFindings: async (drafts: SuggestionDraft[], at: Date, snoozeSince: Date): Promise<UpsertOutcome> => {
        upserts.push({ drafts, at, snoozeSince });
        return { created: [], updated: [], suppressed: ['x'] };
      },
      insertAnalysis: async (a: AnalysisSummary) => void runs.push(a),
    };
    const service = new AnalysisService(collector, repo, { thresholds: thresholds(), rejectedSnoozeMs: 86_400_000 }, () => now, newId);
    return { service, windows, upserts, runs };
  }

  it('collects the window, upserts keyed findings with the evidence window, and records the run', async () => {
    const { service, windows, upserts, runs } = setup();
    const reply = await service.analyze(0.5, 'manual');
    expect(windows).toEqual([{ fromMs: now - 1_800_000, toMs: now }]);
    const window = { from: '2026-03-01T11:30:00.000Z', to: '2026-03-01T12:00:00.000Z', hours: 0.5 };
    expect(upserts).toHaveLength(1);
    expect(upserts[0].at).toEqual(new Date(now));
    expect(upserts[0].snoozeSince).toEqual(new Date(now - 86_400_000));
    expect(upserts[0].drafts.map((d) => d.key).sort()).toEqual([
      'high_error_rate:text.summarize:svc-b',
      'high_latency:text.summarize:svc-a',
      'low_success_vs_peers:text.summarize:svc-b',
    ]);
    expect(upserts[0].drafts.every((d) => JSON.stringify(d.evidence.window) === JSON.stringify(window))).toBe(true);
    expect(runs).toEqual([
      expect.objectContaining({ trigger: 'manual', window, findings: 3, created: 0, updated: 0, suppressed: 1, started_at: '2026-03-01T12:00:00.000Z' }),
    ]);
    expect(reply).toMatchObject({ analysis_id: runs[0].analysis_id, findings: 3, suggestions: [] });
    expect(reply.sources).toEqual([
      { source: 'memory.service-stats', ok: true, error: null },
      { source: 'brain.backlog', ok: false, error: 'SERVICE_UNAVAILABLE: down' },
    ]);
  });

  it('refuses to analyse when no source answered, recording nothing', async () => {
    const { service, upserts, runs } = setup(false);
    await expect(service.analyze(1, 'periodic')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('memory.service-stats') });
    expect(upserts).toEqual([]);
    expect(runs).toEqual([]);
  });
});
