import { ROUTER_SERVICE_LIST, ServiceView } from '@apiary/contracts';
import { RouterCandidateSource } from './candidates';

const view = (service_name: string, over: Partial<ServiceView> = {}): ServiceView => ({
  service_name, endpoint: `http://${service_name}:5100`, capabilities: ['email_campaign'], category: 'ai-service', enabled: true,
  depends_on: [], status: 'healthy', status_source: 'registration', health_check: { enabled: true, path: '/health' },
  consecutive_failures: 0, in_flight: 0, last_checked_at: null, registered_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z', protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, usage: null, ...over,
});

function source(services: ServiceView[], now = () => 0) {
  const requests: unknown[] = [];
  const rpc = { request: async <T>(subject: string, data: unknown) => (requests.push([subject, data]), { services } as T) };
  return { candidates: new RouterCandidateSource(rpc, 1000, 50, now), requests };
}

describe('RouterCandidateSource', () => {
  it('keeps enabled services that are not unhealthy (degraded stay)', async () => {
    const { candidates, requests } = source([
      view('email-ai'),
      view('content-ai', { status: 'degraded' }),
      view('marketing-ai', { status: 'unhealthy' }),
      view('seo-ai', { enabled: false }),
    ]);
    expect(await candidates.candidates('email_campaign')).toEqual({ services: ['email-ai', 'content-ai'], source: 'router' });
    expect(requests).toEqual([[ROUTER_SERVICE_LIST, { capability: 'email_campaign' }]]);
  });

  it('falls back to the built-in handler of a built-in type no service offers', async () => {
    const { candidates } = source([]);
    expect(await candidates.candidates('text.sentiment')).toEqual({ services: ['text.sentiment'], source: 'builtin' });
  });

  it('throws NO_CAPABLE_SERVICE naming the type when nothing usable offers it', async () => {
    await expect(source([]).candidates.candidates('video_generation')).rejects.toMatchObject({
      code: 'NO_CAPABLE_SERVICE', message: 'No service offers task type video_generation',
    });
    await expect(source([view('email-ai', { status: 'unhealthy' }), view('content-ai', { enabled: false })]).candidates.candidates('email_campaign')).rejects.toMatchObject({
      code: 'NO_CAPABLE_SERVICE', message: expect.stringMatching(/email_campaign \(email-ai: unhealthy, content-ai: disabled\)/),
    });
  });

  it('asks the router once per type per TTL', async () => {
    let now = 0;
    const { candidates, requests } = source([view('email-ai')], () => now);
    await Promise.all([candidates.candidates('email_campaign'), candidates.candidates('email_campaign')]);
    expect(requests).toHaveLength(1);
    now = 1000;
    await candidates.candidates('email_campaign');
    expect(requests).toHaveLength(2);
  });
});
