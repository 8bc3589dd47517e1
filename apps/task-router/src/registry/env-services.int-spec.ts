import { INestMicroservice } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { ListServicesReply, ROUTER_MODULE_DISABLE, ROUTER_SERVICE_LIST } from '@apiary/contracts';
import { NatsRpcClient } from '@apiary/service-kit';
import { createTestDatabase, OpenAiStandIn, startNatsServer, startOpenAiStandIn, TestDatabase, TestNats } from '@apiary/testing';
import { rpcClient, startRouter } from '../../test/harness';

// README "Providers from the environment": two task-router replicas (the real Nest
// apps, in this process) start at once on a private nats-server and a database of
// their own, with the same services in their environment; the LLM provider is the
// OpenAI-compatible stand-in on loopback, asked for its models with the openai client.
describe('services from the environment at start-up (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let llm: OpenAiStandIn;
  let routers: INestMicroservice[] = [];
  let rpc: NatsRpcClient;
  let nc: NatsConnection;
  const KEY_VAR = 'ENV_SERVICES_INT_SPEC_KEY';

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    llm = await startOpenAiStandIn({ apiKey: 'sk-int-spec-key-0123', models: ['phi3.5', 'llama3.2:1b'] });
    // The key is read from the process environment, as bot-runtime reads it.
    process.env[KEY_VAR] = 'sk-int-spec-key-0123';
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      IMAGE_SERVICE_URL: 'http://127.0.0.1:9/image',
      MARKETING_SERVICE_URL: 'http://127.0.0.1:9/marketing',
      APIARY_LLM_BASE_URL: llm.baseURL,
      APIARY_LLM_API_KEY_ENV: KEY_VAR,
      APIARY_LLM_SERVICE_NAME: 'stand-in-llm',
      APIARY_LLM_PRICING: '{"phi3.5":{"input_per_1m":0.5,"output_per_1m":1.5}}',
      APIARY_LLM_TPM: '60000',
      APIARY_HEALTH_CHECK_INTERVAL_MS: '3600000',
    };
    routers = await Promise.all([startRouter(env), startRouter(env)]);
    ({ rpc, nc } = await rpcClient(nats.url));
  });
  afterAll(async () => {
    delete process.env[KEY_VAR];
    await nc?.drain();
    await Promise.all(routers.map((r) => r.close()));
    await llm?.close();
    await db?.drop();
    await nats?.stop();
  });

  it('both replicas registered the same services once each; the provider with its listed models', async () => {
    const { services } = await rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, {});
    expect(services.map((s) => s.service_name)).toEqual(['image-service', 'marketing-service', 'stand-in-llm']);
    const byName = new Map(services.map((s) => [s.service_name, s]));
    expect(byName.get('image-service')).toMatchObject({
      endpoint: 'http://127.0.0.1:9/image',
      protocol: 'process',
      capabilities: ['image_generation'],
      health_check: { enabled: true, path: '/health' },
      enabled: true,
    });
    expect(byName.get('marketing-service')).toMatchObject({ capabilities: ['marketing_intelligence'], protocol: 'process' });
    expect(byName.get('stand-in-llm')).toMatchObject({
      endpoint: llm.baseURL,
      protocol: 'openai',
      capabilities: ['llm.chat'],
      models: [
        { name: 'phi3.5', class: null },
        { name: 'llama3.2:1b', class: null },
      ],
      api_key_env: KEY_VAR,
      pricing: { 'phi3.5': { input_per_1m: 0.5, output_per_1m: 1.5 } },
      limits: { tpm: 60000 },
      health_check: { enabled: false },
    });
    // One models request per replica, each with the key the named variable holds.
    expect(llm.requests.map((r) => [r.path, r.authOk, r.status])).toEqual([
      ['/v1/models', true, 200],
      ['/v1/models', true, 200],
    ]);
  });

  it('a restart re-registers the same values and keeps a service disabled by hand', async () => {
    await rpc.request(ROUTER_MODULE_DISABLE, { name: 'marketing-service' });
    await routers[1]!.close();
    routers = [routers[0]!];
    const again = await startRouter({
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      MARKETING_SERVICE_URL: 'http://127.0.0.1:9/marketing',
      APIARY_HEALTH_CHECK_INTERVAL_MS: '3600000',
    });
    routers.push(again);
    const { services } = await rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, {});
    const marketing = services.find((s) => s.service_name === 'marketing-service')!;
    expect(marketing).toMatchObject({ enabled: false, capabilities: ['marketing_intelligence'] });
    // Variables no longer set do not deregister anything.
    expect(services.map((s) => s.service_name)).toEqual(['image-service', 'marketing-service', 'stand-in-llm']);
  });
});
