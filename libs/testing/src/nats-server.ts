import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort, waitFor } from './ports';

/** A nats-server with JetStream owned by one test suite. */
export interface TestNats {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and deletes its store. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, keeping its store (for restart tests). */
  kill(): void;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
}

/** @returns the nats-server binary path. @throws Error saying how to install it */
export function natsServerBinary(): string {
  for (const p of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('nats-server not found: apt-get install nats-server, or set NATS_SERVER_BIN');
}

/**
 * Starts a private nats-server (JetStream on, temp store, free port) so suites can
 * run in parallel without sharing subjects or streams (nats.js tests do the same).
 */
export async function startNatsServer(): Promise<TestNats> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'apiary-nats-'));
  const bin = natsServerBinary();
  let child: ChildProcess | undefined;
  const url = `nats://127.0.0.1:${port}`;
  const launch = async () => {
    child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
    await waitFor(`nats-server on ${port}`, async () => {
      const nc = await connect({ servers: url, timeout: 500, reconnect: false });
      await nc.jetstreamManager();
      await nc.close();
      return true;
    }, 15_000, 50);
  };
  await launch();
  return {
    url,
    port,
    kill: () => child?.kill('SIGKILL'),
    restart: launch,
    stop: async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      rmSync(store, { recursive: true, force: true });
    },
  };
}
