import { highErrorRateRule } from './high-error-rate.rule';
import { snapshot, stat, thresholds } from './snapshot.factory';

describe('highErrorRateRule', () => {
  const t = thresholds(); // > 5%, ≥ 20 calls

  it('fires above 5% and not at 5%', () => {
    const s = snapshot({
      services: [
        stat('text.summarize', 'svc-b', { count: 100, failures: 6, error_patterns: [{ code: 'HTTP_500', message: 'boom', count: 6 }] }),
        stat('text.summarize', 'svc-c', { count: 100, failures: 5 }),
      ],
    });
    const findings = highErrorRateRule.evaluate(s, t);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'high_error_rate',
      task_type: 'text.summarize',
      service: 'svc-b',
      priority: 'high',
      category: 'service_health',
      action: 'investigate_errors',
      direction: 'lower_is_better',
      evidence: { metric: 'error_rate', value: 0.06, threshold: 0.05, samples: 100, details: { failures: 6, error_patterns: [{ code: 'HTTP_500', message: 'boom', count: 6 }] } },
    });
    expect(findings[0].description).toContain('6% of 100 calls failed');
    expect(findings[0].description).toContain('HTTP_500 (6×): boom');
  });

  it('needs the minimum sample count', () => {
    expect(highErrorRateRule.evaluate(snapshot({ services: [stat('t', 's', { count: 19, failures: 10 })] }), t)).toEqual([]);
    expect(highErrorRateRule.evaluate(snapshot({ services: [stat('t', 's', { count: 20, failures: 10 })] }), t)).toHaveLength(1);
  });

  it('is critical above twice the threshold (a service failing 20%)', () => {
    expect(highErrorRateRule.evaluate(snapshot({ services: [stat('t', 's', { failures: 20 })] }), t)[0].priority).toBe('critical');
    expect(highErrorRateRule.evaluate(snapshot({ services: [stat('t', 's', { failures: 10 })] }), t)[0].priority).toBe('high');
  });

  it('suggests a longer timeout when the top error is a timeout', () => {
    const s = snapshot({ services: [stat('t', 's', { failures: 9, error_patterns: [{ code: 'HTTP_TIMEOUT', message: 'no answer in 30 s', count: 9 }] })] });
    expect(highErrorRateRule.evaluate(s, t)[0].action).toBe('increase_timeout');
  });

  it('uses the configured rate', () => {
    expect(highErrorRateRule.evaluate(snapshot({ services: [stat('t', 's', { failures: 2 })] }), thresholds({ errorRate: 0.01 }))).toHaveLength(1);
  });

  it('measures the error rate of the subject', () => {
    const s = snapshot({ services: [stat('t', 's', { count: 40, failures: 1 })] });
    expect(highErrorRateRule.measure(s, { task_type: 't', service: 's' }, 'error_rate')).toBe(0.025);
    expect(highErrorRateRule.measure(s, { task_type: 't', service: 'x' }, 'error_rate')).toBeNull();
  });
});
