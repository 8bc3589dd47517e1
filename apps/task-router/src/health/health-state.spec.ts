import { nextProbeState, ProbeState } from './health-state';

describe('nextProbeState', () => {
  const t = { unhealthyAfter: 3, healthyAfter: 2 };
  const run = (start: ProbeState, results: boolean[]) => {
    const statuses: string[] = [];
    let s = start;
    for (const ok of results) {
      s = nextProbeState(s, ok, t);
      statuses.push(s.status);
    }
    return { statuses, last: s };
  };
  const healthy: ProbeState = { status: 'healthy', consecutive_failures: 0, consecutive_successes: 0 };

  it('degrades on the first failure and turns unhealthy at the threshold', () => {
    const { statuses, last } = run(healthy, [false, false, false, false]);
    expect(statuses).toEqual(['degraded', 'degraded', 'unhealthy', 'unhealthy']);
    expect(last.consecutive_failures).toBe(4);
  });

  it('needs the healthy threshold of consecutive successes to recover', () => {
    const { statuses } = run({ status: 'unhealthy', consecutive_failures: 5, consecutive_successes: 0 }, [true, true]);
    expect(statuses).toEqual(['unhealthy', 'healthy']);
  });

  it('a failure in between restarts the success streak', () => {
    const { statuses } = run(healthy, [false, true, false, true, true]);
    expect(statuses).toEqual(['degraded', 'degraded', 'degraded', 'degraded', 'healthy']);
  });

  it('a success in between restarts the failure streak', () => {
    const { statuses } = run(healthy, [false, false, true, false, false]);
    expect(statuses).toEqual(['degraded', 'degraded', 'degraded', 'degraded', 'degraded']);
  });

  it('an unhealthy service stays unhealthy on a single failure after one success', () => {
    const { statuses } = run({ status: 'unhealthy', consecutive_failures: 3, consecutive_successes: 0 }, [true, false]);
    expect(statuses).toEqual(['unhealthy', 'unhealthy']);
  });

  it('with thresholds of 1, one probe decides', () => {
    const one = { unhealthyAfter: 1, healthyAfter: 1 };
    expect(nextProbeState(healthy, false, one).status).toBe('unhealthy');
    expect(nextProbeState({ status: 'unhealthy', consecutive_failures: 1, consecutive_successes: 0 }, true, one).status).toBe('healthy');
  });
});
