// Workflow bench (issue 6): W concurrent workflows of S `noop` steps each, a chain
// (step i depends on step i−1, so every step waits for the one before: the engine's
// latency from a completion to the next step's task is paid S − 1 times per run).
//   submit: W × POST /workflows, C requests in flight (all start at once, competing for
//           the dispatcher, runtimes and the workflow engine);
//   wait:   GET /workflows?name=<this run's name>&limit=1000 every 250 ms until none is
//           `running` (one indexed read per poll, not one per workflow);
//   figures (server clocks, same machine):
//     workflows_per_s = W / (last finished_at − first submit)
//     p50_ms / p99_ms = run time of a workflow, created_at → finished_at
// Usage: npm run bench -- workflow [--workflows W] [--steps S] [--concurrency C]
//        [--runtimes N] [--no-build] [--dist DIR]
import { Command } from 'commander';
import { ApiClient, mapLimit } from '../scripts/lib/api.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, percentile, positiveInt, round, sleep } from '../scripts/lib/util.mjs';

/**
 * The JSON line.
 * @typedef {object} WorkflowResult
 * @property {'workflow'} bench
 * @property {number} workflows W
 * @property {number} steps S per workflow
 * @property {number} tasks W × S
 * @property {number} seconds first submit → last workflow finished
 * @property {number} submit_s time to submit all W
 * @property {number} workflows_per_s W / seconds
 * @property {number} tasks_per_s W × S / seconds
 * @property {number} p50_ms median run time of a workflow
 * @property {number} p99_ms 99th percentile run time of a workflow
 */

/** @param {string} msg */
function progress(msg) {
  if (!process.stderr.destroyed) process.stderr.write(`[bench workflow] ${msg}\n`);
}

/**
 * Run the workflow bench.
 * @param {string[]} argv arguments after the bench name
 * @returns {Promise<{ code: number, result?: WorkflowResult }>} exit code (0 ok, 1 failure,
 *   130 interrupted) and, on success, the object for the JSON line
 */
export async function run(argv) {
  const cmd = new Command('bench workflow')
    .description('concurrent workflows of no-op steps: workflows/s and p99 run time')
    .option('--workflows <n>', 'workflows started at once (1..1,000: one page of GET /workflows)', positiveInt('--workflows'), 1000)
    .option('--steps <n>', 'noop steps per workflow, chained', positiveInt('--steps'), 5)
    .option('--concurrency <n>', 'POST /workflows in flight while submitting', positiveInt('--concurrency'), 64)
    .option('--runtimes <n>', 'bot-runtime replicas', positiveInt('--runtimes'), 2)
    .option('--timeout <s>', 'limit of the whole run, seconds', positiveInt('--timeout'), 300)
    .option('--no-build', 'skip the Nx build and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding <app>/main.js', DEFAULT_DIST)
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const w = /** @type {number} */ (opts.workflows);
  const s = /** @type {number} */ (opts.steps);
  if (w > 1000) throw new LauncherError('--workflows: at most 1,000 (the bench reads them as one page)');

  const { code, value } = await runSuite(headlessSuiteOptions(opts), async (suite, signal) => {
    const client = new ApiClient({ baseUrl: suite.baseUrl, apiKey: suite.apiKey, signal });
    const name = `bench-${Date.now().toString(36)}`;
    const steps = Array.from({ length: s }, (_, i) => ({ id: `s${i + 1}`, type: 'noop', ...(i > 0 ? { depends_on: [`s${i}`] } : {}) }));
    const body = JSON.stringify({ name, steps });
    progress(`submitting ${w} workflows of ${s} chained noop steps (${opts.concurrency} requests in flight)`);
    const t0 = Date.now();
    await mapLimit(Array.from({ length: w }), opts.concurrency, async () => {
      const reply = await client.request('POST', '/workflows', body);
      if (!reply?.workflow_id) throw new LauncherError(`POST /workflows answered without workflow_id: ${JSON.stringify(reply).slice(0, 300)}`);
    });
    const submitS = (Date.now() - t0) / 1000;
    progress(`submitted in ${submitS.toFixed(2)} s; waiting for them to finish`);
    const deadline = t0 + opts.timeout * 1000;
    /** @type {any[]} */
    let runs = [];
    for (;;) {
      const page = await client.request('GET', `/workflows?name=${encodeURIComponent(name)}&limit=1000`);
      runs = page.workflows;
      const running = runs.filter((r) => r.status === 'running').length;
      if (runs.length === w && running === 0) break;
      if (Date.now() > deadline) throw new LauncherError(`${running} of ${w} workflows still running after ${opts.timeout} s`);
      progress(`${w - running}/${w} finished (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      await sleep(250, signal);
    }
    const bad = runs.filter((r) => r.status !== 'succeeded');
    if (bad.length) throw new LauncherError(`${bad.length} of ${w} workflows did not succeed, e.g. ${JSON.stringify(bad[0])}`);
    const last = Math.max(...runs.map((r) => Date.parse(r.finished_at)));
    const seconds = (last - t0) / 1000;
    const times = runs.map((r) => r.execution_time * 1000).sort((a, b) => a - b);
    const result = /** @type {WorkflowResult} */ ({
      bench: 'workflow',
      workflows: w,
      steps: s,
      tasks: w * s,
      seconds: round(seconds, 3),
      submit_s: round(submitS, 3),
      workflows_per_s: round(w / seconds, 1),
      tasks_per_s: round((w * s) / seconds, 1),
      p50_ms: round(percentile(times, 50), 1),
      p99_ms: round(percentile(times, 99), 1),
    });
    if (client.throttled) progress(`note: the gateway rate-limited ${client.throttled} requests (429); they were retried`);
    progress(`${w} workflows in ${seconds.toFixed(2)} s = ${result.workflows_per_s} workflows/s; run time p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
    return result;
  });
  return { code, result: value };
}
