import { normaliseModels, RegisterServiceRequest, ServiceView } from '@apiary/contracts';
import { InvalidEnvironmentError, loadEnv } from '@apiary/service-kit';
import { OpenAiStandIn, startOpenAiStandIn } from '@apiary/testing';
import { RouterEnv } from '../env';
import {
  checkLlmServiceName,
  EnvServiceRegistrar,
  EnvVariableError,
  llmServiceRequest,
  parseModelList,
  parsePricing,
  redactUrl,
  seedServiceRequests,
} from './env-services';

const BASE = { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/apiary' };

/** The problems loadEnv reports for these variables (empty when valid). */
function problems(vars: Record<string, string>): string {
  try {
    loadEnv(RouterEnv, { ...BASE, ...vars });
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidEnvironmentError);
    return (e as Error).message;
  }
}

function thrown(fn: () => unknown): EnvVariableError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvVariableError);
    return e as EnvVariableError;
  }
  throw new Error('expected an EnvVariableError');
}

describe('APIARY_LLM_MODELS parsing', () => {
  it('reads names and name=class entries, in order, trimming spaces', () => {
    expect(parseModelList('phi3.5=small,gemma2=medium,llama3.2=large,deepseek-coder=code')).toEqual([
      { name: 'phi3.5', class: 'small' },
      { name: 'gemma2', class: 'medium' },
      { name: 'llama3.2', class: 'large' },
      { name: 'deepseek-coder', class: 'code' },
    ]);
    expect(parseModelList(' llama3.2:1b , meta-llama/Llama-3-8B = large ')).toEqual(['llama3.2:1b', { name: 'meta-llama/Llama-3-8B', class: 'large' }]);
  });

  it('refuses empty entries, empty names, unknown classes, duplicates, naming the variable', () => {
    expect(thrown(() => parseModelList('a,,b')).message).toBe('APIARY_LLM_MODELS: entry 2 is empty (expected name or name=class, comma-separated)');
    expect(thrown(() => parseModelList('=small')).message).toMatch(/^APIARY_LLM_MODELS: entry 1 "=small" has no model name/);
    const cls = thrown(() => parseModelList('phi3.5=tiny'));
    expect(cls.variable).toBe('APIARY_LLM_MODELS');
    expect(cls.message).toBe('APIARY_LLM_MODELS: entry 1 "phi3.5=tiny": class must be one of small, medium, large, code');
    expect(thrown(() => parseModelList('a=small,a=large')).message).toBe('APIARY_LLM_MODELS: model "a" is listed twice');
    expect(thrown(() => parseModelList('x'.repeat(257))).message).toMatch(/at most 256 characters/);
    expect(thrown(() => parseModelList(Array.from({ length: 201 }, (_, i) => `m${i}`).join(','))).message).toMatch(/at most 200 models/);
  });
});

describe('APIARY_LLM_PRICING parsing', () => {
  it('reads model → { input_per_1m, output_per_1m }', () => {
    expect(parsePricing('{"phi3.5":{"input_per_1m":0.1,"output_per_1m":0.4},"gemma2":{"input_per_1m":0,"output_per_1m":0}}', ['phi3.5', 'gemma2'])).toEqual({
      'phi3.5': { input_per_1m: 0.1, output_per_1m: 0.4 },
      gemma2: { input_per_1m: 0, output_per_1m: 0 },
    });
  });

  it('refuses bad JSON, wrong shapes, out-of-range prices and models not listed, naming the variable', () => {
    expect(thrown(() => parsePricing('{phi')).message).toMatch(/^APIARY_LLM_PRICING: must be JSON/);
    expect(thrown(() => parsePricing('[1]')).message).toMatch(/^APIARY_LLM_PRICING: must be a JSON object/);
    expect(thrown(() => parsePricing('{"a":3}')).message).toBe('APIARY_LLM_PRICING: "a" must be { "input_per_1m": n, "output_per_1m": n }');
    expect(thrown(() => parsePricing('{"a":{"input_per_1m":1}}')).message).toMatch(/"a"\.output_per_1m must be a number/);
    expect(thrown(() => parsePricing('{"a":{"input_per_1m":-1,"output_per_1m":1}}')).message).toMatch(/"a"\.input_per_1m/);
    expect(thrown(() => parsePricing('{"a":{"input_per_1m":1,"output_per_1m":1,"cached":1}}')).message).toMatch(/unknown field\(s\) cached/);
    expect(thrown(() => parsePricing('{"a":{"input_per_1m":1,"output_per_1m":1}}', ['b'])).message).toBe('APIARY_LLM_PRICING: "a" is not one of APIARY_LLM_MODELS');
  });
});

describe('APIARY_LLM_SERVICE_NAME', () => {
  it('must be a module name, not a built-in, not a configured seed service', () => {
    expect(checkLlmServiceName('ollama', {})).toBe('ollama');
    expect(thrown(() => checkLlmServiceName('Ollama!', {})).message).toMatch(/^APIARY_LLM_SERVICE_NAME: must match/);
    expect(thrown(() => checkLlmServiceName('noop', {})).message).toBe('APIARY_LLM_SERVICE_NAME: "noop" is the name of a built-in module');
    expect(checkLlmServiceName('image-service', {})).toBe('image-service');
    expect(thrown(() => checkLlmServiceName('image-service', { IMAGE_SERVICE_URL: 'http://x' })).message).toMatch(/IMAGE_SERVICE_URL registers/);
  });
});

describe('RouterEnv: services from the environment, validated at boot', () => {
  it('accepts a full configuration and converts the numbers', () => {
    const env = loadEnv(RouterEnv, {
      ...BASE,
      IMAGE_SERVICE_URL: 'http://image:5001',
      CRYPTO_SERVICE_URL: 'https://crypto.internal/api',
      APIARY_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      APIARY_LLM_API_KEY_ENV: 'OLLAMA_KEY',
      APIARY_LLM_MODELS: 'phi3.5=small,llama3.2=large',
      APIARY_LLM_PRICING: '{"phi3.5":{"input_per_1m":0.1,"output_per_1m":0.2}}',
      APIARY_LLM_RPM: '600',
      APIARY_LLM_TPM: '100000',
      APIARY_LLM_MAX_CONCURRENCY: '8',
      APIARY_LLM_HEALTH_PATH: '/models',
      APIARY_LLM_SERVICE_NAME: 'ollama',
    });
    expect(env.APIARY_LLM_RPM).toBe(600);
    expect(env.APIARY_LLM_TPM).toBe(100_000);
    expect(env.APIARY_LLM_MAX_CONCURRENCY).toBe(8);
    expect(problems({})).toBe('');
  });

  it('names each bad variable', () => {
    expect(problems({ IMAGE_SERVICE_URL: 'ftp://image' })).toContain('IMAGE_SERVICE_URL: IMAGE_SERVICE_URL must be an http(s) URL');
    expect(problems({ MARKETING_SERVICE_URL: 'marketing:5000' })).toContain('MARKETING_SERVICE_URL');
    expect(problems({ APIARY_LLM_BASE_URL: 'not a url' })).toContain('APIARY_LLM_BASE_URL must be an http(s) URL');
    expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_MODELS: 'phi3.5=tiny' })).toContain(
      'APIARY_LLM_MODELS: entry 1 "phi3.5=tiny": class must be one of small, medium, large, code',
    );
    expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_MODELS: 'a', APIARY_LLM_PRICING: '{"b":{"input_per_1m":1,"output_per_1m":1}}' })).toContain(
      'APIARY_LLM_PRICING: "b" is not one of APIARY_LLM_MODELS',
    );
    for (const v of ['APIARY_LLM_RPM', 'APIARY_LLM_TPM', 'APIARY_LLM_MAX_CONCURRENCY']) {
      expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', [v]: '0' })).toContain(`${v}:`);
      expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', [v]: 'many' })).toContain(`${v}:`);
    }
    expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_HEALTH_PATH: 'models' })).toContain('APIARY_LLM_HEALTH_PATH');
    expect(problems({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_SERVICE_NAME: 'sleep' })).toContain('APIARY_LLM_SERVICE_NAME');
  });

  it('requires APIARY_LLM_BASE_URL when another APIARY_LLM_* variable is set', () => {
    const text = problems({ APIARY_LLM_MODELS: 'phi3.5', APIARY_LLM_RPM: '60' });
    expect(text.split('\n').filter((l) => l.trim().startsWith('APIARY_LLM_BASE_URL:'))).toEqual([
      '  APIARY_LLM_BASE_URL: APIARY_LLM_BASE_URL is required when APIARY_LLM_MODELS, APIARY_LLM_RPM is set',
    ]);
  });

  it('never prints the value of a secret-looking variable', () => {
    const text = problems({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_API_KEY_ENV: 'sk-live-abcdef0123456789' });
    expect(text).toContain('APIARY_LLM_API_KEY_ENV');
    expect(text).not.toContain('sk-live-abcdef0123456789');
  });
});

describe('registrations built from the environment', () => {
  it('one process service per seed URL, with the default health check', () => {
    expect(
      seedServiceRequests({ IMAGE_SERVICE_URL: 'http://i:1', VIDEO_SERVICE_URL: 'http://v:1', CRYPTO_SERVICE_URL: 'http://c:1', FRAUD_SERVICE_URL: 'http://f:1', COMPRESSION_SERVICE_URL: 'http://z:1', MARKETING_SERVICE_URL: 'http://m:1' }).map(
        (r) => [r.variable, r.request],
      ),
    ).toEqual([
      ['IMAGE_SERVICE_URL', { service_name: 'image-service', endpoint: 'http://i:1', protocol: 'process', capabilities: ['image_generation'] }],
      ['VIDEO_SERVICE_URL', { service_name: 'video-service', endpoint: 'http://v:1', protocol: 'process', capabilities: ['video_generation'] }],
      ['CRYPTO_SERVICE_URL', { service_name: 'crypto-service', endpoint: 'http://c:1', protocol: 'process', capabilities: ['crypto_prediction'] }],
      ['FRAUD_SERVICE_URL', { service_name: 'fraud-service', endpoint: 'http://f:1', protocol: 'process', capabilities: ['fraud_detection'] }],
      ['COMPRESSION_SERVICE_URL', { service_name: 'compression-service', endpoint: 'http://z:1', protocol: 'process', capabilities: ['compression'] }],
      ['MARKETING_SERVICE_URL', { service_name: 'marketing-service', endpoint: 'http://m:1', protocol: 'process', capabilities: ['marketing_intelligence'] }],
    ]);
    expect(seedServiceRequests({})).toEqual([]);
  });

  it('one openai service with models, key variable, prices, limits; health probe off unless a path is given', () => {
    const env = loadEnv(RouterEnv, {
      ...BASE,
      APIARY_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      APIARY_LLM_API_KEY_ENV: 'OLLAMA_KEY',
      APIARY_LLM_MODELS: 'phi3.5=small,llama3.2',
      APIARY_LLM_PRICING: '{"phi3.5":{"input_per_1m":0.1,"output_per_1m":0.2}}',
      APIARY_LLM_RPM: '600',
      APIARY_LLM_MAX_CONCURRENCY: '4',
    });
    expect(llmServiceRequest(env)).toEqual({
      variable: 'APIARY_LLM_BASE_URL',
      droppedPrices: [],
      request: {
        service_name: 'llm',
        endpoint: 'http://127.0.0.1:11434/v1',
        protocol: 'openai',
        models: [{ name: 'phi3.5', class: 'small' }, 'llama3.2'],
        api_key_env: 'OLLAMA_KEY',
        pricing: { 'phi3.5': { input_per_1m: 0.1, output_per_1m: 0.2 } },
        limits: { rpm: 600, max_concurrency: 4 },
        health_check: { enabled: false },
      },
    });
    expect(llmServiceRequest({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_MODELS: 'a', APIARY_LLM_HEALTH_PATH: '/models' })!.request.health_check).toEqual({ enabled: true, path: '/models' });
    expect(llmServiceRequest({})).toBeUndefined();
    // Discovered models; prices for models the provider does not list are dropped.
    expect(llmServiceRequest({ APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_PRICING: '{"a":{"input_per_1m":1,"output_per_1m":2},"z":{"input_per_1m":1,"output_per_1m":2}}' }, ['a', 'b'])).toMatchObject({
      droppedPrices: ['z'],
      request: { models: ['a', 'b'], pricing: { a: { input_per_1m: 1, output_per_1m: 2 } } },
    });
  });

  it('redacts credentials from URLs it logs', () => {
    expect(redactUrl('https://user:pa55@llm.example/v1')).toBe('https://llm.example/v1');
    expect(redactUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1');
  });
});

/** A registry that keeps what it was asked to register (last write wins, like the upsert). */
class FakeRegistry {
  readonly calls: RegisterServiceRequest[] = [];
  readonly stored = new Map<string, RegisterServiceRequest>();
  refuse?: string;
  async register(req: RegisterServiceRequest): Promise<ServiceView> {
    this.calls.push(req);
    if (req.service_name === this.refuse) throw new Error(`refused ${req.service_name}`);
    this.stored.set(req.service_name, req);
    return {
      service_name: req.service_name,
      endpoint: req.endpoint,
      protocol: req.protocol ?? 'process',
      capabilities: req.protocol === 'openai' ? ['llm.chat'] : req.capabilities!,
      models: normaliseModels(req.models),
    } as ServiceView;
  }
}

function logger() {
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  const at = (level: string) => (obj: unknown, msg: string) => lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } as any };
}

describe('EnvServiceRegistrar', () => {
  let standIn: OpenAiStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  it('registers the seed services and the provider; doing it again writes the same values', async () => {
    const registry = new FakeRegistry();
    const env = { IMAGE_SERVICE_URL: 'http://i:1', CRYPTO_SERVICE_URL: 'http://c:1', APIARY_LLM_BASE_URL: 'http://h/v1', APIARY_LLM_MODELS: 'phi3.5=small' };
    const listModels = jest.fn();
    const { log } = logger();
    const registrar = new EnvServiceRegistrar(registry, env, log, {}, listModels);
    const first = await registrar.registerAll();
    expect(first.map((o) => [o.variable, o.service_name, o.outcome])).toEqual([
      ['IMAGE_SERVICE_URL', 'image-service', 'registered'],
      ['CRYPTO_SERVICE_URL', 'crypto-service', 'registered'],
      ['APIARY_LLM_BASE_URL', 'llm', 'registered'],
    ]);
    expect(listModels).not.toHaveBeenCalled();
    const snapshot = JSON.stringify([...registry.stored]);
    await new EnvServiceRegistrar(registry, env, log, {}, listModels).registerAll();
    expect(JSON.stringify([...registry.stored])).toBe(snapshot);
    expect(registry.calls.slice(0, 3)).toEqual(registry.calls.slice(3));
  });

  it('asks the provider for its models once with the openai client, with the key the named variable holds', async () => {
    standIn = await startOpenAiStandIn({ apiKey: 'sk-provider-key-123456', models: ['phi3.5', 'llama3.2'] });
    const registry = new FakeRegistry();
    const { log } = logger();
    const env = { APIARY_LLM_BASE_URL: standIn.baseURL, APIARY_LLM_API_KEY_ENV: 'PROVIDER_KEY', APIARY_LLM_RPM: 60 };
    const [outcome] = await new EnvServiceRegistrar(registry, env, log, { PROVIDER_KEY: 'sk-provider-key-123456' }).registerAll();
    expect(outcome).toMatchObject({ service_name: 'llm', outcome: 'registered' });
    expect(registry.stored.get('llm')).toEqual({
      service_name: 'llm',
      endpoint: standIn.baseURL,
      protocol: 'openai',
      models: ['phi3.5', 'llama3.2'],
      api_key_env: 'PROVIDER_KEY',
      limits: { rpm: 60 },
      health_check: { enabled: false },
    });
    expect(standIn.requests.map((r) => [r.method, r.path, r.authOk, r.status])).toEqual([['GET', '/v1/models', true, 200]]);
  });

  it('registers no provider (and does not throw) when the model list cannot be had; the seed services still are', async () => {
    standIn = await startOpenAiStandIn({ apiKey: 'sk-provider-key-123456' });
    const registry = new FakeRegistry();
    const { lines, log } = logger();
    const env = { FRAUD_SERVICE_URL: 'http://f:1', APIARY_LLM_BASE_URL: standIn.baseURL, APIARY_LLM_API_KEY_ENV: 'PROVIDER_KEY' };
    const wrongKey = 'sk-wrong-key-abcdef';
    const outcomes = await new EnvServiceRegistrar(registry, env, log, { PROVIDER_KEY: wrongKey }).registerAll();
    expect(outcomes.map((o) => [o.service_name, o.outcome])).toEqual([
      ['fraud-service', 'registered'],
      ['llm', 'skipped'],
    ]);
    expect([...registry.stored.keys()]).toEqual(['fraud-service']);
    const warning = lines.find((l) => l.level === 'warn')!;
    expect(warning.msg).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/models failed with 401/);
    expect(warning.msg).toContain('APIARY_LLM_MODELS is unset');
    expect(JSON.stringify(lines)).not.toContain(wrongKey);

    // Nothing listening.
    const url = standIn.baseURL;
    await standIn.close();
    const down = await new EnvServiceRegistrar(new FakeRegistry(), { APIARY_LLM_BASE_URL: url }, log, {}, undefined, 1000).registerAll();
    expect(down).toMatchObject([{ service_name: 'llm', outcome: 'skipped' }]);
  });

  it('goes on past a registration the registry refuses, logging the variable', async () => {
    const registry = new FakeRegistry();
    registry.refuse = 'image-service';
    const { lines, log } = logger();
    const outcomes = await new EnvServiceRegistrar(registry, { IMAGE_SERVICE_URL: 'http://i:1', VIDEO_SERVICE_URL: 'http://v:1' }, log).registerAll();
    expect(outcomes.map((o) => o.outcome)).toEqual(['failed', 'registered']);
    expect(lines.find((l) => l.level === 'error')!.msg).toBe('service from IMAGE_SERVICE_URL not registered: refused image-service');
  });
});
