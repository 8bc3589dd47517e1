import { breakerOpenRule, serviceUnhealthyRule } from './service-health.rule';
import { service, snapshot, thresholds } from './snapshot.factory';

describe('serviceUnhealthyRule', () => {
  const t = thresholds();

  it('fires for enabled unhealthy services only; critical when the sole provider of a capability', () => {
    const registry = [
      service('svc-a', ['summarize', 'translate'], { status: 'unhealthy', status_source: 'probe', consecutive_failures: 3 }),
      service('svc-b', ['summarize']),
      service('svc-c', ['classify'], { status: 'degraded' }),
      service('svc-d', ['ocr'], { status: 'unhealthy', enabled: false }),
      service('svc-e', ['classify'], { status: 'unhealthy' }),
    ];
    const findings = serviceUnhealthyRule.evaluate(snapshot({ registry }), t);
    expect(findings.map((f) => [f.service, f.priority])).toEqual([
      ['svc-a', 'critical'], // nobody else serves translate
      ['svc-e', 'high'], // svc-c (degraded) still serves classify
    ]);
    expect(findings[0]).toMatchObject({
      rule: 'service_unhealthy', task_type: null, category: 'service_health', action: 'investigate_service_health', direction: 'lower_is_better',
      evidence: { metric: 'service_unhealthy', value: 1, threshold: 0, samples: null, details: { status_source: 'probe', consecutive_failures: 3, sole_provider_of: ['translate'] } },
    });
    expect(serviceUnhealthyRule.evaluate(snapshot({ registry: [service('ok', ['x'])] }), t)).toEqual([]);
    expect(serviceUnhealthyRule.evaluate(snapshot({ registry: null }), t)).toEqual([]);
  });

  it('measures 1 while unhealthy, 0 once not, null when gone', () => {
    const subject = { task_type: null, service: 'svc-a' };
    expect(serviceUnhealthyRule.measure(snapshot({ registry: [service('svc-a', ['x'], { status: 'unhealthy' })] }), subject, 'service_unhealthy')).toBe(1);
    expect(serviceUnhealthyRule.measure(snapshot({ registry: [service('svc-a', ['x'])] }), subject, 'service_unhealthy')).toBe(0);
    expect(serviceUnhealthyRule.measure(snapshot({ registry: [] }), subject, 'service_unhealthy')).toBeNull();
  });
});

describe('breakerOpenRule', () => {
  const t = thresholds();

  it('fires for open breakers, not half-open or closed, nor disabled services', () => {
    const registry = [service('a', ['x']), service('b', ['x']), service('c', ['y']), service('d', ['z'], { enabled: false })];
    const breakers = { a: 'open', b: 'half_open', c: 'open', d: 'open', e: 'closed' } as const;
    const findings = breakerOpenRule.evaluate(snapshot({ registry, breakers }), t);
    expect(findings.map((f) => [f.service, f.priority])).toEqual([
      ['a', 'high'], // b still serves x
      ['c', 'critical'], // nobody else serves y
    ]);
    expect(findings[0]).toMatchObject({
      rule: 'breaker_open', category: 'service_health', action: 'investigate_errors',
      evidence: { metric: 'breaker_open', value: 1, threshold: 0, samples: null, details: { state: 'open', health: 'healthy', sole_provider_of: [] } },
    });
  });

  it('still reports an open breaker when the registry did not answer', () => {
    expect(breakerOpenRule.evaluate(snapshot({ registry: null, breakers: { a: 'open' } }), t)).toEqual([
      expect.objectContaining({ service: 'a', priority: 'high' }),
    ]);
  });

  it('measures 1 while open, else 0', () => {
    const subject = { task_type: null, service: 'a' };
    expect(breakerOpenRule.measure(snapshot({ breakers: { a: 'open' } }), subject, 'breaker_open')).toBe(1);
    expect(breakerOpenRule.measure(snapshot({ breakers: { a: 'closed' } }), subject, 'breaker_open')).toBe(0);
    expect(breakerOpenRule.measure(snapshot({ breakers: {} }), subject, 'breaker_open')).toBe(0);
    expect(breakerOpenRule.measure(snapshot({ breakers: null }), subject, 'breaker_open')).toBeNull();
  });
});
