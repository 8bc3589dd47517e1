import { SummaryService, LONG_TERM_SPAN_MS } from './summary.service';

describe('SummaryService', () => {
  it('counts short-term results up to N, learned types and pairs over 30 days, live contexts', async () => {
    const now = Date.parse('2026-03-31T12:00:00.000Z');
    const asked: unknown[] = [];
    const service = new SummaryService(
      {
        results: { countLatest: async (n) => (asked.push(['short', n]), 42) },
        memoryStats: { learned: async (since, min) => (asked.push(['learned', since, min]), { types: 15, pairs: 25 }) },
        contexts: { countLive: async () => 3 },
      },
      { shortTerm: 100, patternMinResults: 10 },
      () => now,
    );
    expect(await service.summary()).toEqual({ short_term_count: 42, long_term_types: 15, patterns_learned: 25, contexts: 3 });
    expect(LONG_TERM_SPAN_MS).toBe(30 * 86_400_000);
    expect(asked).toEqual([['short', 100], ['learned', new Date(now - 30 * 86_400_000), 10]]);
  });
});
