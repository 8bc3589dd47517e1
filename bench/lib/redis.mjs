// Local Redis for the BullMQ baseline: use the one that answers at the given URL, or,
// for a loopback address with nothing listening, start `redis-server` (no persistence)
// and shut it down again afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { LauncherError, canConnect, isAlive, sleep, trySignal } from '../../scripts/lib/util.mjs';

/** Redis the baseline uses unless told otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A Redis server ready for the baseline.
 * @typedef {object} LocalRedis
 * @property {string} host
 * @property {number} port
 * @property {boolean} started whether this process started it (and stop() ends it)
 * @property {() => Promise<void>} stop ends the server when we started it; otherwise
 *   does nothing. Idempotent; never throws.
 */

/**
 * Parse `redis://host:port` (no credentials, no database number: the baseline only
 * needs a local scratch server).
 * @param {string} url
 * @returns {{ host: string, port: number }}
 * @throws {LauncherError} for anything else
 */
export function parseRedisUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new LauncherError(`--redis-url must look like redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' || u.username || u.password || (u.pathname && u.pathname !== '/')) {
    throw new LauncherError(`--redis-url must look like redis://host:port (no credentials or database), got '${url}'`);
  }
  const port = u.port ? Number(u.port) : 6379;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * Make sure Redis answers at `url`. When nothing listens there and the host is a
 * loopback address, start `redis-server --daemonize yes --bind <host> --port <port>
 * --save "" --appendonly no` (with a pid file in the temp dir) and wait for it. A
 * server we started is also stopped (SIGTERM, then SIGKILL) if this process exits
 * without calling stop().
 * @param {object} [options]
 * @param {string} [options.url] default {@link DEFAULT_REDIS_URL}
 * @param {(msg: string) => void} [options.log] progress lines
 * @param {number} [options.timeoutMs] start-up wait, default 10,000 ms
 * @returns {Promise<LocalRedis>}
 * @throws {LauncherError} when nothing answers and Redis cannot be started here
 *   (remote host, `redis-server` not installed, start-up failure or timeout)
 */
export async function ensureRedis({ url = DEFAULT_REDIS_URL, log = () => undefined, timeoutMs = 10_000 } = {}) {
  const { host, port } = parseRedisUrl(url);
  if (await canConnect(host, port)) {
    log(`using Redis at ${host}:${port}`);
    return { host, port, started: false, stop: async () => undefined };
  }
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (!loopback) {
    throw new LauncherError(`nothing answers at ${url}; start Redis there, or pass --redis-url redis://127.0.0.1:6379 to use a local one.`);
  }
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new LauncherError(
      `Redis is not running at ${host}:${port} and redis-server is not installed: ` +
        '`apt-get install redis-server` (or run with --skip-bullmq).',
    );
  }
  const pidFile = path.join(os.tmpdir(), `apiary-bench-redis-${port}.pid`);
  fs.rmSync(pidFile, { force: true });
  log(`Redis not running at ${host}:${port}: starting ${binary} (no persistence)`);
  const args = ['--daemonize', 'yes', '--bind', host, '--port', String(port), '--save', '', '--appendonly', 'no', '--pidfile', pidFile];
  const code = await new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    child.once('exit', (c, s) => resolve(c === 0 ? 0 : `${s ? `signal ${s}` : `exit code ${c}`}${err ? `: ${err.trim()}` : ''}`));
  });
  if (code !== 0) throw new LauncherError(`redis-server ${args.join(' ')} failed (${code})`);

  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port))) {
    if (Date.now() > deadline) {
      killFromPidFile(pidFile);
      throw new LauncherError(`redis-server did not accept connections on ${host}:${port} within ${timeoutMs / 1000} s`);
    }
    await sleep(50);
  }
  let pid = readPid(pidFile);
  for (let i = 0; !pid && i < 40; i++) {
    await sleep(50);
    pid = readPid(pidFile);
  }
  if (!pid) log(`warning: no pid in ${pidFile}; the Redis started here will not be stopped by the bench`);
  const onExit = () => {
    if (pid && isAlive(pid)) trySignal(pid, 'SIGTERM');
  };
  process.on('exit', onExit);
  let stopped = false;
  return {
    host,
    port,
    started: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      if (!pid) return;
      // SIGTERM: redis-server exits at once (nothing to save with --save "")
      trySignal(pid, 'SIGTERM');
      for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
      if (isAlive(pid)) trySignal(pid, 'SIGKILL');
      fs.rmSync(pidFile, { force: true });
      log(`stopped the Redis this bench started (pid ${pid})`);
    },
  };
}

/**
 * @param {string} name executable name
 * @returns {string | null} its path on PATH (or in /usr/sbin, /usr/local/bin, /usr/bin)
 */
function findOnPath(name) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * @param {string} file pid file
 * @returns {number | null}
 */
function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** @param {string} file pid file of a server that failed to come up */
function killFromPidFile(file) {
  const pid = readPid(file);
  if (pid) trySignal(pid, 'SIGKILL');
  fs.rmSync(file, { force: true });
}
