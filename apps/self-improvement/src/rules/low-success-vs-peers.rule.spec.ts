import { lowSuccessVsPeersRule } from './low-success-vs-peers.rule';
import { snapshot, stat, thresholds } from './snapshot.factory';

describe('lowSuccessVsPeersRule', () => {
  const t = thresholds(); // ≥ 10 points below the peers' pooled rate, ≥ 20 calls each
  const peers = [stat('t', 'p1', { count: 100, successes: 97 }), stat('t', 'p2', { count: 300, successes: 283 })]; // pooled 380/400 = 95%

  it('fires at 10 points below the pooled rate of the peers, not at 9', () => {
    const at = lowSuccessVsPeersRule.evaluate(snapshot({ services: [stat('t', 'bad', { count: 100, successes: 85 }), ...peers] }), t);
    expect(at).toEqual([
      expect.objectContaining({
        rule: 'low_success_vs_peers',
        task_type: 't',
        service: 'bad',
        priority: 'medium',
        category: 'optimization_opportunity',
        action: 'route_away_from_service',
        direction: 'higher_is_better',
        evidence: expect.objectContaining({ metric: 'success_rate', value: 0.85, threshold: 0.85, samples: 100 }),
      }),
    ]);
    expect(at[0].evidence.details).toMatchObject({ peers_success_rate: 0.95, peers_samples: 400, gap: 0.1 });
    expect(lowSuccessVsPeersRule.evaluate(snapshot({ services: [stat('t', 'bad', { count: 100, successes: 86 }), ...peers] }), t)).toEqual([]);
  });

  it('is high from twice the gap (a service failing 20% against perfect peers)', () => {
    const s = snapshot({ services: [stat('t', 'flaky', { count: 50, successes: 40 }), stat('t', 'solid', { count: 50, successes: 50 })] });
    const [f] = lowSuccessVsPeersRule.evaluate(s, t);
    expect(f).toMatchObject({ service: 'flaky', priority: 'high', evidence: { value: 0.8, threshold: 0.9 } });
  });

  it('needs peers of the same type with the minimum samples, each', () => {
    const lonely = snapshot({ services: [stat('t', 'bad', { successes: 10 }), stat('other', 'good')] });
    expect(lowSuccessVsPeersRule.evaluate(lonely, t)).toEqual([]);
    const thinPeer = snapshot({ services: [stat('t', 'bad', { successes: 10 }), stat('t', 'good', { count: 19 })] });
    expect(lowSuccessVsPeersRule.evaluate(thinPeer, t)).toEqual([]);
    const thinSelf = snapshot({ services: [stat('t', 'bad', { count: 19, successes: 1 }), stat('t', 'good', { count: 20 })] });
    expect(lowSuccessVsPeersRule.evaluate(thinSelf, t)).toEqual([]);
    const enough = snapshot({ services: [stat('t', 'bad', { count: 20, successes: 1 }), stat('t', 'good', { count: 20 })] });
    expect(lowSuccessVsPeersRule.evaluate(enough, t).map((f) => f.service)).toEqual(['bad']);
  });

  it('uses the configured gap', () => {
    const s = snapshot({ services: [stat('t', 'bad', { successes: 95 }), stat('t', 'good')] });
    expect(lowSuccessVsPeersRule.evaluate(s, t)).toEqual([]);
    expect(lowSuccessVsPeersRule.evaluate(s, thresholds({ peerGap: 0.05 }))).toHaveLength(1);
  });

  it('measures the success rate of the subject', () => {
    const s = snapshot({ services: [stat('t', 'a', { count: 8, successes: 6 })] });
    expect(lowSuccessVsPeersRule.measure(s, { task_type: 't', service: 'a' }, 'success_rate')).toBe(0.75);
    expect(lowSuccessVsPeersRule.measure(s, { task_type: 't', service: 'z' }, 'success_rate')).toBeNull();
  });
});
