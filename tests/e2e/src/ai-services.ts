import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** How a stand-in AI service answers `POST /process` and `GET /health`; change it while the test runs. */
export interface AiServiceBehaviour {
  /** Delay before answering /process, ms. */
  delayMs: number;
  /** Probability of answering /process with 503 (0..1), drawn per call from `random`. */
  failRate: number;
  /** Status of GET /health. */
  healthStatus: number;
}

/**
 * A real HTTP server on loopback standing in for an AI service of seed 002's
 * "Complete Flow Example": `POST /process` answers `{ service, echo }` (or 503),
 * `GET /health` answers `healthStatus`. Counts every call it receives.
 */
export interface AiService {
  name: string;
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  behaviour: AiServiceBehaviour;
  /** /process calls received (answered or not). */
  calls: number;
  /** /process calls answered 2xx. */
  successes: number;
  /** GET /health calls received. */
  healthChecks: number;
  close(): Promise<void>;
}

/**
 * Starts a stand-in AI service on 127.0.0.1 (port chosen by the OS).
 * @param name name echoed in replies
 * @param behaviour initial behaviour (defaults: instant, never fails, healthy)
 * @param random random source for `failRate` (seeded in tests that count)
 */
export async function startAiService(
  name: string,
  behaviour: Partial<AiServiceBehaviour> = {},
  random: () => number = Math.random,
): Promise<AiService> {
  const service: AiService = {
    name,
    endpoint: '',
    behaviour: { delayMs: 0, failRate: 0, healthStatus: 200, ...behaviour },
    calls: 0,
    successes: 0,
    healthChecks: 0,
    close: async () => undefined,
  };
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/health') {
        service.healthChecks += 1;
        res.writeHead(service.behaviour.healthStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ status: service.behaviour.healthStatus < 300 ? 'ok' : 'down' }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/process') {
        res.writeHead(404).end();
        return;
      }
      service.calls += 1;
      const fail = random() < service.behaviour.failRate;
      setTimeout(() => {
        if (res.destroyed) return;
        if (fail) {
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `${name} is overloaded` }));
          return;
        }
        service.successes += 1;
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: name, echo: body }));
      }, service.behaviour.delayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return service;
}

/** A deterministic random source (mulberry32) so failure rates are reproducible (one copy: `@apiary/testing`). */
export { seededRandom } from '@apiary/testing';
