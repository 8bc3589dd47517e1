// The local suite: build, NATS, PostgreSQL, the seven services, readiness, and an
// ordered shutdown that leaves no process behind. `runSuite` wraps it all with signal
// handling for the launcher commands and the benches.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from './process.mjs';
import { NATS_INSTALL_HINT, findNatsServer, startLocalNats, waitForJetStream } from './nats.mjs';
import { checkDatabaseUrl, redactUrl, startEmbeddedPostgres } from './postgres.mjs';
import { RunRecord, reapStaleRuns } from './runs.mjs';
import { buildApps, checkDist, resolveApiKeys, serviceSpecs, waitHealthy } from './services.mjs';
import {
  LOG_DIR,
  LauncherError,
  REPO_ROOT,
  freePort,
  indent,
  isPortFree,
  readCmdline,
  rel,
  say,
} from './util.mjs';

/**
 * @typedef {object} SuiteOptions
 * @property {boolean} build run the Nx build first
 * @property {string} dist folder holding `<app>/main.js`
 * @property {number} runtimes bot-runtime replicas
 * @property {boolean} services start the services (false: NATS and PostgreSQL only)
 * @property {'prefix' | 'file'} output service output: prefixed on our stdout, or
 *   `.apiary/logs/<name>.log`
 * @property {string} logLevel APIARY_LOG_LEVEL for the services
 * @property {'fixed' | 'free'} httpPort gateway port: `fixed` = APIARY_HTTP_PORT or
 *   8080; `free` = APIARY_HTTP_PORT or any free port
 * @property {number} [healthTimeoutMs] default 60,000 ms
 */

/** Abort reason used when SIGINT/SIGTERM/SIGHUP arrives. */
export class Interrupted extends Error {
  /** @param {string} signal signal name */
  constructor(signal) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
    this.signal = signal;
  }
}

/**
 * A running (or starting) local suite. Create with `new Suite(options, signal)`, then
 * `await start()`; always `await stop()` afterwards, whatever happened.
 */
export class Suite {
  /**
   * @param {SuiteOptions} options
   * @param {AbortSignal} signal aborts the start-up waits (Ctrl-C)
   */
  constructor(options, signal) {
    this.options = options;
    this.signal = signal;
    /** `http://127.0.0.1:<port>` of the gateway, set by start() */
    this.baseUrl = '';
    /** API key clients of this run use (Authorization: Bearer <key>) */
    this.apiKey = '';
    /** Whether the key was generated for this run */
    this.apiKeyGenerated = false;
    /** APIARY_API_KEYS value given to the gateway */
    this.apiKeys = '';
    this.natsUrl = '';
    this.databaseUrl = '';
    /** @type {ManagedProcess[]} service processes */
    this.services = [];
    /** @type {{ name: string, stop: () => Promise<void> }[]} stopped in reverse order */
    this.resources = [];
    this.stopping = false;
    /** Whether a second signal asked to SIGKILL the services */
    this.forced = false;
    /** @type {LauncherError | null} first unexpected exit */
    this.failure = null;
    /** @type {(e: LauncherError) => void} */
    let resolveFailed = () => undefined;
    /** Resolves with the first unexpected exit of NATS, PostgreSQL or a service. */
    this.failed = /** @type {Promise<LauncherError>} */ (new Promise((r) => (resolveFailed = r)));
    this.resolveFailed = resolveFailed;
    this.record = new RunRecord();
    /** @type {Promise<void> | null} */
    this.stopPromise = null;
  }

  /**
   * Start everything; resolves once the gateway reports healthy (or, without services,
   * once NATS and PostgreSQL are ready).
   * @returns {Promise<void>}
   * @throws {LauncherError} on any start-up failure (the caller still calls stop())
   * @throws {Interrupted} when the signal aborts
   */
  async start() {
    const o = this.options;
    const signal = this.signal;
    await reapStaleRuns();
    fs.mkdirSync(LOG_DIR, { recursive: true });

    let httpPort = 0;
    if (o.services) {
      httpPort = await this.#choosePort();
      const keys = resolveApiKeys();
      this.apiKey = keys.key;
      this.apiKeyGenerated = keys.generated;
      this.apiKeys = keys.keys;
    }

    if (o.build) await buildApps({ output: o.output === 'file' ? 'file' : 'inherit', signal });
    signal.throwIfAborted();
    if (o.services) checkDist(o.dist);

    await this.#startNats();
    signal.throwIfAborted();
    await this.#startPostgres();
    signal.throwIfAborted();
    if (!o.services) return;

    const specs = serviceSpecs({
      dist: o.dist,
      runtimes: o.runtimes,
      natsUrl: this.natsUrl,
      databaseUrl: this.databaseUrl,
      logLevel: o.logLevel,
      httpPort,
      apiKeys: this.apiKeys,
    });
    const width = Math.max(...specs.map((s) => s.name.length));
    for (const spec of specs) {
      const proc = new ManagedProcess({
        name: spec.name,
        command: process.execPath,
        args: [spec.main],
        cwd: REPO_ROOT,
        env: spec.env,
        output:
          o.output === 'file'
            ? { mode: 'file', file: path.join(LOG_DIR, `${spec.name}.log`) }
            : { mode: 'prefix', prefixWidth: width },
      });
      this.services.push(proc);
      this.record.addProcess({ name: spec.name, pid: proc.pid, cmdline: proc.cmdline, kind: 'group' });
      this.#watch(proc);
    }
    say(
      `started ${specs.length} services (${specs.map((s) => s.name).join(', ')})` +
        (o.output === 'file' ? `; logs in ${rel(LOG_DIR)}/<name>.log` : ''),
    );

    this.baseUrl = `http://127.0.0.1:${httpPort}`;
    const t0 = Date.now();
    await waitHealthy(this.baseUrl, {
      timeoutMs: o.healthTimeoutMs ?? 60_000,
      signal,
      whyNot: () => this.failure?.message ?? null,
    }).catch((err) => {
      // a dead child explains a failed wait better than the wait itself
      throw this.failure ?? err;
    });
    say(`gateway healthy at ${this.baseUrl} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /**
   * Stop everything in order: services (SIGTERM, 15 s each, in parallel, then SIGKILL),
   * NATS, PostgreSQL, temp dirs. Idempotent; never throws.
   * @returns {Promise<void>}
   */
  stop() {
    if (!this.stopPromise) this.stopPromise = this.#stop();
    return this.stopPromise;
  }

  /**
   * SIGKILL every child at once (a second Ctrl-C). stop() still runs the rest.
   * @returns {void}
   */
  forceKill() {
    this.forced = true;
    for (const p of this.services) p.kill();
  }

  async #stop() {
    this.stopping = true;
    const running = this.services.filter((p) => p.running);
    if (running.length) say(`stopping ${running.length} services (SIGTERM, up to 15 s each)`);
    const results = await Promise.all(
      this.services.map(async (p) => {
        const wasRunning = p.running;
        const t0 = Date.now();
        await p.stop({ timeoutMs: 15_000 });
        return { p, wasRunning, ms: Date.now() - t0 };
      }),
    );
    for (const { p, wasRunning, ms } of results) {
      if (wasRunning && p.exitInfo?.signal === 'SIGKILL') {
        say(this.forced ? `${p.name} killed` : `${p.name} did not exit within 15 s of SIGTERM: killed`);
      } else if (wasRunning && ms > 5000) {
        say(`${p.name} took ${(ms / 1000).toFixed(1)} s to stop`);
      }
    }
    for (const r of [...this.resources].reverse()) {
      try {
        await r.stop();
      } catch (err) {
        say(`stopping ${r.name} failed: ${/** @type {Error} */ (err).message}`);
      }
    }
    this.record.remove();
    say('stopped');
  }

  /** @returns {Promise<number>} the gateway port to use */
  async #choosePort() {
    const env = process.env.APIARY_HTTP_PORT;
    let port;
    if (env !== undefined && env !== '') {
      port = Number(env);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new LauncherError(`APIARY_HTTP_PORT must be a port number, got '${env}'`);
      }
    } else if (this.options.httpPort === 'fixed') {
      port = 8080;
    } else {
      return freePort();
    }
    if (!(await isPortFree(port))) {
      throw new LauncherError(
        `port ${port} on 127.0.0.1 is already in use; set APIARY_HTTP_PORT to a free port.`,
      );
    }
    return port;
  }

  async #startNats() {
    const fromEnv = process.env.NATS_URL;
    if (fromEnv) {
      await waitForJetStream(fromEnv, { timeoutMs: 10_000, signal: this.signal });
      say(`using NATS_URL=${fromEnv}`);
      this.natsUrl = fromEnv;
      return;
    }
    const binary = findNatsServer();
    if (!binary) throw new LauncherError(NATS_INSTALL_HINT);
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiary-launcher-nats-'));
    this.record.addTempDir(tmpDir);
    this.resources.push({
      name: 'temp dir',
      stop: async () => fs.rmSync(tmpDir, { recursive: true, force: true }),
    });
    const nats = await startLocalNats({
      binary,
      tmpDir,
      signal: this.signal,
      onSpawn: (proc) => {
        this.record.addProcess({ name: 'nats', pid: proc.pid, cmdline: proc.cmdline, kind: 'group' });
        this.resources.push({ name: 'nats-server', stop: () => proc.stop({ timeoutMs: 10_000 }).then(() => undefined) });
        this.#watch(proc, 'nats-server', true);
      },
    });
    this.natsUrl = nats.url;
  }

  async #startPostgres() {
    const fromEnv = process.env.DATABASE_URL;
    if (fromEnv) {
      await checkDatabaseUrl(fromEnv);
      say(`using DATABASE_URL=${redactUrl(fromEnv)}`);
      this.databaseUrl = fromEnv;
      return;
    }
    const pg = await startEmbeddedPostgres({
      onSpawn: (pid) =>
        this.record.addProcess({ name: 'postgres', pid, cmdline: readCmdline(pid), kind: 'postgres' }),
    });
    this.resources.push({ name: 'PostgreSQL', stop: pg.stop });
    pg.exited.then((reason) => {
      if (!this.stopping) this.#fail(new LauncherError(reason));
    });
    this.databaseUrl = pg.url;
  }

  /**
   * Turn an unexpected exit of `proc` into the suite's failure.
   * @param {ManagedProcess} proc
   * @param {string} [label] name in the message
   * @param {boolean} [early] whether the start-up wait of that process reports it itself
   */
  #watch(proc, label = proc.name, early = false) {
    proc.exited.then(async () => {
      if (proc.stopping || this.stopping) return;
      if (early && !this.natsUrl) return; // startLocalNats reports it
      // When NATS or PostgreSQL dies, services tend to exit first; give the root cause
      // half a second to be reported instead.
      if (label !== 'nats-server') await new Promise((r) => setTimeout(r, 500));
      if (this.failure || this.stopping) return;
      const where = proc.logFile ? `last lines of ${rel(proc.logFile)}:` : 'last lines of its output:';
      this.#fail(
        new LauncherError(
          `${label} exited unexpectedly (${proc.describeExit()}).`,
          `${where}\n${indent(proc.tail(25) || '(no output)')}`,
        ),
      );
    });
  }

  /** @param {LauncherError} err */
  #fail(err) {
    if (this.failure) return;
    this.failure = err;
    this.resolveFailed(err);
  }
}

/**
 * Print an error for the operator: LauncherError as message (+ detail), anything else
 * with its stack.
 * @param {unknown} err
 * @returns {void}
 */
export function printError(err) {
  if (process.stderr.destroyed) return;
  if (err instanceof LauncherError) {
    process.stderr.write(`[apiary] error: ${err.message}\n`);
    if (err.detail) process.stderr.write(`${err.detail}\n`);
  } else if (err instanceof Error) {
    process.stderr.write(`[apiary] error: ${err.stack ?? err.message}\n`);
  } else {
    process.stderr.write(`[apiary] error: ${String(err)}\n`);
  }
}

/**
 * Suite options of a run that drives the suite itself (demo, benches): services' logs
 * to `.apiary/logs/`, a free gateway port, log level `APIARY_LOG_LEVEL` or `warn`,
 * exit code 130 when interrupted.
 * @param {{ build: boolean, dist: string, runtimes: number }} opts the command's
 *   `--no-build`, `--dist` and `--runtimes`
 * @returns {SuiteOptions & { interruptExitCode: number }}
 */
export function headlessSuiteOptions(opts) {
  return {
    build: opts.build,
    dist: path.resolve(opts.dist),
    runtimes: opts.runtimes,
    services: true,
    output: 'file',
    logLevel: process.env.APIARY_LOG_LEVEL || 'warn',
    httpPort: 'free',
    interruptExitCode: 130,
  };
}

/**
 * Start the suite, run `body` against it, and stop it, whatever happens: start-up
 * failure, body failure, an unexpected child exit (reported with its log tail), or
 * SIGINT/SIGTERM/SIGHUP at any point (a second signal more than 3 s after the first
 * SIGKILLs the services; a repeat within 3 s is taken as the same Ctrl-C, which npm
 * forwards a second time).
 * @template T
 * @param {SuiteOptions & { interruptExitCode: number }} options suite options, plus the
 *   exit code to return when interrupted by a signal
 * @param {(suite: Suite, signal: AbortSignal) => Promise<T>} body runs once the suite is
 *   ready; `signal` aborts when a child dies or a signal arrives
 * @returns {Promise<{ code: number, value?: T }>} code 0 when `body` resolved,
 *   `interruptExitCode` on a signal, 1 on any failure (already printed)
 */
export async function runSuite(options, body) {
  const ac = new AbortController();
  let firstSignalAt = 0;
  /** @type {Suite | null} */
  let suite = null;
  const onSignal = (sig) => {
    const now = Date.now();
    if (!ac.signal.aborted) {
      firstSignalAt = now;
      say(`${sig} received: shutting down (Ctrl-C again after 3 s to kill at once)`);
      ac.abort(new Interrupted(sig));
      return;
    }
    if (now - firstSignalAt < 3000) return;
    say(`${sig} again: killing the services now`);
    suite?.forceKill();
  };
  let fatalSeen = false;
  const onFatal = (err) => {
    if (fatalSeen) return;
    fatalSeen = true;
    printError(err);
    if (!ac.signal.aborted) ac.abort(err);
    process.exitCode = 1;
    // the main flow below, still awaiting, stops the suite; if it cannot, the exit
    // hook of process.mjs SIGKILLs the children
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  suite = new Suite(options, ac.signal);
  suite.failed.then((err) => {
    if (!ac.signal.aborted) ac.abort(err);
  });
  let code = 0;
  /** @type {T | undefined} */
  let value;
  try {
    await suite.start();
    const aborted = new Promise((_, reject) => {
      if (ac.signal.aborted) reject(ac.signal.reason);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    value = await Promise.race([body(suite, ac.signal), aborted]);
  } catch (err) {
    // prefer the root cause: a dead child, then the signal, then the error itself
    const cause = suite.failure ?? (ac.signal.reason instanceof Interrupted ? ac.signal.reason : err);
    if (cause instanceof Interrupted) {
      code = options.interruptExitCode;
    } else {
      printError(cause);
      code = 1;
    }
  } finally {
    await suite.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
  if (process.exitCode === 1 && code === 0) code = 1;
  return { code, value };
}
