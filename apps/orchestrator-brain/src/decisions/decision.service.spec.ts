import { ApiaryError, DecisionRequest, ServiceStat } from '@apiary/contracts';
import type { DecisionCount } from '@apiary/persistence';
import type { CandidateSet, CandidateSource } from './candidates';
import { DecisionRecorder, DecisionService, DEFAULT_DECISION_RESOURCES } from './decision.service';
import type { LearnedStats, LearnedStatsSource } from './learned-stats';
import { mulberry32 } from './thompson';

const stat = (service: string, successes: number, failures: number, mean_latency_ms = 100, task_type = 'email_campaign'): ServiceStat => ({
  task_type, service, count: successes + failures, successes, failures, mean_latency_ms, last_at: '2026-01-01T00:00:00.000Z',
});

/** Strict fakes of the ports. */
function build(options: { stats?: ServiceStat[]; unreachable?: string; candidates?: CandidateSet | ApiaryError; all?: ServiceStat[]; totals?: DecisionCount[]; seed?: number } = {}) {
  const recorded: [string, number][] = [];
  const candidateCalls: string[] = [];
  const candidates: CandidateSource = {
    candidates: async (type) => {
      candidateCalls.push(type);
      if (options.candidates instanceof ApiaryError) throw options.candidates;
      return options.candidates ?? { services: ['email-ai', 'content-ai'], source: 'router' };
    },
  };
  const stats: LearnedStatsSource = {
    windowS: 3600,
    forType: async (): Promise<LearnedStats> => ({ stats: options.stats ?? [], ...(options.unreachable ? { unreachable: options.unreachable } : {}) }),
    all: async () => options.all ?? [],
  };
  const counters: DecisionRecorder = {
    record: (type, confidence) => void recorded.push([type, confidence]),
    totals: async () => options.totals ?? [],
  };
  let n = 0;
  const service = new DecisionService(
    candidates,
    stats,
    counters,
    { latencyRefMs: 1000 },
    mulberry32(options.seed ?? 1),
    () => new Date('2026-01-01T12:00:00.000Z'),
    () => `d-${++n}`,
  );
  return { service, recorded, candidateCalls };
}

async function choices(service: DecisionService, req: DecisionRequest, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const d = await service.decide(req);
    counts[d.selected_service] = (counts[d.selected_service] ?? 0) + 1;
  }
  return counts;
}

describe('DecisionService: the decision rule (Thompson sampling)', () => {
  const req: DecisionRequest = { task_type: 'email_campaign', candidates: ['email-ai', 'content-ai'] };

  it('tries new services: with no history both are chosen', async () => {
    const { service } = build({ seed: 11 });
    const counts = await choices(service, req, 1000);
    expect(counts['email-ai']).toBeGreaterThan(350);
    expect(counts['content-ai']).toBeGreaterThan(350);
  });

  it('stops choosing a service on a bad streak: A 2/20, B 18/20 → B in ≥ 95% of 1,000 decisions', async () => {
    const { service } = build({ stats: [stat('email-ai', 2, 18), stat('content-ai', 18, 2)], seed: 12 });
    const counts = await choices(service, req, 1000);
    expect(counts['content-ai']).toBeGreaterThanOrEqual(950);
  });

  it('keeps exploring a newcomer next to a proven service', async () => {
    const { service } = build({ stats: [stat('email-ai', 45, 5)], seed: 13 });
    const counts = await choices(service, req, 1000);
    expect(counts['content-ai']).toBeGreaterThan(100); // the prior (0.7 ± 0.26) still wins sometimes
    expect(counts['email-ai']).toBeGreaterThan(counts['content-ai']);
    // Once the newcomer has shown it fails, it is rarely tried.
    const after = build({ stats: [stat('email-ai', 45, 5), stat('content-ai', 1, 9)], seed: 13 });
    expect((await choices(after.service, req, 1000))['content-ai'] ?? 0).toBeLessThan(20);
  });

  it('prefers the faster of two equally reliable services', async () => {
    const { service } = build({ stats: [stat('email-ai', 50, 0, 2000), stat('content-ai', 50, 0, 50)], seed: 14 });
    const counts = await choices(service, req, 1000);
    expect(counts['content-ai']).toBeGreaterThanOrEqual(990);
  });
});

describe('DecisionService: the decision', () => {
  it('has confidence 0.7 with no history, the seed priority level and default resources', async () => {
    const { service, recorded } = build();
    const d = await service.decide({ task_type: 'email_campaign', priority: 'high' });
    expect(d).toMatchObject({
      decision_id: 'd-1',
      task_type: 'email_campaign',
      confidence: 0.7,
      priority_level: 3,
      resources: DEFAULT_DECISION_RESOURCES,
      rule: 'thompson_sampling',
      decided_at: '2026-01-01T12:00:00.000Z',
    });
    expect([d.selected_service, ...d.alternatives.map((a) => a.service)].sort()).toEqual(['content-ai', 'email-ai']);
    expect(d.selected).toMatchObject({ service: d.selected_service, expected_success: 0.7, samples: 0, mean_latency_ms: null });
    expect(d.reasoning).toMatch(new RegExp(`^${d.selected_service}: no results in the last 3600 s, so the prior \\(70% expected success\\) stands in; drew \\d\\.\\d\\d vs \\S+ \\d\\.\\d\\d \\(Thompson sampling\\); 1 alternative$`));
    expect(recorded).toEqual([['email_campaign', 0.7]]);
  });

  it('grows confidence with evidence: 0.95 after 10 successes', async () => {
    const { service } = build({ stats: [stat('email-ai', 10, 0, 120)] });
    const d = await service.decide({ task_type: 'email_campaign', candidates: ['email-ai'], priority: 'critical', resources: { cpu: 4, memory: 8192 } });
    expect(d.confidence).toBe(0.95);
    expect(d.priority_level).toBe(4);
    expect(d.resources).toEqual({ cpu: 4, memory: 8192 });
    expect(d.reasoning).toMatch(/^email-ai: 10\/10 succeeded \(100%\), mean 120 ms over the last 3600 s; drew 0\.\d\d, the only candidate \(Thompson sampling\); 0 alternatives$/);
  });

  it('says in words why, naming the alternatives and their draws, best first', async () => {
    const { service } = build({
      stats: [stat('email-ai', 48, 2, 120), stat('content-ai', 5, 45, 300), stat('marketing-ai', 1, 9, 80), stat('seo-ai', 0, 10), stat('ads-ai', 0, 10)],
    });
    const d = await service.decide({ task_type: 'email_campaign', candidates: ['content-ai', 'email-ai', 'marketing-ai', 'seo-ai', 'ads-ai'] });
    expect(d.selected_service).toBe('email-ai');
    expect(d.confidence).toBe(0.95); // (1.4 + 48) / (2 + 50)
    const alt = d.alternatives.map((a) => `${a.service} ${a.sampled_score.toFixed(2)}`);
    expect(d.reasoning).toBe(
      `email-ai: 48/50 succeeded (96%), mean 120 ms over the last 3600 s; drew ${d.selected.sampled_score.toFixed(2)} vs ${alt.slice(0, 3).join(', ')}, 1 more lower (Thompson sampling); 4 alternatives`,
    );
    for (let i = 1; i < d.alternatives.length; i++) expect(d.alternatives[i - 1].sampled_score).toBeGreaterThanOrEqual(d.alternatives[i].sampled_score);
    expect(d.alternatives.find((a) => a.service === 'content-ai')).toMatchObject({ samples: 50, expected_success: 0.1231, mean_latency_ms: 300 });
  });

  it('decides on the prior when memory is unreachable, and says so', async () => {
    const { service } = build({ unreachable: 'SERVICE_UNAVAILABLE: No service answers apiary.memory.service-stats' });
    const d = await service.decide({ task_type: 'email_campaign', candidates: ['email-ai'] });
    expect(d.confidence).toBe(0.7);
    expect(d.reasoning).toMatch(/^memory unreachable \(SERVICE_UNAVAILABLE: No service answers apiary\.memory\.service-stats\), so the prior decided; email-ai drew \d\.\d\d, the only candidate \(Thompson sampling\); 0 alternatives$/);
  });

  it('asks the candidate source only when the request names no candidates, and names a built-in handler', async () => {
    const { service, candidateCalls } = build({ candidates: { services: ['noop'], source: 'builtin' } });
    await service.decide({ task_type: 'noop', candidates: ['x'] });
    expect(candidateCalls).toEqual([]);
    const d = await service.decide({ task_type: 'noop' });
    expect(candidateCalls).toEqual(['noop']);
    expect(d.selected_service).toBe('noop');
    expect(d.reasoning).toMatch(/^built-in handler noop: no registered service offers noop; noop: no results/);
  });

  it('throws NO_CAPABLE_SERVICE naming the task type when there is no candidate', async () => {
    const { service } = build({ candidates: new ApiaryError('NO_CAPABLE_SERVICE', 'No service offers task type video_generation') });
    await expect(service.decide({ task_type: 'email_campaign', candidates: [] })).rejects.toMatchObject({ code: 'NO_CAPABLE_SERVICE', message: expect.stringContaining('email_campaign') });
    await expect(service.decide({ task_type: 'video_generation' })).rejects.toMatchObject({ code: 'NO_CAPABLE_SERVICE', message: expect.stringContaining('video_generation') });
  });

  it('does not count `record: false` decisions', async () => {
    const { service, recorded } = build();
    await service.decide({ task_type: 'email_campaign', record: false });
    await service.decide({ task_type: 'email_campaign' });
    expect(recorded).toHaveLength(1);
  });
});

describe('DecisionService: performance', () => {
  it('sums counters and reports what memory learned', async () => {
    const { service } = build({
      totals: [{ task_type: 'a', decisions: 3, confidence_sum: 2.4 }, { task_type: 'b', decisions: 1, confidence_sum: 0.95 }],
      all: [stat('email-ai', 9, 1, 120, 'a'), stat('content-ai', 1, 0, 50, 'a'), stat('noop', 4, 0, 1, 'noop')],
    });
    expect(await service.performance()).toEqual({
      total_decisions: 4,
      task_types_learned: 2,
      average_confidence: 0.8375,
      decisions_by_type: { a: 3, b: 1 },
      learned: [
        { task_type: 'a', service: 'email-ai', samples: 10, success_rate: 0.9, mean_latency_ms: 120 },
        { task_type: 'a', service: 'content-ai', samples: 1, success_rate: 1, mean_latency_ms: 50 },
        { task_type: 'noop', service: 'noop', samples: 4, success_rate: 1, mean_latency_ms: 1 },
      ],
      rule: 'thompson_sampling',
      window_s: 3600,
    });
  });

  it('has no average confidence before any decision', async () => {
    const { service } = build();
    expect(await service.performance()).toMatchObject({ total_decisions: 0, average_confidence: null, task_types_learned: 0, learned: [] });
  });
});
