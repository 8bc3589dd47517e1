// BullMQ baseline of the swarm bench: the same N no-op jobs through a BullMQ queue on
// a local Redis. BullMQ is a dependency of the benches only (bench/package.json),
// installed on first use into bench/node_modules.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LauncherError } from '../../scripts/lib/util.mjs';

/** The bench folder: holds package.json with the pinned BullMQ, and its node_modules. */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Key prefix of the baseline's queues (BullMQ's default). */
const PREFIX = 'bull';

/**
 * Make BullMQ importable: when `bench/node_modules/bullmq` is missing, or is not the
 * exact version pinned in `bench/package.json`, run
 * `npm install --prefix bench --no-audit --no-fund --no-package-lock` (npm registry
 * only; npm's output goes to stderr). Then import it.
 * @param {object} [options]
 * @param {(msg: string) => void} [options.log] progress lines
 * @param {AbortSignal} [options.signal] aborts (kills) the install
 * @returns {Promise<{ bullmq: typeof import('bullmq'), version: string }>} the module
 *   and the installed version
 * @throws {LauncherError} when npm fails or BullMQ is still missing after it
 * @throws {unknown} the signal's abort reason when aborted
 */
export async function ensureBullmq({ log = () => undefined, signal } = {}) {
  const wanted = readJson(path.join(BENCH_DIR, 'package.json'))?.dependencies?.bullmq;
  if (typeof wanted !== 'string') throw new LauncherError(`${path.join(BENCH_DIR, 'package.json')} does not list bullmq`);
  const installedFile = path.join(BENCH_DIR, 'node_modules', 'bullmq', 'package.json');
  let installed = readJson(installedFile)?.version;
  const exact = /^\d+\.\d+\.\d+$/.test(wanted);
  if (!installed || (exact && installed !== wanted)) {
    log(
      installed
        ? `bench/node_modules has bullmq ${installed}, bench/package.json pins ${wanted}: reinstalling`
        : `installing the bench's dependencies (bullmq ${wanted}) into bench/node_modules`,
    );
    await npmInstall(signal);
    installed = readJson(installedFile)?.version;
    if (!installed) throw new LauncherError(`npm install --prefix bench finished but ${installedFile} is missing`);
  }
  // resolved from this file: bench/lib → bench/node_modules
  const bullmq = await import('bullmq');
  return { bullmq, version: installed };
}

/**
 * @typedef {object} BaselineResult
 * @property {number} jobs N
 * @property {number} seconds first `addBulk` sent → N-th `completed` event
 * @property {number} add_seconds first `addBulk` sent → last `addBulk` answered
 * @property {number} jobs_per_s N / seconds
 * @property {string} queue queue name used (obliterated afterwards)
 */

/**
 * Run N no-op jobs through BullMQ: a fresh queue, one Worker (`concurrency`) whose
 * processor returns at once, jobs added with `addBulk` in chunks (sequentially, while
 * the worker already runs), default job options (completed jobs are kept, as Apiary
 * keeps every result), timed from the first add to the N-th `completed` event of the
 * worker. Afterwards, whatever happened: the worker is closed, the queue obliterated,
 * any key left under `bull:<queue>:` deleted, and the connections closed.
 * @param {object} options
 * @param {typeof import('bullmq')} options.bullmq the module from {@link ensureBullmq}
 * @param {{ host: string, port: number }} options.connection Redis address
 * @param {number} options.jobs N >= 1
 * @param {number} [options.chunk] jobs per addBulk, default 1,000
 * @param {number} [options.concurrency] worker concurrency, default 100
 * @param {number} [options.timeoutMs] limit from the first add, default max(120 s, N × 2 ms)
 * @param {AbortSignal} [options.signal] stops the run (cleanup still happens)
 * @param {(msg: string) => void} [options.log] progress lines (about every 2 s)
 * @returns {Promise<BaselineResult>}
 * @throws {LauncherError} when a job fails, the worker reports an error, or the run
 *   times out
 * @throws {unknown} the signal's abort reason when aborted
 */
export async function runBullmqBaseline({
  bullmq,
  connection,
  jobs: n,
  chunk = 1000,
  concurrency = 100,
  timeoutMs = Math.max(120_000, n * 2),
  signal,
  log = () => undefined,
}) {
  const { Queue, Worker } = bullmq;
  const name = `apiary-bench-swarm-${process.pid}-${Date.now().toString(36)}`;
  const conn = { host: connection.host, port: connection.port };
  const queue = new Queue(name, { connection: conn, prefix: PREFIX });
  /** @type {import('bullmq').Worker | null} */
  let worker = null;
  /** @type {NodeJS.Timeout | undefined} */
  let ticker;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  let completed = 0;
  let failed = 0;
  /** @type {Error | null} */
  let problem = null;
  let tEnd = 0;
  /** @type {() => void} */
  let wake = () => undefined;
  const finished = new Promise((resolve) => (wake = () => resolve(undefined)));
  // a queue connection error is also an 'error' event: without a listener it would throw
  queue.on('error', (err) => {
    problem ??= new LauncherError(`BullMQ queue error: ${err.message}`);
    wake();
  });
  try {
    worker = new Worker(name, async () => null, { connection: conn, prefix: PREFIX, concurrency });
    worker.on('completed', () => {
      if (++completed === n) {
        tEnd = performance.now();
        wake();
      }
    });
    worker.on('failed', (job, err) => {
      failed++;
      problem ??= new LauncherError(`BullMQ job ${job?.id} failed: ${err.message}`);
      wake();
    });
    worker.on('error', (err) => {
      problem ??= new LauncherError(`BullMQ worker error: ${err.message}`);
      wake();
    });
    await raceAbort(Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]), signal);
    log(`queue ${name}: ${n} no-op jobs, addBulk × ${chunk}, 1 worker with concurrency ${concurrency}`);

    const t0 = performance.now();
    ticker = setInterval(() => log(`${completed}/${n} completed (${((performance.now() - t0) / 1000).toFixed(0)} s)`), 2000);
    ticker.unref();
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new LauncherError(`BullMQ baseline: only ${completed} of ${n} jobs completed within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      timer.unref();
    });
    timedOut.catch(() => undefined);

    for (let first = 0; first < n && !problem; first += chunk) {
      const size = Math.min(chunk, n - first);
      const batch = Array.from({ length: size }, () => ({ name: 'noop', data: {} }));
      await raceAbort(Promise.race([queue.addBulk(batch), timedOut]), signal);
    }
    const addSeconds = (performance.now() - t0) / 1000;
    log(`all ${n} jobs added in ${addSeconds.toFixed(2)} s; ${completed} completed so far`);
    await raceAbort(Promise.race([finished, timedOut]), signal);
    if (problem) throw problem;
    if (failed) throw new LauncherError(`BullMQ baseline: ${failed} of ${n} jobs failed`);
    const seconds = (tEnd - t0) / 1000;
    log(`${n} jobs in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(0)} jobs/s`);
    return { jobs: n, seconds, add_seconds: addSeconds, jobs_per_s: n / seconds, queue: name };
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
    await cleanup(queue, worker, name, log);
  }
}

/**
 * Close the worker, obliterate the queue, delete leftover keys, close the queue.
 * Never throws (problems are logged).
 * @param {import('bullmq').Queue} queue
 * @param {import('bullmq').Worker | null} worker
 * @param {string} name queue name
 * @param {(msg: string) => void} log
 * @returns {Promise<void>}
 */
async function cleanup(queue, worker, name, log) {
  /** @param {string} what @param {() => Promise<unknown>} fn */
  const step = async (what, fn) => {
    try {
      await withTimeout(fn(), 60_000, what);
    } catch (err) {
      log(`cleanup: ${what} failed: ${/** @type {Error} */ (err).message}`);
    }
  };
  if (worker) await step('closing the worker', () => /** @type {import('bullmq').Worker} */ (worker).close());
  await step('obliterating the queue', () => queue.obliterate({ force: true }));
  await step('deleting leftover keys', async () => {
    const client = /** @type {any} */ (await queue.client); // ioredis under BullMQ's IRedisClient type
    const pattern = `${PREFIX}:${name}:*`;
    let cursor = '0';
    let left = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        left += keys.length;
        await client.del(...keys);
      }
    } while (cursor !== '0');
    if (left) log(`cleanup: deleted ${left} keys obliterate left under ${PREFIX}:${name}:`);
  });
  await step('closing the queue', () => queue.close());
  if (worker) await step('disconnecting the worker', () => /** @type {import('bullmq').Worker} */ (worker).disconnect());
}

/**
 * Run `npm install --prefix bench --no-audit --no-fund --no-package-lock`.
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 * @throws {LauncherError} on a non-zero exit
 */
async function npmInstall(signal) {
  const args = ['install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund', '--no-package-lock'];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await new Promise((resolve) => {
    // npm's stdout goes to our stderr: stdout is kept for the JSON line
    const child = spawn(npm, args, { cwd: BENCH_DIR, stdio: ['ignore', 2, 2] });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => resolve(`could not run npm: ${e.message}`));
    child.once('exit', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(code === 0 ? 0 : sig ? `signal ${sig}` : `exit code ${code}`);
    });
  });
  signal?.throwIfAborted();
  if (result !== 0) {
    throw new LauncherError(`npm ${args.join(' ')} failed (${result}); see npm's output above, or run with --skip-bullmq.`);
  }
}

/**
 * @param {string} file
 * @returns {any} parsed JSON, or undefined when missing or unreadable
 */
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Settle with `promise`, or reject with the signal's reason when it aborts first.
 * @template T
 * @param {Promise<T>} promise
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
function raceAbort(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what for the message
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
