import { recommendTier, ReplicaObservation, RESOURCE_TIERS } from './vertical';

const GIB = 1024 ** 3;
const NOW = Date.parse('2026-03-01T12:00:00Z');

function obs(over: Partial<ReplicaObservation>): ReplicaObservation {
  return { cpu_percent: 20, rss_bytes: 0.2 * GIB, event_loop_lag_ms: 2, cpus: 2, memory_limit_bytes: 4 * GIB, ...over };
}

describe('recommendTier (seed 000 resource tiers; never applied)', () => {
  it('lists the seed’s tiers micro … xlarge', () => {
    expect(RESOURCE_TIERS.map((t) => [t.name, t.cpu, t.memory_gib, t.gpu])).toEqual([
      ['micro', 1, 2, false], ['small', 2, 4, false], ['medium', 4, 8, true], ['large', 8, 16, true], ['xlarge', 16, 32, true],
    ]);
  });

  it('recommends the smallest tier covering p95 CPU ÷ 0.7 and peak RSS ÷ 0.8, and a downgrade from a larger envelope', () => {
    const r = recommendTier([obs({}), obs({ cpu_percent: 30 }), obs({ cpu_percent: 25, rss_bytes: 0.5 * GIB })], 3, 30, NOW);
    expect(r).toMatchObject({ applied: false, current_tier: 'small', recommended_tier: 'micro', advice: 'downgrade' });
    expect(r.basis).toMatchObject({ replicas: 3, samples: 3, cpu_cores_p95: 0.3, rss_bytes_max: 0.5 * GIB, cpus_available: 2 });
  });

  it('upgrades for memory: 3.5 GiB RSS needs 4.4 GiB → medium', () => {
    const r = recommendTier([obs({ rss_bytes: 3.5 * GIB })], 1, 30, NOW);
    expect(r).toMatchObject({ recommended_tier: 'medium', advice: 'upgrade' });
  });

  it('keeps the tier when it fits', () => {
    const r = recommendTier([obs({ cpu_percent: 100, event_loop_lag_ms: 5 })], 1, 30, NOW);
    expect(r).toMatchObject({ current_tier: 'small', recommended_tier: 'small', advice: 'keep' });
  });

  it('advises scaling out when a replica burns its one JavaScript thread with a lagging loop', () => {
    const r = recommendTier([obs({ cpu_percent: 98, event_loop_lag_ms: 250 })], 2, 30, NOW);
    expect(r.advice).toBe('scale_out');
    expect(r.reasons.join(' ')).toMatch(/add replicas rather than cores/);
  });

  it('has no advice without heartbeats', () => {
    expect(recommendTier([], 0, 30, NOW)).toMatchObject({ advice: 'no_data', recommended_tier: null, current_tier: null });
  });
});
