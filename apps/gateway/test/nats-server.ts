import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';

/** A `nats-server` started for one test suite. */
export interface TestNatsServer {
  /** e.g. `nats://127.0.0.1:43123` */
  url: string;
  /** Kills the server and removes its JetStream directory. */
  stop(): Promise<void>;
}

/** @returns a TCP port that was free a moment ago on 127.0.0.1 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `nats-server` with JetStream on a free port and a fresh store directory,
 * and waits until it accepts connections.
 * @param binary path of the server (default `/usr/sbin/nats-server`, or `NATS_SERVER_BIN`)
 * @throws Error when it does not answer within 10 s or exits early
 */
export async function startNatsServer(binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server'): Promise<TestNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'apiary-gateway-nats-'));
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `nats://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nats-server exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      await nc.close();
      return { url, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nats-server did not start on ${url}: ${String(error)} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
