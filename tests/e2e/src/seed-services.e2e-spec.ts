import { OpenAiStandIn, startOpenAiStandIn } from '@apiary/testing';
import { AiService, startAiService } from './ai-services';
import { useSuite, waitForTasks } from './helpers';

// README "Providers from the environment", end to end: two stand-in AI services
// (real HTTP servers on loopback, speaking the `process` protocol) are handed to
// the suite only through IMAGE_SERVICE_URL and CRYPTO_SERVICE_URL; task-router
// registers them at start-up, and the `/orchestrate` example of README "Using the
// API" runs on them through the gateway, brain, router and bot-runtime, unchanged.
// An LLM provider is given the same way (APIARY_LLM_BASE_URL): the OpenAI-compatible
// stand-in of libs/testing, which bot-runtime calls with the real `openai` client.
describe('seed AI services registered from the environment', () => {
  const env: Record<string, string> = { APIARY_LOG_LEVEL: 'warn' };
  const LLM_KEY = 'sk-e2e-seed-services-0123456789';
  let image: AiService;
  let crypto: AiService;
  let llm: OpenAiStandIn;

  // Registered before useSuite's hooks, so the URLs are in `env` when the services start.
  beforeAll(async () => {
    image = await startAiService('image-stand-in');
    crypto = await startAiService('crypto-stand-in');
    llm = await startOpenAiStandIn({ apiKey: LLM_KEY, models: ['phi3.5', 'llama3.2'] });
    env.IMAGE_SERVICE_URL = image.endpoint;
    env.CRYPTO_SERVICE_URL = crypto.endpoint;
    // No APIARY_LLM_MODELS: the router asks GET /v1/models; the key is read from the
    // variable APIARY_LLM_API_KEY_ENV names (every service gets the same environment).
    env.APIARY_LLM_BASE_URL = llm.baseURL;
    env.APIARY_LLM_API_KEY_ENV = 'SEED_E2E_LLM_KEY';
    env.SEED_E2E_LLM_KEY = LLM_KEY;
  });
  const h = useSuite(env);
  afterAll(async () => {
    await Promise.all([image?.close(), crypto?.close(), llm?.close()]);
  });

  it('lists the seed services with their capabilities, and the provider (GET /services)', async () => {
    const r = await h.suite.http('/services');
    expect(r.status).toBe(200);
    const byName = new Map<string, any>(r.body.services.map((s: any) => [s.service_name, s]));
    expect([...byName.keys()].sort()).toEqual(['crypto-service', 'image-service', 'llm']);
    expect(byName.get('image-service')).toMatchObject({
      endpoint: image.endpoint,
      capabilities: ['image_generation'],
      protocol: 'process',
      enabled: true,
      health_check: { enabled: true, path: '/health' },
    });
    expect(byName.get('crypto-service')).toMatchObject({
      endpoint: crypto.endpoint,
      capabilities: ['crypto_prediction'],
      protocol: 'process',
      enabled: true,
      health_check: { enabled: true, path: '/health' },
    });
  });

  it('runs the /orchestrate example: both tasks succeed, each service got its params as the JSON body', async () => {
    const res = await h.suite.http('/orchestrate', {
      method: 'POST',
      json: {
        tasks: [
          { type: 'image_generation', params: { prompt: 'Sunset landscape' } },
          { type: 'crypto_prediction', params: { symbol: 'BTC' } },
        ],
        priority: 'high',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ batch_id: expect.any(String), task_ids: [expect.any(String), expect.any(String)] });
    const [imageTask, cryptoTask] = res.body.task_ids as string[];
    await waitForTasks(h.suite, [imageTask!, cryptoTask!]);

    const imageView = await h.suite.http(`/task/${imageTask}`);
    expect(imageView.status).toBe(200);
    expect(imageView.body).toMatchObject({
      task_id: imageTask,
      type: 'image_generation',
      status: 'succeeded',
      priority: 'high',
      error: null,
      // The stand-in answers { service, echo: <the JSON body it received> }.
      result: { service: 'image-stand-in', echo: { prompt: 'Sunset landscape' } },
    });
    expect(imageView.body.result.echo).toEqual({ prompt: 'Sunset landscape' });

    const cryptoView = await h.suite.http(`/task/${cryptoTask}`);
    expect(cryptoView.status).toBe(200);
    expect(cryptoView.body).toMatchObject({
      task_id: cryptoTask,
      type: 'crypto_prediction',
      status: 'succeeded',
      priority: 'high',
      error: null,
      result: { service: 'crypto-stand-in', echo: { symbol: 'BTC' } },
    });
    expect(cryptoView.body.result.echo).toEqual({ symbol: 'BTC' });

    expect([image.calls, image.successes, crypto.calls, crypto.successes]).toEqual([1, 1, 1, 1]);
  });

  it('registers the LLM provider with the models it lists and runs llm.chat on it through the openai client', async () => {
    const r = await h.suite.http('/services/llm');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      endpoint: llm.baseURL,
      protocol: 'openai',
      capabilities: ['llm.chat'],
      models: [
        { name: 'phi3.5', class: null },
        { name: 'llama3.2', class: null },
      ],
      api_key_env: 'SEED_E2E_LLM_KEY',
      health_check: { enabled: false },
    });
    expect(llm.requests.filter((q) => q.path === '/v1/models').map((q) => [q.authOk, q.status])).toEqual([[true, 200]]);

    const submit = await h.suite.http('/tasks', {
      method: 'POST',
      json: { type: 'llm.chat', data: { model: 'llama3.2', prompt: 'Sunset landscape over the bay', max_tokens: 64 } },
    });
    expect(submit.status).toBe(201);
    const done = await waitForTasks(h.suite, [submit.body.task_id]);
    const task = done.get(submit.body.task_id);
    expect(task).toMatchObject({
      status: 'succeeded',
      result: {
        text: 'Summary (5 words): Sunset landscape over the bay',
        model: 'llama3.2',
        finish_reason: 'stop',
        service: 'llm',
      },
    });
    const call = llm.admitted().find((q) => (q.body as any)?.messages?.[0]?.content === 'Sunset landscape over the bay')!;
    expect(call).toMatchObject({ model: 'llama3.2', authOk: true, status: 200, maxTokens: 64 });
    expect(task.result.usage).toEqual({
      prompt_tokens: call.promptTokens,
      completion_tokens: call.completionTokens,
      total_tokens: call.promptTokens! + call.completionTokens!,
    });
  });
});
