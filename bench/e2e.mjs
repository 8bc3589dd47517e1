// End-to-end bench: the whole suite on this machine, driven over HTTP.
//   phase 1 (throughput): N `noop` tasks via POST /tasks/batch (1,000 per batch,
//            4 batches in flight), then GET /tasks/{id} until all are finished
//            (while they run only a sample of 8 is polled, every 250 ms, so the
//            poller does not slow the suite down); seconds = first submit → last
//            finished_at (server clock, same machine).
//   phase 2 (latency, light load): 200 single `noop` tasks, one at a time: POST /tasks,
//            then GET /tasks/{id} every 5 ms until finished; latency = POST sent →
//            finished status seen (client clock).
// Usage: npm run bench -- e2e [--tasks N] [--no-build] [--runtimes N] [--dist DIR]
import { Command } from 'commander';
import { ApiClient, FINISHED_STATUSES, mapLimit, waitForTasks } from '../scripts/lib/api.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, percentile, positiveInt, round, sleep } from '../scripts/lib/util.mjs';

/** Tasks per POST /tasks/batch in phase 1. */
const BATCH = 1000;
/** Batches in flight in phase 1. */
const IN_FLIGHT = 4;
/** Single tasks timed in phase 2. */
const LATENCY_SAMPLES = 200;

/**
 * @typedef {object} E2eResult
 * @property {'e2e'} bench
 * @property {number} tasks N
 * @property {number} seconds phase 1: first submit → last task finished
 * @property {number} tasks_per_s N / seconds
 * @property {number} p50_ms phase 2 median latency, ms
 * @property {number} p99_ms phase 2 99th percentile latency, ms
 */

/**
 * @param {string} msg
 */
function progress(msg) {
  process.stderr.write(`[bench e2e] ${msg}\n`);
}

/**
 * Run the e2e bench: start the suite, run both phases, stop the suite.
 * @param {string[]} argv arguments after the bench name, e.g. `['--tasks', '5000']`
 * @returns {Promise<{ code: number, result?: E2eResult }>} exit code (0 ok, 1 failure,
 *   130 interrupted) and, on success, the result object for the JSON line
 * @throws {import('commander').CommanderError} never: bad arguments exit the process
 *   with commander's usage message (code 1)
 */
export async function run(argv) {
  const cmd = new Command('bench e2e')
    .description('end-to-end throughput and latency of the whole suite')
    .option('--tasks <n>', 'noop tasks in phase 1', positiveInt('--tasks'), 20_000)
    .option('--no-build', 'skip the Nx build and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding <app>/main.js', DEFAULT_DIST)
    .option('--runtimes <n>', 'bot-runtime replicas', positiveInt('--runtimes'), 2)
    .option('--timeout <s>', 'phase 1 limit in seconds (default: max(150, N/50))', positiveInt('--timeout'))
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const n = opts.tasks;
  const timeoutMs = (opts.timeout ?? Math.max(150, Math.ceil(n / 50))) * 1000;

  const { code, value } = await runSuite(
    headlessSuiteOptions(opts),
    async (suite, signal) => {
      const client = new ApiClient({ baseUrl: suite.baseUrl, apiKey: suite.apiKey, signal });
      const throughput = await phase1(client, n, timeoutMs, signal);
      await sleep(500, signal);
      const latency = await phase2(client, signal);
      if (client.throttled) progress(`note: the gateway rate-limited ${client.throttled} requests (429); they were retried`);
      return /** @type {E2eResult} */ ({
        bench: 'e2e',
        tasks: n,
        seconds: round(throughput.seconds, 3),
        tasks_per_s: round(n / throughput.seconds, 1),
        p50_ms: round(latency.p50, 2),
        p99_ms: round(latency.p99, 2),
      });
    },
  );
  return { code, result: value };
}

/**
 * Phase 1: submit `n` noop tasks in batches and wait until all are finished.
 * @param {ApiClient} client
 * @param {number} n
 * @param {number} timeoutMs from the first submit
 * @param {AbortSignal} signal
 * @returns {Promise<{ seconds: number }>}
 * @throws {LauncherError} when a task does not succeed or the phase times out
 */
async function phase1(client, n, timeoutMs, signal) {
  const body = (count) => JSON.stringify({ tasks: Array.from({ length: count }, () => ({ type: 'noop', data: {} })) });
  const sizes = [];
  for (let left = n; left > 0; left -= BATCH) sizes.push(Math.min(BATCH, left));
  progress(`phase 1: ${n} noop tasks in ${sizes.length} batches of ≤ ${BATCH}, ${IN_FLIGHT} in flight`);
  const bodies = new Map(sizes.map((s) => [s, body(s)]));
  const t0 = Date.now();
  const idLists = await mapLimit(sizes, IN_FLIGHT, async (s) => {
    const reply = await client.submitBatch(/** @type {string} */ (bodies.get(s)));
    if (reply.task_ids.length !== s) {
      throw new LauncherError(`POST /tasks/batch returned ${reply.task_ids.length} ids for ${s} tasks`);
    }
    return reply.task_ids;
  });
  const ids = idLists.flat();
  progress(`phase 1: submitted in ${((Date.now() - t0) / 1000).toFixed(2)} s; waiting for results`);
  const done = await waitForTasks(client, ids, {
    deadline: t0 + timeoutMs,
    concurrency: 32,
    sampleFirst: true,
    signal,
    onProgress: (d, total, sampling) =>
      progress(
        sampling
          ? `phase 1: running (${((Date.now() - t0) / 1000).toFixed(0)} s; polling a sample until it is done)`
          : `phase 1: ${d}/${total} finished (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      ),
  });
  const observed = Date.now();
  let last = 0;
  let bad = 0;
  let example = '';
  for (const v of done.values()) {
    if (v.status !== 'succeeded') {
      bad++;
      example ||= `${v.task_id}: ${v.status} ${JSON.stringify(v.error)}`;
    }
    const f = Date.parse(v.finished_at);
    if (Number.isFinite(f)) last = Math.max(last, f);
  }
  if (bad) throw new LauncherError(`phase 1: ${bad} of ${n} noop tasks did not succeed, e.g. ${example}`);
  const end = last >= t0 ? last : observed;
  const seconds = (end - t0) / 1000;
  progress(
    `phase 1: ${n} tasks in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(0)} tasks/s ` +
      `(all results seen after ${((observed - t0) / 1000).toFixed(2)} s)`,
  );
  return { seconds };
}

/**
 * Phase 2: one task at a time, polled every 5 ms.
 * @param {ApiClient} client
 * @param {AbortSignal} signal
 * @returns {Promise<{ p50: number, p99: number }>} milliseconds
 * @throws {LauncherError} when a task fails or takes over 30 s
 */
async function phase2(client, signal) {
  progress(`phase 2: ${LATENCY_SAMPLES} single noop tasks, one at a time, polled every 5 ms`);
  const latencies = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = performance.now();
    const id = await client.submitTask({ type: 'noop', data: {} });
    for (;;) {
      const tPoll = performance.now();
      const v = await client.getTask(id);
      if (v && FINISHED_STATUSES.has(v.status)) {
        if (v.status !== 'succeeded') {
          throw new LauncherError(`phase 2: task ${id} ended ${v.status}: ${JSON.stringify(v.error)}`);
        }
        latencies.push(performance.now() - t0);
        break;
      }
      if (performance.now() - t0 > 30_000) throw new LauncherError(`phase 2: task ${id} not finished after 30 s`);
      await sleep(Math.max(0, 5 - (performance.now() - tPoll)), signal);
    }
    if ((i + 1) % 50 === 0) progress(`phase 2: ${i + 1}/${LATENCY_SAMPLES}`);
  }
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  progress(`phase 2: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  return { p50, p99 };
}
