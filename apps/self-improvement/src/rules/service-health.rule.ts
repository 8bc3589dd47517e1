import type { ServiceView, SuggestionPriority } from '@apiary/contracts';
import { Finding, Rule, StatisticsSnapshot } from './rule';

/** Metric of {@link serviceUnhealthyRule}: 1 while unhealthy, else 0. */
export const UNHEALTHY_METRIC = 'service_unhealthy';
/** Metric of {@link breakerOpenRule}: 1 while the breaker is open, else 0. */
export const BREAKER_METRIC = 'breaker_open';

/**
 * Capabilities of `service` that no other enabled, healthy or degraded service offers.
 * @param registry every registered service
 */
function soleProviderOf(service: ServiceView, registry: ServiceView[]): string[] {
  return service.capabilities.filter(
    (c) => !registry.some((o) => o.service_name !== service.service_name && o.enabled && o.status !== 'unhealthy' && o.capabilities.includes(c)),
  );
}

function priorityOf(sole: string[]): SuggestionPriority {
  return sole.length > 0 ? 'critical' : 'high';
}

/**
 * Unhealthy services (seed 002 "Service health"; task-router's health checks): an
 * enabled service whose health is `unhealthy`. Priority high, critical when it is
 * the only enabled, not unhealthy service for one of its capabilities. Action
 * `investigate_service_health`. Category `service_health`. Metric 1/0.
 */
export const serviceUnhealthyRule: Rule = {
  id: 'service_unhealthy',
  needs: ['router.services'],

  evaluate(snapshot: StatisticsSnapshot): Finding[] {
    const registry = snapshot.registry ?? [];
    return registry
      .filter((s) => s.enabled && s.status === 'unhealthy')
      .map((s) => {
        const sole = soleProviderOf(s, registry);
        return {
          rule: 'service_unhealthy' as const,
          task_type: null,
          service: s.service_name,
          priority: priorityOf(sole),
          category: 'service_health' as const,
          title: `Service ${s.service_name} is unhealthy`,
          description:
            `${s.service_name} is unhealthy (set by ${s.status_source}` +
            (s.consecutive_failures > 0 ? `, ${s.consecutive_failures} failed probes in a row` : '') +
            '); tasks are routed to other services while it is. ' +
            (sole.length > 0 ? `No other healthy service serves ${sole.join(', ')}. ` : '') +
            'Check the service.',
          action: 'investigate_service_health' as const,
          direction: 'lower_is_better' as const,
          evidence: {
            metric: UNHEALTHY_METRIC,
            value: 1,
            threshold: 0,
            samples: null,
            details: {
              status: s.status,
              status_source: s.status_source,
              consecutive_failures: s.consecutive_failures,
              last_checked_at: s.last_checked_at,
              capabilities: s.capabilities,
              sole_provider_of: sole,
            },
          },
        };
      });
  },

  measure(snapshot, subject) {
    if (!snapshot.registry) return null;
    const s = snapshot.registry.find((x) => x.service_name === subject.service);
    return s ? (s.status === 'unhealthy' ? 1 : 0) : null;
  },
};

/**
 * Open circuit breakers (seed 002 "Circuit breaker"; bot-runtime's per-replica
 * breakers as task-router aggregates them: open if open on any replica): a
 * service whose breaker is `open`, unless the registry shows it disabled.
 * Priority high, critical when it is the sole provider of a capability (needs
 * the registry). Action `investigate_errors`. Category `service_health`. Metric 1/0.
 */
export const breakerOpenRule: Rule = {
  id: 'breaker_open',
  needs: ['router.stats', 'router.services'],

  evaluate(snapshot: StatisticsSnapshot): Finding[] {
    const registry = snapshot.registry;
    const findings: Finding[] = [];
    for (const [name, state] of Object.entries(snapshot.breakers ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (state !== 'open') continue;
      const view = registry?.find((s) => s.service_name === name);
      if (view && !view.enabled) continue;
      const sole = view && registry ? soleProviderOf(view, registry) : [];
      findings.push({
        rule: 'breaker_open',
        task_type: null,
        service: name,
        priority: priorityOf(sole),
        category: 'service_health',
        title: `Circuit breaker open for ${name}`,
        description:
          `The circuit breaker of ${name} is open on at least one bot-runtime replica: its calls failed repeatedly and are refused for now. ` +
          (sole.length > 0 ? `No other healthy service serves ${sole.join(', ')}. ` : '') +
          'Investigate the errors of the service.',
        action: 'investigate_errors',
        direction: 'lower_is_better',
        evidence: {
          metric: BREAKER_METRIC,
          value: 1,
          threshold: 0,
          samples: null,
          details: { state, health: view?.status ?? null, sole_provider_of: sole },
        },
      });
    }
    return findings;
  },

  measure(snapshot, subject) {
    if (!snapshot.breakers) return null;
    return snapshot.breakers[subject.service ?? ''] === 'open' ? 1 : 0;
  },
};
