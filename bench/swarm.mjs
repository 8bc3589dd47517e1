// Swarm bench: one swarm of N bots, one no-op task per bot, against the same N no-op
// jobs through BullMQ on a local Redis.
//   swarm phase (the whole suite, driven over HTTP; the suite is stopped before the
//            baseline runs):
//            create_s   = wall time of POST /swarms { count: N, capabilities: ["noop"] }
//            dispatch_s = wall time of POST /swarms/{id}/tasks { type: "noop" }
//            complete_s = from that POST's answer until GET /swarms/{id}/batches/{batch}
//                         (polled every 100 ms) reports `done`
//            tasks_per_s = N / (dispatch_s + complete_s), i.e. N / (assign sent → done seen)
//            The swarm is deleted afterwards (DELETE /swarms/{id}), because the embedded
//            database in .apiary/pg outlives the run and its bots count against
//            APIARY_MAX_BOTS.
//   baseline: N no-op jobs through BullMQ (bench/lib/bullmq.mjs): addBulk × 1,000,
//            one Worker with concurrency 100; first add → N-th completed event.
//            ratio = tasks_per_s / bullmq_tasks_per_s.
// Usage: npm run bench -- swarm [--bots N] [--no-build] [--bullmq-only | --skip-bullmq]
//        [--runtimes N] [--dist DIR] [--timeout S] [--redis-url URL] [--url URL --api-key KEY]
import { Command } from 'commander';
import { ApiClient, ApiError } from '../scripts/lib/api.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { Interrupted, printError, headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, positiveInt, round, sleep } from '../scripts/lib/util.mjs';
import { ensureBullmq, runBullmqBaseline } from './lib/bullmq.mjs';
import { DEFAULT_REDIS_URL, ensureRedis } from './lib/redis.mjs';

/** Default swarm size (the deployment's default `APIARY_MAX_BOTS`). */
const DEFAULT_BOTS = 50_000;
/** Batch endpoint poll period, ms. */
const POLL_MS = 100;
/** Jobs per BullMQ addBulk. */
const BULLMQ_CHUNK = 1000;
/** BullMQ worker concurrency. */
const BULLMQ_CONCURRENCY = 100;

/**
 * The JSON line. Figures of a phase that did not run (`--bullmq-only`,
 * `--skip-bullmq`) are null.
 * @typedef {object} SwarmResult
 * @property {'swarm'} bench
 * @property {number} bots N
 * @property {number | null} create_s POST /swarms wall time, s
 * @property {number | null} dispatch_s POST /swarms/{id}/tasks wall time, s
 * @property {number | null} complete_s that POST's answer → batch `done` seen, s
 * @property {number | null} tasks_per_s N / (dispatch_s + complete_s)
 * @property {number | null} bullmq_tasks_per_s N / (first add → N-th completed)
 * @property {number | null} ratio tasks_per_s / bullmq_tasks_per_s
 */

/**
 * @param {string} msg
 */
function progress(msg) {
  if (!process.stderr.destroyed) process.stderr.write(`[bench swarm] ${msg}\n`);
}

/**
 * Run the swarm bench: the swarm phase on a freshly started suite (or on a running
 * gateway with `--url`), then the BullMQ baseline, unless one of them is skipped.
 * BullMQ is installed into bench/node_modules and Redis checked (or started) before
 * the suite starts, so a missing prerequisite fails fast.
 * @param {string[]} argv arguments after the bench name, e.g. `['--bots', '5000']`
 * @returns {Promise<{ code: number, result?: SwarmResult }>} exit code (0 ok, 1
 *   failure, 130 interrupted) and, on success, the object for the JSON line
 * @throws {import('commander').CommanderError} never: bad arguments exit the process
 *   with commander's usage message (code 1)
 */
export async function run(argv) {
  const cmd = new Command('bench swarm')
    .description('one swarm of N bots, one noop task per bot, against the same N noop jobs on BullMQ')
    .option('--bots <n>', 'bots in the swarm = tasks = BullMQ jobs', positiveInt('--bots'), DEFAULT_BOTS)
    .option('--no-build', 'skip the Nx build and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding <app>/main.js', DEFAULT_DIST)
    .option('--runtimes <n>', 'bot-runtime replicas', positiveInt('--runtimes'), 2)
    .option('--timeout <s>', 'limit of the swarm phase after the assign, in seconds (default: max(300, N/50))', positiveInt('--timeout'))
    .option('--bullmq-only', 'run only the BullMQ baseline (no suite)')
    .option('--skip-bullmq', 'run only the swarm phase')
    .option('--redis-url <url>', 'Redis of the baseline; started here if loopback and not running', process.env.REDIS_URL || DEFAULT_REDIS_URL)
    .option('--url <url>', 'drive a running gateway instead of starting the suite')
    .option('--api-key <key>', 'API key for --url (default: the first of APIARY_API_KEYS)')
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const n = /** @type {number} */ (opts.bots);
  if (opts.bullmqOnly && opts.skipBullmq) cmd.error('error: --bullmq-only and --skip-bullmq exclude each other');
  const external = opts.url ? { baseUrl: String(opts.url).replace(/\/+$/, ''), apiKey: opts.apiKey ?? firstKey() } : null;
  if (external && !external.apiKey) cmd.error('error: --url needs --api-key or APIARY_API_KEYS');
  const completeTimeoutMs = (opts.timeout ?? Math.max(300, Math.ceil(n / 50))) * 1000;

  /** @type {SwarmResult} */
  const result = {
    bench: 'swarm',
    bots: n,
    create_s: null,
    dispatch_s: null,
    complete_s: null,
    tasks_per_s: null,
    bullmq_tasks_per_s: null,
    ratio: null,
  };

  /** @type {import('./lib/redis.mjs').LocalRedis | null} */
  let redis = null;
  /** @type {number | null} unrounded tasks/s of the swarm phase */
  let apiaryRate = null;
  try {
    /** @type {typeof import('bullmq') | null} */
    let bullmq = null;
    if (!opts.skipBullmq) {
      const prep = await withInterrupts(async (signal) => {
        const mod = await ensureBullmq({ log: progress, signal });
        progress(`bullmq ${mod.version}`);
        return { mod, redis: await ensureRedis({ url: opts.redisUrl, log: progress }) };
      });
      if (prep.code !== 0 || !prep.value) return { code: prep.code };
      bullmq = prep.value.mod.bullmq;
      redis = prep.value.redis;
    }

    if (!opts.bullmqOnly) {
      /** @param {string} baseUrl @param {string} apiKey @param {AbortSignal} signal */
      const phase = (baseUrl, apiKey, signal) =>
        swarmPhase(new ApiClient({ baseUrl, apiKey, signal }), n, completeTimeoutMs, signal);
      const { code, value } = external
        ? await withInterrupts((signal) => phase(external.baseUrl, external.apiKey, signal))
        : await runSuite(
            headlessSuiteOptions(opts),
            (suite, signal) => phase(suite.baseUrl, suite.apiKey, signal),
          );
      if (code !== 0 || !value) return { code: code || 1 };
      apiaryRate = n / (value.dispatch_s + value.complete_s);
      Object.assign(result, {
        create_s: round(value.create_s, 3),
        dispatch_s: round(value.dispatch_s, 3),
        complete_s: round(value.complete_s, 3),
        tasks_per_s: round(apiaryRate, 1),
      });
    }

    if (bullmq && redis) {
      const conn = { host: redis.host, port: redis.port };
      progress(`BullMQ baseline: ${n} no-op jobs on Redis ${conn.host}:${conn.port}`);
      const base = await withInterrupts((signal) =>
        runBullmqBaseline({
          bullmq: /** @type {typeof import('bullmq')} */ (bullmq),
          connection: conn,
          jobs: n,
          chunk: BULLMQ_CHUNK,
          concurrency: BULLMQ_CONCURRENCY,
          signal,
          log: (m) => progress(`BullMQ: ${m}`),
        }),
      );
      if (base.code !== 0 || !base.value) return { code: base.code || 1 };
      result.bullmq_tasks_per_s = round(base.value.jobs_per_s, 1);
      if (apiaryRate !== null) result.ratio = round(apiaryRate / base.value.jobs_per_s, 3);
    }
  } finally {
    await redis?.stop();
  }
  progress(
    [
      result.tasks_per_s !== null && `Apiary ${result.tasks_per_s} tasks/s`,
      result.bullmq_tasks_per_s !== null && `BullMQ ${result.bullmq_tasks_per_s} jobs/s`,
      result.ratio !== null && `ratio ${result.ratio}`,
    ]
      .filter(Boolean)
      .join(', '),
  );
  return { code: 0, result };
}

/**
 * @typedef {object} SwarmTimes seconds
 * @property {number} create_s
 * @property {number} dispatch_s
 * @property {number} complete_s
 */

/**
 * The swarm phase against a running gateway: create the swarm, assign one noop task
 * per bot, poll the batch until done, then delete the swarm (also after a failure,
 * unless interrupted).
 * @param {ApiClient} client
 * @param {number} n bots
 * @param {number} completeTimeoutMs limit from the assign's answer to `done`
 * @param {AbortSignal} signal
 * @returns {Promise<SwarmTimes>}
 * @throws {LauncherError | ApiError} when a request is refused, an answer lacks what the
 *   spec promises, a task does not succeed, or the batch is not done in time
 */
async function swarmPhase(client, n, completeTimeoutMs, signal) {
  const name = `bench-swarm-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  progress(`POST /swarms: ${n} standard bots with capabilities [noop]`);
  const t0 = performance.now();
  let created;
  try {
    created = await client.request('POST', '/swarms', { name, count: n, tier: 'standard', capabilities: ['noop'] }, 900_000);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      throw new LauncherError(
        `POST /swarms refused ${n} bots (${errorCode(err) ?? 'HTTP 409'}): more than APIARY_MAX_BOTS (default 50,000) ` +
          'would be active. Bots of earlier runs stay in the database (embedded default: .apiary/pg) unless their swarm ' +
          'was deleted: delete or retire them, remove .apiary/pg while nothing runs, or raise APIARY_MAX_BOTS.',
        err.body.slice(0, 500),
      );
    }
    throw err;
  }
  const createS = (performance.now() - t0) / 1000;
  const swarmId = created?.id;
  if (typeof swarmId !== 'string') throw new LauncherError(`POST /swarms answered without an id: ${JSON.stringify(created).slice(0, 300)}`);
  progress(`swarm ${swarmId} created in ${createS.toFixed(2)} s`);

  try {
    if (created.bot_count !== n) throw new LauncherError(`POST /swarms asked for ${n} bots, the swarm has bot_count ${created.bot_count}`);
    const sp = `/swarms/${encodeURIComponent(swarmId)}`;

    progress(`POST ${sp}/tasks: one noop task per bot`);
    const t1 = performance.now();
    const assigned = await client.request('POST', `${sp}/tasks`, { type: 'noop', data: {} }, 900_000);
    const t2 = performance.now();
    const dispatchS = (t2 - t1) / 1000;
    const batchId = assigned?.batch_id;
    if (typeof batchId !== 'string') {
      throw new LauncherError(`POST ${sp}/tasks answered without a batch_id: ${JSON.stringify(assigned).slice(0, 300)}`);
    }
    const count = typeof assigned.assignments === 'number' ? assigned.assignments : Array.isArray(assigned.assignments) ? assigned.assignments.length : n;
    if (count !== n) throw new LauncherError(`POST ${sp}/tasks assigned ${count} tasks to a swarm of ${n} bots`);
    progress(`assigned in ${dispatchS.toFixed(2)} s (batch ${batchId}); polling it every ${POLL_MS} ms`);

    const done = await waitBatch(client, `${sp}/batches/${encodeURIComponent(batchId)}`, n, t2 + completeTimeoutMs, signal);
    const completeS = (done.at - t2) / 1000;
    const view = done.view;
    if (view.total !== n || view.succeeded !== n || view.failed) {
      throw new LauncherError(
        `batch ${batchId} is done with total ${view.total}, succeeded ${view.succeeded}, failed ${view.failed} (expected ${n} succeeded)`,
      );
    }
    progress(
      `${n} tasks done ${completeS.toFixed(2)} s after the assign answered; ` +
        `${(n / (dispatchS + completeS)).toFixed(0)} tasks/s from the assign sent`,
    );
    if (client.throttled) progress(`note: the gateway rate-limited ${client.throttled} requests (429); they were retried`);
    return { create_s: createS, dispatch_s: dispatchS, complete_s: completeS };
  } finally {
    if (!signal.aborted) await deleteSwarm(client, swarmId);
  }
}

/**
 * Poll a batch every {@link POLL_MS} ms until it reports `done`.
 * @param {ApiClient} client
 * @param {string} url path of the batch
 * @param {number} n expected total
 * @param {number} deadline `performance.now()` value after which it gives up
 * @param {AbortSignal} signal
 * @returns {Promise<{ view: any, at: number }>} the done view and when it was seen
 *   (`performance.now()`)
 * @throws {LauncherError} past the deadline (with the last counts)
 */
async function waitBatch(client, url, n, deadline, signal) {
  const start = performance.now();
  let lastReport = start;
  /** @type {any} */
  let view = null;
  for (;;) {
    const tPoll = performance.now();
    view = await client.request('GET', url, undefined, 15_000);
    const now = performance.now();
    if (view?.status === 'done') return { view, at: now };
    if (now - lastReport >= 2000) {
      lastReport = now;
      progress(`${counts(view, n)} (${((now - start) / 1000).toFixed(0)} s)`);
    }
    if (now > deadline) {
      throw new LauncherError(
        `the batch was not done ${((now - start) / 1000).toFixed(0)} s after the assign (--timeout): ${counts(view, n)}`,
      );
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - tPoll)), signal);
  }
}

/**
 * @param {any} v batch view
 * @param {number} n
 * @returns {string} e.g. `1200/50000 succeeded, 0 failed, 100 running, 48700 queued`
 */
function counts(v, n) {
  return `${v?.succeeded ?? '?'}/${v?.total ?? n} succeeded, ${v?.failed ?? '?'} failed, ${v?.running ?? '?'} running, ${v?.queued ?? '?'} queued`;
}

/**
 * Delete the bench's swarm (retires its bots) so the next run has the capacity again.
 * Never throws: a failure is reported on stderr.
 * @param {ApiClient} client
 * @param {string} swarmId
 * @returns {Promise<void>}
 */
async function deleteSwarm(client, swarmId) {
  const t0 = performance.now();
  try {
    // ApiClient.request's JSDoc lists GET and POST only; any method works
    await client.request(/** @type {any} */ ('DELETE'), `/swarms/${encodeURIComponent(swarmId)}`, undefined, 300_000);
    progress(`swarm deleted in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  } catch (err) {
    const what = err instanceof ApiError ? `HTTP ${err.status} ${errorCode(err) ?? ''}`.trim() : /** @type {Error} */ (err).message;
    progress(
      `warning: DELETE /swarms/${swarmId} failed (${what}): its bots stay in the database and count ` +
        'against APIARY_MAX_BOTS in the next run (embedded default: .apiary/pg)',
    );
  }
}

/**
 * @param {ApiError} err
 * @returns {string | undefined} `error.code` of the gateway's error body
 */
function errorCode(err) {
  try {
    return JSON.parse(err.body)?.error?.code;
  } catch {
    return undefined;
  }
}

/** @returns {string | undefined} first key of APIARY_API_KEYS */
function firstKey() {
  return (process.env.APIARY_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .find(Boolean);
}

/**
 * Run `body` with SIGINT/SIGTERM/SIGHUP turned into an abort of its signal (for the
 * parts that run without the suite's own handling).
 * @template T
 * @param {(signal: AbortSignal) => Promise<T>} body
 * @returns {Promise<{ code: number, value?: T }>} 0 with the value, 130 when
 *   interrupted, 1 on a failure (printed)
 */
async function withInterrupts(body) {
  const ac = new AbortController();
  /** @param {NodeJS.Signals} sig */
  const onSignal = (sig) => {
    if (ac.signal.aborted) return;
    progress(`${sig} received: stopping`);
    ac.abort(new Interrupted(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    return { code: 0, value: await body(ac.signal) };
  } catch (err) {
    if (ac.signal.aborted && ac.signal.reason instanceof Interrupted) return { code: 130 };
    printError(err);
    return { code: 1 };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
