// The seven Apiary services: build, environment, process specs, readiness.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runToCompletion } from './process.mjs';
import { LauncherError, LOG_DIR, REPO_ROOT, indent, rel, say, sleep, tailFile } from './util.mjs';

/** Apps built to `dist/apps/<app>/main.js`, in start order. */
export const APPS = [
  'memory',
  'task-router',
  'orchestrator-brain',
  'self-improvement',
  'scaler',
  'bot-runtime',
  'gateway',
];

/** Default build output folder. */
export const DEFAULT_DIST = path.join(REPO_ROOT, 'dist', 'apps');

/**
 * Build every project: `npx nx run-many -t build --parallel=2` with NX_DAEMON=false,
 * NX_NO_CLOUD=true, in the repository root.
 * @param {object} options
 * @param {'inherit' | 'file'} options.output `inherit`: build output on our terminal;
 *   `file`: to `.apiary/logs/build.log` (tail shown on failure)
 * @param {AbortSignal} [options.signal] abort: stop the build and reject
 * @returns {Promise<void>}
 * @throws {LauncherError} when the build fails (exit code, log tail)
 */
export async function buildApps({ output, signal }) {
  const logFile = path.join(LOG_DIR, 'build.log');
  fs.mkdirSync(LOG_DIR, { recursive: true });
  say(`building: npx nx run-many -t build --parallel=2${output === 'file' ? ` (log ${rel(logFile)})` : ''}`);
  const started = Date.now();
  const p = await runToCompletion(
    {
      name: 'build',
      command: 'npx',
      args: ['nx', 'run-many', '-t', 'build', '--parallel=2'],
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      output: output === 'file' ? { mode: 'file', file: logFile } : { mode: 'inherit' },
    },
    signal,
  );
  if (p.exitInfo?.code !== 0) {
    const tail = output === 'file' ? tailFile(logFile, 30) : '';
    throw new LauncherError(
      `build failed (${p.describeExit()}). Fix it, or run with --no-build to start what is already in dist/.`,
      tail ? `last lines of ${rel(logFile)}:\n${indent(tail)}` : undefined,
    );
  }
  say(`build done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Check that every app's bundle exists.
 * @param {string} dist folder holding `<app>/main.js`
 * @returns {void}
 * @throws {LauncherError} listing the missing bundles
 */
export function checkDist(dist) {
  const missing = APPS.filter((a) => !fs.existsSync(path.join(dist, a, 'main.js')));
  if (missing.length) {
    throw new LauncherError(
      `missing build output in ${rel(dist)}: ${missing.map((a) => `${a}/main.js`).join(', ')}. ` +
        'Run without --no-build (or `npm run build`), or pass --dist DIR.',
    );
  }
}

/**
 * One process to start.
 * @typedef {object} ServiceSpec
 * @property {string} app app name (also OTEL_SERVICE_NAME)
 * @property {string} name process name: the app, or `bot-runtime-<i>` for replicas
 * @property {string} main absolute path of its main.js
 * @property {NodeJS.ProcessEnv} env full environment
 */

/**
 * Settings shared by all service processes.
 * @typedef {object} ServiceSettings
 * @property {string} dist folder holding `<app>/main.js`
 * @property {number} runtimes bot-runtime replicas (>= 1)
 * @property {string} natsUrl
 * @property {string} databaseUrl
 * @property {string} logLevel APIARY_LOG_LEVEL value
 * @property {number} httpPort gateway port
 * @property {string} apiKeys APIARY_API_KEYS value (comma-separated)
 */

/**
 * Process specs for all services: each gets our environment plus NATS_URL,
 * DATABASE_URL, OTEL_* (metrics/logs exporters off, traces `${OTEL_TRACES_EXPORTER:-none}`),
 * APIARY_LOG_LEVEL; the gateway also APIARY_HTTP_PORT/HOST and APIARY_API_KEYS; each
 * bot-runtime replica APIARY_INSTANCE_ID=bot-runtime-<i> (1-based).
 * APIARY_HTTP_PORT/HOST and APIARY_PROBE_PORT are removed from the other services'
 * environment (and APIARY_INSTANCE_ID from all but the replicas), so an inherited
 * value cannot make several processes bind one port or share one identity.
 * @param {ServiceSettings} s
 * @returns {ServiceSpec[]}
 */
export function serviceSpecs(s) {
  const base = { ...process.env };
  delete base.APIARY_HTTP_PORT;
  delete base.APIARY_HTTP_HOST;
  delete base.APIARY_PROBE_PORT;
  delete base.APIARY_INSTANCE_ID;
  const common = {
    NATS_URL: s.natsUrl,
    DATABASE_URL: s.databaseUrl,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER || 'none',
    APIARY_LOG_LEVEL: s.logLevel,
  };
  /** @type {ServiceSpec[]} */
  const specs = [];
  for (const app of APPS) {
    const main = path.join(s.dist, app, 'main.js');
    const env = { ...base, ...common, OTEL_SERVICE_NAME: app };
    if (app === 'gateway') {
      Object.assign(env, {
        APIARY_HTTP_PORT: String(s.httpPort),
        APIARY_HTTP_HOST: '127.0.0.1',
        APIARY_API_KEYS: s.apiKeys,
      });
    }
    if (app === 'bot-runtime') {
      for (let i = 1; i <= s.runtimes; i++) {
        const name = `bot-runtime-${i}`;
        specs.push({ app, name, main, env: { ...env, APIARY_INSTANCE_ID: name } });
      }
    } else {
      specs.push({ app, name: app, main, env });
    }
  }
  return specs;
}

/**
 * API keys for the gateway: APIARY_API_KEYS when set, else one random key for this run.
 * @returns {{ keys: string, key: string, generated: boolean }} `keys` is the value for
 *   APIARY_API_KEYS, `key` the one clients of this run use (the first of the list)
 * @throws {LauncherError} when APIARY_API_KEYS is set but holds no key
 */
export function resolveApiKeys() {
  const env = process.env.APIARY_API_KEYS;
  if (env !== undefined && env.trim() !== '') {
    const key = env.split(',').map((k) => k.trim()).find(Boolean);
    if (!key) throw new LauncherError('APIARY_API_KEYS is set but holds no key (expected key1,key2,...)');
    return { keys: env, key, generated: false };
  }
  const key = `apiary_${crypto.randomBytes(24).toString('base64url')}`;
  return { keys: key, key, generated: true };
}

/**
 * Poll `GET <baseUrl>/health` until it answers 200 with `status: 'healthy'`.
 * @param {string} baseUrl e.g. `http://127.0.0.1:8080`
 * @param {object} [options]
 * @param {number} [options.timeoutMs] default 60,000 ms
 * @param {AbortSignal} [options.signal] abort the wait
 * @param {() => string | null} [options.whyNot] a reason to give up early (a child died)
 * @returns {Promise<unknown>} the healthy body
 * @throws {LauncherError} on timeout (with the last status and body) or `whyNot`
 */
export async function waitHealthy(baseUrl, { timeoutMs = 60_000, signal, whyNot } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet (connection refused)';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const reason = whyNot?.();
    if (reason) throw new LauncherError(reason);
    try {
      const res = await fetch(`${baseUrl}/health`, {
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(3000)]) : AbortSignal.timeout(3000),
      });
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (res.status === 200 && body && body.status === 'healthy') return body;
      last = `HTTP ${res.status}: ${text.slice(0, 2000)}`;
    } catch (err) {
      signal?.throwIfAborted();
      const e = /** @type {Error & { cause?: { code?: string } }} */ (err);
      last = `no answer (${e.cause?.code ?? e.name ?? e.message})`;
    }
    await sleep(500, signal);
  }
  throw new LauncherError(
    `the gateway did not report healthy at ${baseUrl}/health within ${Math.round(timeoutMs / 1000)} s.`,
    `last health answer: ${last}`,
  );
}
