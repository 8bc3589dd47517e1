import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ClientNodeScaleApi, loadKubernetesClient } from './kubernetes-client';
import { KubernetesDriver } from './kubernetes.driver';

// No Kubernetes cluster runs here, so this spec starts a minimal fake API server:
// plain HTTP serving only the scale subresource of one Deployment
// (GET/PATCH /apis/apps/v1/namespaces/<ns>/deployments/<name>/scale) with bearer
// tokens, 404 for other names and 403 for a read-only token. The driver talks to
// it through the real @kubernetes/client-node (AppsV1Api), as it would to a cluster.
interface Recorded {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  auth?: string;
  body?: unknown;
}

function startFakeApiServer(): Promise<{ server: Server; url: string; requests: Recorded[]; replicas: () => number }> {
  let replicas = 3;
  const requests: Recorded[] = [];
  const scale = () => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'apiary-bot-runtime', namespace: 'apiary', uid: 'u-1', resourceVersion: String(100 + replicas) },
    spec: { replicas },
    status: { replicas, selector: 'app.kubernetes.io/component=bot-runtime' },
  });
  const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    const rec: Recorded = { method: req.method ?? '', path: url.pathname, query: url.search, contentType: req.headers['content-type'], auth: req.headers.authorization };
    if (raw) rec.body = JSON.parse(raw);
    requests.push(rec);
    const send = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (rec.auth !== 'Bearer scaler-token' && rec.auth !== 'Bearer read-only') return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/.exec(url.pathname);
    if (!m) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    if (m[1] !== 'apiary' || m[2] !== 'apiary-bot-runtime') return send(404, status(404, 'NotFound', `deployments.apps "${m[2]}" not found`));
    if (req.method === 'GET') return send(200, scale());
    if (req.method === 'PATCH') {
      if (rec.auth === 'Bearer read-only') return send(403, status(403, 'Forbidden', 'deployments.apps "apiary-bot-runtime" is forbidden: cannot patch resource "deployments/scale"'));
      if (rec.contentType !== 'application/merge-patch+json') return send(415, status(415, 'UnsupportedMediaType', `unsupported ${rec.contentType}`));
      const wanted = (rec.body as { spec?: { replicas?: unknown } })?.spec?.replicas;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0) return send(422, status(422, 'Invalid', 'spec.replicas: Invalid value'));
      replicas = wanted;
      return send(200, scale());
    }
    return send(405, status(405, 'MethodNotAllowed', 'method not allowed'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, replicas: () => replicas })));
}

describe('KubernetesDriver with @kubernetes/client-node against a fake API server', () => {
  let fake: Awaited<ReturnType<typeof startFakeApiServer>>;
  const k8s = loadKubernetesClient();

  function kubeConfig(token: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: fake.url, skipTLSVerify: true }],
      users: [{ name: 'scaler', token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'scaler', namespace: 'apiary' }],
      currentContext: 'fake',
    });
    return kc;
  }

  beforeAll(async () => {
    fake = await startFakeApiServer();
  });
  afterAll(async () => {
    await new Promise((r) => fake.server.close(r));
  });

  it('reads spec.replicas of the scale subresource and patches it with a merge patch', async () => {
    const driver = new KubernetesDriver(new ClientNodeScaleApi(kubeConfig('scaler-token'), k8s), { namespace: 'apiary', deployment: 'apiary-bot-runtime' });
    await driver.start();
    expect(await driver.current()).toBe(3);
    expect(await driver.scaleTo(7)).toBe(7);
    expect(fake.replicas()).toBe(7);
    expect(driver.desired()).toBe(7);
    expect(await driver.current()).toBe(7);
    const patch = fake.requests.find((r) => r.method === 'PATCH')!;
    expect(patch).toMatchObject({
      path: '/apis/apps/v1/namespaces/apiary/deployments/apiary-bot-runtime/scale',
      contentType: 'application/merge-patch+json',
      auth: 'Bearer scaler-token',
      body: { spec: { replicas: 7 } },
    });
    expect(patch.query).toContain('fieldManager=apiary-scaler');
    expect(await driver.scaleTo(2)).toBe(2);
    expect(fake.replicas()).toBe(2);
  });

  it('fails at start for a Deployment that does not exist (404)', async () => {
    const driver = new KubernetesDriver(new ClientNodeScaleApi(kubeConfig('scaler-token'), k8s), { namespace: 'apiary', deployment: 'nope' });
    await expect(driver.start()).rejects.toMatchObject({ code: 404 });
  });

  it('fails the scaling, leaving the replica count alone, without RBAC to patch (403)', async () => {
    const driver = new KubernetesDriver(new ClientNodeScaleApi(kubeConfig('read-only'), k8s), { namespace: 'apiary', deployment: 'apiary-bot-runtime' });
    const before = fake.replicas();
    await driver.start();
    await expect(driver.scaleTo(before + 5)).rejects.toMatchObject({ code: 403 });
    expect(fake.replicas()).toBe(before);
  });
});
