import { ApiaryError, HealthState, ModelClass, ModelPricing, ServiceLimits, ServiceModel, ServiceProtocol } from '@apiary/contracts';

/** A registered service as routing sees it. */
export interface Candidate {
  service_name: string;
  endpoint: string;
  status: HealthState;
  enabled: boolean;
  /** Wire protocol (absent: `process`). */
  protocol?: ServiceProtocol;
  /** Models of an `openai` service. */
  models?: ServiceModel[];
  /** Model → USD per million tokens. */
  pricing?: Record<string, ModelPricing>;
  /** Provider limits. */
  limits?: ServiceLimits;
  /** Env variable holding the API key on bot-runtime. */
  api_key_env?: string | null;
}

/**
 * What routing orders: a service, or one model of an `openai` service (each
 * (service, model) pair is a candidate of its own, docs/ai-work.md "Routing").
 */
export interface Arm<T extends Candidate = Candidate> extends Candidate {
  /** Learning key: the service name, or `service/model`. */
  arm: string;
  /** The service the arm belongs to. */
  service: T;
  /** Model of the arm (`openai` services). */
  model?: string;
  model_class?: ModelClass | null;
  price?: ModelPricing | null;
}

/** Model filter of a route request (`llm.chat`'s `model` pin or `model_class`). */
export interface ModelFilter {
  model?: string;
  model_class?: ModelClass;
}

/**
 * Expands services into arms: a `process` service is one arm; an `openai` service
 * is one arm per model that passes the filter. With a filter, `process` services
 * are left out (they have no models).
 * @param services capable services, in a stable order
 * @param filter model pin or class
 * @returns arms in service order, then model order
 */
export function armsOf<T extends Candidate>(services: readonly T[], filter: ModelFilter = {}): Arm<T>[] {
  const out: Arm<T>[] = [];
  const filtered = filter.model !== undefined || filter.model_class !== undefined;
  for (const s of services) {
    if (s.protocol !== 'openai') {
      if (!filtered) out.push({ ...s, arm: s.service_name, service: s });
      continue;
    }
    for (const m of s.models ?? []) {
      if (filter.model !== undefined && m.name !== filter.model) continue;
      if (filter.model_class !== undefined && m.class !== filter.model_class) continue;
      out.push({ ...s, arm: `${s.service_name}/${m.name}`, service: s, model: m.name, model_class: m.class, price: s.pricing?.[m.name] ?? null });
    }
  }
  return out;
}

/** Services eligible for a route, and why. */
export interface CandidatePool<T extends Candidate> {
  /** Services the strategy orders: the healthy ones, or the degraded ones when none is healthy. */
  pool: T[];
  /** Degraded services kept as last-resort fallbacks after a healthy pool (empty otherwise). */
  reserve: T[];
  /** One sentence on the filtering, for `reasoning`. */
  summary: string;
}

/**
 * Filters the services offering a capability (seed 002 "Routing Strategy": capable
 * services → healthy ones), issue 4 order: capable → enabled → not excluded →
 * healthy (degraded ones when none is healthy; unhealthy ones never).
 * @param taskType capability routed
 * @param capable services offering it, in a stable order
 * @param exclude names to leave out (e.g. open breakers on the caller)
 * @throws ApiaryError `NO_CAPABLE_SERVICE` when no enabled service offers it;
 *   `NO_HEALTHY_SERVICE` when every enabled one is excluded or unhealthy
 */
export function candidatePool<T extends Candidate>(taskType: string, capable: readonly T[], exclude: readonly string[] = []): CandidatePool<T> {
  if (capable.length === 0) {
    throw new ApiaryError('NO_CAPABLE_SERVICE', `No registered service offers capability "${taskType}"`, { task_type: taskType });
  }
  const enabled = capable.filter((s) => s.enabled);
  if (enabled.length === 0) {
    const disabled = capable.map((s) => s.service_name);
    throw new ApiaryError('NO_CAPABLE_SERVICE', `Every service offering "${taskType}" is disabled: ${disabled.join(', ')}`, {
      task_type: taskType,
      disabled,
    });
  }
  const excluded = new Set(exclude);
  const open = enabled.filter((s) => !excluded.has(s.service_name));
  const healthy = open.filter((s) => s.status === 'healthy');
  const degraded = open.filter((s) => s.status === 'degraded');
  if (healthy.length === 0 && degraded.length === 0) {
    const unhealthy = open.map((s) => s.service_name);
    const left = enabled.filter((s) => excluded.has(s.service_name)).map((s) => s.service_name);
    throw new ApiaryError(
      'NO_HEALTHY_SERVICE',
      `No healthy service offers "${taskType}"` +
        (unhealthy.length ? `; unhealthy: ${unhealthy.join(', ')}` : '') +
        (left.length ? `; excluded: ${left.join(', ')}` : ''),
      { task_type: taskType, unhealthy, excluded: left },
    );
  }
  const parts = [`${enabled.length} of ${capable.length} capable services enabled`];
  if (excluded.size) parts.push(`${enabled.length - open.length} excluded`);
  if (healthy.length) {
    parts.push(`${healthy.length} healthy`);
    if (degraded.length) parts.push(`${degraded.length} degraded kept as last fallbacks`);
  } else {
    parts.push(`none healthy, routing to ${degraded.length} degraded`);
  }
  return healthy.length ? { pool: healthy, reserve: degraded, summary: parts.join(', ') } : { pool: degraded, reserve: [], summary: parts.join(', ') };
}
