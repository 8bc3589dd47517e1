import { computeTarget, TargetInput } from './target';

const base: TargetInput = { queueDepth: 0, projectedQueueDepth: null, arrivalsPerS: 0, capacityPerReplica: 40, capacitySource: 'heartbeats', drainTargetS: 60 };

describe('computeTarget (replicas from backlog and measured throughput)', () => {
  it('drains the backlog within the drain target: 20,000 tasks, 60 s, 40 tasks/s per replica → 9', () => {
    const t = computeTarget({ ...base, queueDepth: 20_000 });
    expect(t.required_per_s).toBeCloseTo(333.333, 3);
    expect(t.replicas).toBe(9);
  });

  it('keeps up with arrivals on top of the backlog', () => {
    expect(computeTarget({ ...base, queueDepth: 0, arrivalsPerS: 100 }).replicas).toBe(3);
    expect(computeTarget({ ...base, queueDepth: 1200, arrivalsPerS: 100 }).replicas).toBe(3); // 100 + 20 = 120 / 40
    expect(computeTarget({ ...base, queueDepth: 1260, arrivalsPerS: 100 }).replicas).toBe(4); // 121 / 40
  });

  it('uses the projected backlog when it is larger than the current one', () => {
    expect(computeTarget({ ...base, queueDepth: 600, projectedQueueDepth: 4800 }).replicas).toBe(2);
    expect(computeTarget({ ...base, queueDepth: 4800, projectedQueueDepth: 600 }).replicas).toBe(2);
  });

  it('needs no replica for no work, and is exact at integer boundaries', () => {
    expect(computeTarget(base).replicas).toBe(0);
    expect(computeTarget({ ...base, queueDepth: 4800 }).replicas).toBe(2); // 80 / 40 exactly
    expect(computeTarget({ ...base, queueDepth: 0.1 * 3 * 60 * 40 / 0.3 }).replicas).toBe(1); // float noise stays 1
  });

  it('has no replica count when the backlog or the capacity is unknown', () => {
    expect(computeTarget({ ...base, queueDepth: null }).replicas).toBeNull();
    const t = computeTarget({ ...base, queueDepth: 500, capacityPerReplica: null, capacitySource: 'unknown' });
    expect(t.replicas).toBeNull();
    expect(t.required_per_s).toBeCloseTo(8.333, 3);
  });
});
