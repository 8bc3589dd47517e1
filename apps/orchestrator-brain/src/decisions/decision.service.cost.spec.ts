// Proves cost-aware decisions: expectedCostUsd (measured per success after 3, else price × mean tokens),
// meanTokensPerCall, and that with cost_weight 1 the cheap arm wins while with 0 the most reliable one does.
import { DecisionRequest, ServiceStat } from '@apiary/contracts';
import type { CandidateSource } from './candidates';
import { DecisionRecorder, DecisionService, DEFAULT_TOKENS_PER_CALL, expectedCostUsd, meanTokensPerCall, MIN_COST_SAMPLES } from './decision.service';
import type { LearnedStats, LearnedStatsSource } from './learned-stats';
import { mulberry32 } from './thompson';

const stat = (service: string, successes: number, failures: number, extra: Partial<ServiceStat> = {}): ServiceStat => ({
  task_type: 'llm.chat', service, count: successes + failures, successes, failures, mean_latency_ms: 200, last_at: '2026-01-01T00:00:00.000Z', ...extra,
});

describe('meanTokensPerCall', () => {
  it('is the tokens of the measured candidates over their successes', () => {
    expect(meanTokensPerCall([stat('a', 10, 0, { tokens_sum: 5000 }), stat('b', 30, 5, { tokens_sum: 45_000 })])).toBe(1250);
  });

  it('ignores candidates without tokens or without successes, and defaults to 1,000', () => {
    expect(DEFAULT_TOKENS_PER_CALL).toBe(1000);
    expect(meanTokensPerCall([])).toBe(1000);
    expect(meanTokensPerCall([stat('a', 10, 0, { tokens_sum: 0 }), stat('b', 0, 4, { tokens_sum: 800 }), stat('c', 5, 0)])).toBe(1000);
    expect(meanTokensPerCall([stat('a', 10, 0, { tokens_sum: 0 }), stat('b', 4, 0, { tokens_sum: 800 })])).toBe(200);
  });
});

describe('expectedCostUsd', () => {
  const price = { input_per_1m: 1, output_per_1m: 3 };

  it('is the measured cost per success once the arm has 3 successes', () => {
    expect(MIN_COST_SAMPLES).toBe(3);
    expect(expectedCostUsd(stat('a', 3, 7, { cost_usd_sum: 0.009 }), price, 1000)).toBeCloseTo(0.003, 15);
    expect(expectedCostUsd(stat('a', 80, 20, { cost_usd_sum: 0.08 }), undefined, 1000)).toBeCloseTo(0.001, 15);
  });

  it('before that, or without measured spend, is the price at the mean tokens per call, half prompt and half completion', () => {
    // 1,000 tokens: 500 × $1/M + 500 × $3/M = $0.002
    expect(expectedCostUsd(stat('a', 2, 0, { cost_usd_sum: 0.5 }), price, 1000)).toBeCloseTo(0.002, 15);
    expect(expectedCostUsd(undefined, price, 4000)).toBeCloseTo(0.008, 15);
    expect(expectedCostUsd(stat('a', 50, 0, { cost_usd_sum: 0 }), price, 1000)).toBeCloseTo(0.002, 15);
  });

  it('is null when neither spend nor a price is known', () => {
    expect(expectedCostUsd(undefined, undefined, 1000)).toBeNull();
    expect(expectedCostUsd(stat('a', 2, 0, { cost_usd_sum: 0.1 }), undefined, 1000)).toBeNull();
  });
});

/** Strict fakes of the ports: memory answers `stats`; candidates come with the request. */
function build(stats: ServiceStat[], seed: number) {
  const candidates: CandidateSource = {
    candidates: async () => {
      throw new Error('candidates are given by the request');
    },
  };
  const source: LearnedStatsSource = {
    windowS: 3600,
    forType: async (): Promise<LearnedStats> => ({ stats }),
    all: async () => stats,
  };
  const recorded: [string, number][] = [];
  const counters: DecisionRecorder = { record: (t, c) => void recorded.push([t, c]), totals: async () => [] };
  let n = 0;
  const service = new DecisionService(candidates, source, counters, { latencyRefMs: 1000 }, mulberry32(seed), () => new Date('2026-01-01T12:00:00.000Z'), () => `d-${++n}`);
  return { service, recorded };
}

describe('DecisionService with cost', () => {
  // Three providers priced 1×, 3×, 10× ($0.001, $0.003, $0.01 a call) that succeed 80 %, 98 %, 100 % of 100 calls;
  // failed calls cost nothing, so each cost sum is successes × price.
  const stats = [
    stat('p1/m', 80, 20, { cost_usd_sum: 80 * 0.001, tokens_sum: 80 * 1000 }),
    stat('p3/m', 98, 2, { cost_usd_sum: 98 * 0.003, tokens_sum: 98 * 1000 }),
    stat('p10/m', 100, 0, { cost_usd_sum: 100 * 0.01, tokens_sum: 100 * 1000 }),
  ];
  const prices = { 'p1/m': { input_per_1m: 1, output_per_1m: 1 }, 'p3/m': { input_per_1m: 3, output_per_1m: 3 }, 'p10/m': { input_per_1m: 10, output_per_1m: 10 } };
  const req = (cost_weight: number): DecisionRequest => ({ task_type: 'llm.chat', candidates: ['p1/m', 'p3/m', 'p10/m'], cost_weight, candidate_prices: prices, record: false });

  async function wins(costWeight: number, seed: number): Promise<Record<string, number>> {
    const { service } = build(stats, seed);
    const counts: Record<string, number> = { 'p1/m': 0, 'p3/m': 0, 'p10/m': 0 };
    for (let i = 0; i < 1000; i++) counts[(await service.decide(req(costWeight))).selected_service]++;
    return counts;
  }

  it('cost weight 1: the cheapest wins the large majority of 1,000 seeded draws despite failing 20 %', async () => {
    const counts = await wins(1, 101);
    expect(counts['p1/m']).toBeGreaterThanOrEqual(950);
    expect(counts['p10/m']).toBeLessThan(10);
  });

  it('cost weight 0: the 100 % provider wins most draws and the cheap one almost never', async () => {
    const counts = await wins(0, 202);
    expect(counts['p10/m']).toBeGreaterThan(700);
    expect(counts['p10/m']).toBeGreaterThan(counts['p3/m']);
    expect(counts['p1/m']).toBeLessThan(10);
  });

  it('reports each arm\'s expected cost and states the cost weight, cost per success and cost factor', async () => {
    const { service } = build(stats, 7);
    const d = await service.decide(req(1));
    expect(d.selected_service).toBe('p1/m');
    const costs = Object.fromEntries([d.selected, ...d.alternatives].map((a) => [a.service, a.expected_cost_usd]));
    expect(costs['p1/m']).toBeCloseTo(0.001, 12);
    expect(costs['p3/m']).toBeCloseTo(0.003, 12);
    expect(costs['p10/m']).toBeCloseTo(0.01, 12);
    expect(d.reasoning).toContain('cost weight 1: p1/m $0.00100 per success, cost factor 1.00 (cheapest $0.00100)');
    const ignored = await build(stats, 7).service.decide(req(0));
    expect(ignored.reasoning).toMatch(/; cost weight 0: cost ignored$/);
  });

  it('an arm without history is costed from its price at the type\'s mean tokens per call', async () => {
    const { service } = build([stat('a/m', 10, 0, { cost_usd_sum: 0.02, tokens_sum: 20_000 })], 3);
    const d = await service.decide({
      task_type: 'llm.chat', candidates: ['a/m', 'new/m'], cost_weight: 1, candidate_prices: { 'new/m': { input_per_1m: 0.5, output_per_1m: 1.5 } },
    });
    const costs = Object.fromEntries([d.selected, ...d.alternatives].map((a) => [a.service, a.expected_cost_usd]));
    expect(costs['a/m']).toBeCloseTo(0.002, 12); // measured: $0.02 over 10 successes
    expect(costs['new/m']).toBeCloseTo(0.002, 12); // 2,000 tokens a call × ($0.5 + $1.5) / 2 per million
  });

  it('without prices or spend, cost is neither weighed nor mentioned', async () => {
    const { service } = build([stat('a', 10, 0), stat('b', 10, 0)], 4);
    const d = await service.decide({ task_type: 'llm.chat', candidates: ['a', 'b'], cost_weight: 1 });
    expect(d.selected.expected_cost_usd).toBeNull();
    expect(d.reasoning).not.toContain('cost');
  });

  it('defaults to weight 0 when the request gives none', async () => {
    const { service } = build(stats, 5);
    const d = await service.decide({ task_type: 'llm.chat', candidates: ['p1/m', 'p3/m', 'p10/m'], candidate_prices: prices });
    expect(d.reasoning).toMatch(/cost weight 0: cost ignored$/);
  });
});
