// Proves RouteService for llm.chat: openai services expand to (service, model) arms, model pins and classes filter
// them (UNKNOWN_MODEL), learned requests carry arms, cost weight and prices, and 429-paused services go last.
import { ApiaryError, armOf, Decision, DecisionRequest, ModelClass, ModelPricing, RouteDecision } from '@apiary/contracts';
import type { ModuleRow, PolicyRow } from '@apiary/persistence';
import { RouterSnapshot } from '../registry/router-snapshot';
import { CounterBuffer } from '../stats/counter-buffer';
import { InFlightTracker } from './in-flight';
import { BrainAdvisor, PauseBoard, RouteService } from './route.service';

const NOW = 1_700_000_000_000;

function service(name: string, fields: Partial<ModuleRow> = {}): ModuleRow {
  const t = new Date(0);
  return {
    name, kind: 'service', category: 'ai-service', enabled: true, depends_on: [], capabilities: ['email'], endpoint: `http://${name}:5100`,
    status: 'healthy', status_source: 'registration', health_check_enabled: true, health_check_path: '/health',
    consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
    protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, ...fields,
  };
}

function provider(name: string, models: [string, ModelClass | null][], fields: Partial<ModuleRow> = {}): ModuleRow {
  return service(name, { protocol: 'openai', capabilities: [], endpoint: `http://${name}.test/v1`, models: models.map(([n, c]) => ({ name: n, class: c })), ...fields });
}

function policy(task_type: string, fields: Partial<PolicyRow>): PolicyRow {
  return { task_type, strategy: null, max_retries: null, backoff: null, timeout_s: null, base_delay_ms: null, cost_weight: null, cache_ttl_s: null, updated_at: new Date(0), ...fields };
}

const PRICE_S: ModelPricing = { input_per_1m: 0.1, output_per_1m: 0.2 };
const PRICE_L: ModelPricing = { input_per_1m: 1, output_per_1m: 2 };
const PRICE_BS: ModelPricing = { input_per_1m: 0.3, output_per_1m: 0.6 };

const ROWS = [
  provider('alpha', [['gpt-s', 'small'], ['gpt-l', 'large']], { pricing: { 'gpt-s': PRICE_S, 'gpt-l': PRICE_L }, limits: { rpm: 60, tpm: 100_000 }, api_key_env: 'ALPHA_KEY' }),
  provider('beta', [['gpt-s', 'small'], ['code-x', 'code']], { pricing: { 'gpt-s': PRICE_BS } }),
  // A process service cannot serve llm.chat even if it lists it.
  service('email-ai', { capabilities: ['email', 'llm.chat'] }),
];

/** A strict fake of the brain port: answers what the test sets, records requests. */
class FakeBrain implements BrainAdvisor {
  readonly requests: DecisionRequest[] = [];
  answer: (req: DecisionRequest) => Decision | Error = () => new ApiaryError('SERVICE_UNAVAILABLE', 'No service answers apiary.brain.decide');
  async decide(req: DecisionRequest): Promise<Decision> {
    this.requests.push(req);
    const a = this.answer(req);
    if (a instanceof Error) throw a;
    return a;
  }
}

/** A fake pause board: service → paused until (epoch ms). */
class FakePauses implements PauseBoard {
  readonly until = new Map<string, number>();
  pausedUntil(service: string): number {
    return this.until.get(service) ?? 0;
  }
}

function decision(selected: string, alternatives: string[]): Decision {
  const alt = (s: string) => ({ service: s, expected_success: 0.7, mean_latency_ms: null, samples: 0, sampled_score: 0.5 });
  return {
    decision_id: 'd1', task_type: 'llm.chat', selected_service: selected, priority_level: 2, confidence: 0.77,
    reasoning: `${selected} drew best`, alternatives: alternatives.map(alt), selected: alt(selected),
    resources: { cpu: 1, memory: 512 }, rule: 'thompson_sampling', decided_at: new Date(0).toISOString(),
  };
}

function setup(rows: ModuleRow[] = ROWS, policies: PolicyRow[] = [], strategy: 'learned' | 'round_robin' = 'round_robin') {
  const now = NOW;
  const snapshot = new RouterSnapshot('1', rows, policies, [], strategy);
  const inFlight = new InFlightTracker(() => now);
  const counters = new CounterBuffer();
  const brain = new FakeBrain();
  const pauses = new FakePauses();
  let id = 0;
  const router = new RouteService({ snapshot: () => snapshot, inFlight, counters, brain, pauses, random: () => 0.999, now: () => now, newId: () => `r${++id}` });
  return { router, inFlight, counters, brain, pauses };
}

const chain = (d: RouteDecision) => [d.primary!, ...d.fallbacks].map((t) => armOf(t));

describe('RouteService: llm.chat arms', () => {
  it('expands each openai service into one arm per model, in service then model order; process services are not candidates', async () => {
    const { router, inFlight, counters } = setup();
    const d = await router.route({ task_type: 'llm.chat' });
    expect(chain(d)).toEqual(['alpha/gpt-s', 'alpha/gpt-l', 'beta/gpt-s', 'beta/code-x']);
    expect(d.primary_service).toBe('alpha');
    expect(d.endpoint).toBe('http://alpha.test/v1');
    expect(d.fallback_services).toEqual(['alpha', 'beta', 'beta']);
    // breakers, in-flight counts and distribution stay per service
    expect(inFlight.count('alpha')).toBe(1);
    expect(counters.unflushed().find((c) => c.metric === 'service_distribution')).toMatchObject({ label: 'alpha', delta: 1 });
  });

  it('targets carry protocol, model, class, price, limits and the API key variable (never a key)', async () => {
    const { router } = setup();
    const d = await router.route({ task_type: 'llm.chat' });
    expect(d.primary).toEqual({
      service_name: 'alpha', endpoint: 'http://alpha.test/v1', protocol: 'openai', model: 'gpt-s', model_class: 'small',
      price: PRICE_S, api_key_env: 'ALPHA_KEY', limits: { rpm: 60, tpm: 100_000 },
    });
    expect(d.fallbacks[1]).toEqual({
      service_name: 'beta', endpoint: 'http://beta.test/v1', protocol: 'openai', model: 'gpt-s', model_class: 'small', price: PRICE_BS, api_key_env: null,
    });
    expect(d.fallbacks[2]).toEqual({
      service_name: 'beta', endpoint: 'http://beta.test/v1', protocol: 'openai', model: 'code-x', model_class: 'code', price: null, api_key_env: null,
    });
    expect(d.fallbacks.every((t) => t.throttled_until === undefined)).toBe(true);
  });

  it('a process service\'s target has no model fields, only its limits when it has some', async () => {
    const { router } = setup([service('email-ai', { limits: { rpm: 30 } }), service('other-ai')]);
    const d = await router.route({ task_type: 'email' });
    expect(d.primary).toEqual({ service_name: 'email-ai', endpoint: 'http://email-ai:5100', limits: { rpm: 30 } });
    expect(d.fallbacks).toEqual([{ service_name: 'other-ai', endpoint: 'http://other-ai:5100' }]);
  });

  it('a model pin keeps the arms serving that model and says so', async () => {
    const { router } = setup();
    const d = await router.route({ task_type: 'llm.chat', model: 'gpt-s' });
    expect(chain(d)).toEqual(['alpha/gpt-s', 'beta/gpt-s']);
    expect(d.reasoning).toMatch(/^model gpt-s pinned; round_robin: alpha\/gpt-s is next/);
  });

  it('a model class keeps that class\'s arms; reasoning names the class and the model chosen', async () => {
    const { router } = setup();
    const code = await router.route({ task_type: 'llm.chat', model_class: 'code' });
    expect(chain(code)).toEqual(['beta/code-x']);
    expect(code.reasoning).toMatch(/^model_class code: code-x on beta chosen among 1 candidate\(s\) of the class; /);
    const small = await router.route({ task_type: 'llm.chat', model_class: 'small' });
    expect(chain(small)).toEqual(['beta/gpt-s', 'alpha/gpt-s']); // the rotation moved on
    expect(small.reasoning).toMatch(/^model_class small: gpt-s on beta chosen among 2 candidate\(s\) of the class; /);
  });

  it('UNKNOWN_MODEL when no registered service serves the pinned model or class', async () => {
    const { router, inFlight } = setup();
    await expect(router.route({ task_type: 'llm.chat', model: 'gpt-9' })).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL', message: expect.stringContaining('model "gpt-9"'), details: { task_type: 'llm.chat', model: 'gpt-9' },
    });
    await expect(router.route({ task_type: 'llm.chat', model_class: 'medium' })).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL', message: expect.stringContaining('class "medium"'),
    });
    // a model filter on a capability only process services offer matches nothing either
    await expect(router.route({ task_type: 'email', model: 'gpt-s' })).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    expect(inFlight.size).toBe(0);
  });

  it('without any openai service llm.chat has no capable service', async () => {
    const { router } = setup([service('email-ai', { capabilities: ['llm.chat'] })]);
    await expect(router.route({ task_type: 'llm.chat' })).rejects.toMatchObject({ code: 'NO_CAPABLE_SERVICE' });
  });
});

describe('RouteService: learned routing over arms', () => {
  it('asks the brain with the arms as candidates, the policy\'s cost weight and the arms\' prices, and orders by its answer', async () => {
    const { router, brain } = setup(ROWS, [policy('llm.chat', { cost_weight: 0.5 })], 'learned');
    brain.answer = () => decision('beta/gpt-s', ['alpha/gpt-l']);
    const d = await router.route({ task_type: 'llm.chat', priority: 'high' });
    expect(brain.requests).toEqual([
      {
        task_type: 'llm.chat', priority: 'high', candidates: ['alpha/gpt-s', 'alpha/gpt-l', 'beta/gpt-s', 'beta/code-x'], record: true, cost_weight: 0.5,
        candidate_prices: { 'alpha/gpt-s': PRICE_S, 'alpha/gpt-l': PRICE_L, 'beta/gpt-s': PRICE_BS },
      },
    ]);
    expect(chain(d)).toEqual(['beta/gpt-s', 'alpha/gpt-l', 'alpha/gpt-s', 'beta/code-x']);
    expect(d).toMatchObject({ strategy: 'learned', confidence: 0.77, primary_service: 'beta', primary: { model: 'gpt-s', price: PRICE_BS } });
    expect(d.reasoning).toMatch(/^learned: beta\/gpt-s drew best/);
  });

  it('the default cost weight is 1; arms without any price send no candidate_prices', async () => {
    const { router, brain } = setup([provider('beta', [['code-x', 'code']])], [], 'learned');
    brain.answer = () => decision('beta/code-x', []);
    await router.route({ task_type: 'llm.chat' });
    expect(brain.requests[0]).toEqual({ task_type: 'llm.chat', candidates: ['beta/code-x'], record: true, cost_weight: 1 });
  });

  it('with a class, the brain chooses among the class and reasoning names the class and the chosen model', async () => {
    const { router, brain } = setup(ROWS, [], 'learned');
    brain.answer = () => decision('beta/gpt-s', ['alpha/gpt-s']);
    const d = await router.route({ task_type: 'llm.chat', model_class: 'small' });
    expect(brain.requests[0].candidates).toEqual(['alpha/gpt-s', 'beta/gpt-s']);
    expect(d.reasoning).toMatch(/^model_class small: gpt-s on beta chosen among 2 candidate\(s\) of the class; learned: beta\/gpt-s drew best/);
  });

  it('a brain answer naming a service instead of an arm is outside the pool: least_loaded fallback', async () => {
    const { router, brain } = setup(ROWS, [], 'learned');
    brain.answer = () => decision('beta', []);
    const d = await router.route({ task_type: 'llm.chat' });
    expect(d.strategy).toBe('least_loaded');
    expect(d.reasoning).toContain('the brain chose beta, which is not among the eligible services');
  });
});

describe('RouteService: services paused by a 429', () => {
  it('orders a paused service\'s arms last and marks their targets with throttled_until', async () => {
    const { router, pauses } = setup();
    pauses.until.set('alpha', NOW + 5000);
    const d = await router.route({ task_type: 'llm.chat' });
    expect(chain(d)).toEqual(['beta/gpt-s', 'beta/code-x', 'alpha/gpt-s', 'alpha/gpt-l']);
    const until = new Date(NOW + 5000).toISOString();
    expect([d.primary!, ...d.fallbacks].map((t) => t.throttled_until ?? null)).toEqual([null, null, until, until]);
  });

  it('paused arms come after degraded ones, and learned routing does not offer them to the brain', async () => {
    const rows = [...ROWS, provider('gamma', [['gpt-s', 'small']], { status: 'degraded' })];
    const { router, brain, pauses } = setup(rows, [], 'learned');
    pauses.until.set('alpha', NOW + 1);
    brain.answer = () => decision('beta/gpt-s', []);
    const d = await router.route({ task_type: 'llm.chat', model: 'gpt-s' });
    expect(brain.requests[0].candidates).toEqual(['beta/gpt-s']);
    expect(chain(d)).toEqual(['beta/gpt-s', 'gamma/gpt-s', 'alpha/gpt-s']);
    expect(d.strategy).toBe('learned');
    expect(d.fallbacks.map((t) => t.throttled_until ?? null)).toEqual([null, new Date(NOW + 1).toISOString()]);
  });

  it('when every candidate is paused they are all routed, each carrying its pause', async () => {
    const { router, pauses } = setup();
    pauses.until.set('alpha', NOW + 2000);
    pauses.until.set('beta', NOW + 9000);
    const d = await router.route({ task_type: 'llm.chat', model: 'gpt-s' });
    expect(chain(d)).toEqual(['alpha/gpt-s', 'beta/gpt-s']);
    expect(d.primary!.throttled_until).toBe(new Date(NOW + 2000).toISOString());
    expect(d.fallbacks[0].throttled_until).toBe(new Date(NOW + 9000).toISOString());
  });

  it('a pause that has ended changes nothing', async () => {
    const { router, pauses } = setup();
    pauses.until.set('alpha', NOW);
    const d = await router.route({ task_type: 'llm.chat' });
    expect(chain(d)[0]).toBe('alpha/gpt-s');
    expect(d.primary!.throttled_until).toBeUndefined();
  });
});
