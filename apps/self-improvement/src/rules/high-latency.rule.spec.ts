import { highLatencyRule } from './high-latency.rule';
import { snapshot, stat, thresholds } from './snapshot.factory';

describe('highLatencyRule', () => {
  const t = thresholds(); // p95 > 5,000 ms, ≥ 20 calls

  it('fires per (type, service) above the threshold and not at it', () => {
    const s = snapshot({ services: [stat('text.summarize', 'svc-a', { p95_ms: 5001 }), stat('text.translate', 'svc-b', { p95_ms: 5000 })] });
    const findings = highLatencyRule.evaluate(s, t);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'high_latency',
      task_type: 'text.summarize',
      service: 'svc-a',
      priority: 'high',
      category: 'performance_bottleneck',
      action: 'investigate_latency',
      direction: 'lower_is_better',
      evidence: { metric: 'p95_latency_ms', value: 5001, threshold: 5000, samples: 100 },
    });
    expect(findings[0].description).toContain('p95 5 s over 100 calls in the last 60 min');
  });

  it('needs the minimum sample count', () => {
    expect(highLatencyRule.evaluate(snapshot({ services: [stat('t', 'svc', { count: 19, p95_ms: 9000 })] }), t)).toEqual([]);
    expect(highLatencyRule.evaluate(snapshot({ services: [stat('t', 'svc', { count: 20, p95_ms: 9000 })] }), t)).toHaveLength(1);
    expect(highLatencyRule.evaluate(snapshot({ services: [stat('t', 'svc', { p95_ms: null })] }), t)).toEqual([]);
  });

  it('suggests routing away when a peer of the type is fast, and is critical from 3× the threshold', () => {
    const s = snapshot({ services: [stat('t', 'slow', { p95_ms: 15_000 }), stat('t', 'fast', { p95_ms: 400 })] });
    const [f] = highLatencyRule.evaluate(s, t).filter((x) => x.service !== null);
    expect(f).toMatchObject({ service: 'slow', action: 'route_away_from_service', priority: 'critical' });
    expect(f.evidence.details).toMatchObject({ faster_peers: [{ service: 'fast', p95_ms: 400, count: 100 }] });
    const below = highLatencyRule.evaluate(snapshot({ services: [stat('t', 'slow', { p95_ms: 14_999 })] }), t);
    expect(below[0].priority).toBe('high');
  });

  it('fires per type only when two or more services serve it', () => {
    const oneService = snapshot({ services: [stat('t', 'a', { p95_ms: 6000 })], types: [stat('t', '*', { p95_ms: 6000 })] });
    expect(highLatencyRule.evaluate(oneService, t).map((f) => f.service)).toEqual(['a']);
    const twoServices = snapshot({
      services: [stat('t', 'a', { p95_ms: 6000 }), stat('t', 'b', { p95_ms: 300 })],
      types: [stat('t', '*', { count: 200, p95_ms: 5200 })],
    });
    const perType = highLatencyRule.evaluate(twoServices, t).filter((f) => f.service === null);
    expect(perType).toEqual([
      expect.objectContaining({ task_type: 't', action: 'investigate_latency', evidence: expect.objectContaining({ value: 5200, samples: 200 }) }),
    ]);
    const atThreshold = snapshot({ services: twoServices.services, types: [stat('t', '*', { p95_ms: 5000 })] });
    expect(highLatencyRule.evaluate(atThreshold, t).filter((f) => f.service === null)).toEqual([]);
  });

  it('uses the configured threshold', () => {
    expect(highLatencyRule.evaluate(snapshot({ services: [stat('t', 'a', { p95_ms: 600 })] }), thresholds({ latencyP95Ms: 500 }))).toHaveLength(1);
  });

  it('measures p95 of the subject, null without data', () => {
    const s = snapshot({ services: [stat('t', 'a', { p95_ms: 1234 })], types: [stat('t', '*', { p95_ms: 999 })] });
    expect(highLatencyRule.measure(s, { task_type: 't', service: 'a' }, 'p95_latency_ms')).toBe(1234);
    expect(highLatencyRule.measure(s, { task_type: 't', service: null }, 'p95_latency_ms')).toBe(999);
    expect(highLatencyRule.measure(s, { task_type: 't', service: 'b' }, 'p95_latency_ms')).toBeNull();
    expect(highLatencyRule.measure(snapshot({ services: null }), { task_type: 't', service: 'a' }, 'p95_latency_ms')).toBeNull();
  });
});
