import { INestMicroservice } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, JSONCodec, Msg, NatsConnection } from 'nats';
import pino from 'pino';
import { BRAIN_DECIDE, Decision, DecisionRequest, ErrorPayload } from '@apiary/contracts';
import { loadEnv, NatsRpcClient, runMicroservice } from '@apiary/service-kit';
import { RouterEnv } from '../src/env';
import { RouterModule } from '../src/router.module';

/**
 * A task-router replica running in this process: the real Nest app (RouterModule,
 * validation pipe, error filter, queue group) against the suite's NATS and PostgreSQL.
 * @param env NATS_URL, DATABASE_URL and any router variable
 */
export async function startRouter(env: Record<string, string>): Promise<INestMicroservice> {
  const routerEnv = loadEnv(RouterEnv, {
    APIARY_ROUTER_REFRESH_MS: '100',
    APIARY_ROUTER_STATS_FLUSH_MS: '100',
    APIARY_ROUTING_STRATEGY: 'round_robin',
    DATABASE_POOL_SIZE: '4',
    ...env,
  });
  return runMicroservice({ service: 'task-router', imports: [RouterModule], env: routerEnv, logger: pino({ level: 'silent' }) });
}

/** A client of the router's subjects on its own connection. */
export async function rpcClient(url: string): Promise<{ rpc: NatsRpcClient; nc: NatsConnection }> {
  const nc = await connect({ servers: url, name: 'router-spec' });
  return { rpc: new NatsRpcClient(nc, 5000), nc };
}

/** Calls `fn` and returns the ApiaryError-like rejection it must produce. */
export async function rejection(fn: () => Promise<unknown>): Promise<{ code: string; message: string; details?: any }> {
  try {
    await fn();
  } catch (e) {
    const { code, message, details } = e as { code: string; message: string; details?: any };
    return details === undefined ? { code, message } : { code, message, details };
  }
  throw new Error('expected a rejection');
}

/**
 * A loopback HTTP service standing in for an AI service: `GET /health` answers
 * `healthStatus` (200 by default), everything else 200 `{ ok: true }`. Counts health checks.
 */
export class LoopbackService {
  healthStatus = 200;
  /** When true, `/health` never answers (the probe times out). */
  hang = false;
  healthChecks = 0;
  private server?: Server;

  /** @returns the base URL, e.g. `http://127.0.0.1:PORT` */
  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/health' || req.url === '/custom-health') {
        this.healthChecks++;
        if (this.hang) return;
        res.writeHead(this.healthStatus, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Closes the server. */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}

const codec = JSONCodec<unknown>();

/**
 * Stands in for the orchestrator brain's `apiary.brain.decide` in integration
 * specs: a plain nats.js subscriber (queue group `orchestrator-brain`) on the real
 * NATS, answering in Nest's wire format with what `answer` returns. Records requests.
 */
export class FakeBrainDecide {
  readonly requests: DecisionRequest[] = [];
  answer: (req: DecisionRequest) => { response: Decision } | { err: ErrorPayload } | 'silent' = () => ({ err: { code: 'INTERNAL', message: 'unset' } });
  private nc?: NatsConnection;

  /** Subscribes on the given NATS. */
  async start(url: string): Promise<void> {
    this.nc = await connect({ servers: url, name: 'fake-brain-decide' });
    this.nc.subscribe(BRAIN_DECIDE, { queue: 'orchestrator-brain', callback: (err, msg) => !err && this.reply(msg) });
    await this.nc.flush();
  }

  /** Closes the connection (the subject then has no responders). */
  async stop(): Promise<void> {
    await this.nc?.drain();
  }

  private reply(msg: Msg): void {
    const packet = codec.decode(msg.data) as { data: DecisionRequest; id: string };
    this.requests.push(packet.data);
    const a = this.answer(packet.data);
    if (a === 'silent') return;
    msg.respond(codec.encode({ ...a, isDisposed: true, id: packet.id }));
  }
}

/**
 * @param selected the chosen service
 * @param alternatives the others, best first
 * @returns a decision as the brain shapes it
 */
export function decisionOf(req: DecisionRequest, selected: string, alternatives: string[], confidence: number): Decision {
  const alt = (service: string) => ({ service, expected_success: 0.9, mean_latency_ms: 12, samples: 40, sampled_score: 0.8 });
  return {
    decision_id: `d-${Math.random().toString(36).slice(2)}`,
    task_type: req.task_type,
    selected_service: selected,
    priority_level: 2,
    confidence,
    reasoning: `${selected} had the highest Thompson draw`,
    alternatives: alternatives.map(alt),
    selected: alt(selected),
    resources: { cpu: 1, memory: 512 },
    rule: 'thompson_sampling',
    decided_at: new Date().toISOString(),
  };
}
