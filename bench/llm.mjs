// LLM bench (docs/ai-work.md): AI work on OpenAI-compatible providers. Providers
// cannot run here, so each is the stand-in of libs/testing (a real HTTP server on
// loopback speaking the Chat Completions wire format, with provider-style limits of
// its own); bot-runtime calls it with the real `openai` client.
//   part 1 (limits): one provider limited to --rpm (default 1,200) requests per
//            minute, quantised per second like a provider, with --latency ms (50)
//            per call; the service is registered with the same RPM; --tasks
//            (1,200) `llm.chat` tasks are submitted at once to 2 runtime replicas.
//            achieved_rpm = calls the provider admitted per minute between its first
//            and last admission; utilisation = achieved / limit; provider_429s =
//            calls it refused; p50/p99_ms = a task's run, started_at → finished_at
//            (including its wait for a turn); queue_p50_s = created → finished.
//   part 2 (learned vs round_robin): three providers of the same model class,
//            priced 1×, 3× and 10×, failing 20 %, 2 % and 0 % of calls, answering in
//            80, 40 and 20 ms. --learn-tasks (2,000) tasks under `learned` (cost
//            weight 1), then the same under `round_robin`, each in waves of 50;
//            cost_per_success_usd = USD of the succeeded tasks / successes.
// Usage: npm run bench -- llm [--tasks N] [--rpm R] [--latency MS] [--learn-tasks N]
//        [--runtimes N] [--no-build] [--dist DIR]
import { Command } from 'commander';
import { ApiClient, waitForTasks } from '../scripts/lib/api.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, percentile, positiveInt, round } from '../scripts/lib/util.mjs';
import { freshDatabase } from './lib/fresh-database.mjs';
import { seededRandom, startOpenAiStandIn } from './lib/openai-stand-in.mjs';

/** Tasks per wave in part 2 (each wave waits for the one before, so learning can act). */
const WAVE = 50;
/** Environment variable holding the stand-ins' API key on bot-runtime. */
const KEY_ENV = 'APIARY_BENCH_LLM_KEY';

/** @param {string} msg */
function progress(msg) {
  if (!process.stderr.destroyed) process.stderr.write(`[bench llm] ${msg}\n`);
}

/**
 * Run the LLM bench.
 * @param {string[]} argv arguments after the bench name
 * @returns {Promise<{ code: number, result?: object }>} exit code and the JSON line's object
 */
export async function run(argv) {
  const cmd = new Command('bench llm')
    .description('provider limits across runtime replicas, and learned routing against round robin on price')
    .option('--tasks <n>', 'llm.chat tasks of part 1', positiveInt('--tasks'), 1200)
    .option('--rpm <n>', 'requests per minute of the part 1 provider', positiveInt('--rpm'), 1200)
    .option('--latency <ms>', 'latency of the part 1 provider, ms', positiveInt('--latency'), 50)
    .option('--learn-tasks <n>', 'tasks per strategy in part 2', positiveInt('--learn-tasks'), 2000)
    .option('--no-build', 'skip the Nx build and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding <app>/main.js', DEFAULT_DIST)
    .option('--runtimes <n>', 'bot-runtime replicas', positiveInt('--runtimes'), 2)
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const key = `sk-bench-${Math.random().toString(36).slice(2)}`;
  process.env[KEY_ENV] = key;
  const db = await freshDatabase('llm', progress);
  const standIns = [];
  try {
    const { code, value } = await runSuite(headlessSuiteOptions(opts), async (suite, signal) => {
      const client = new ApiClient({ baseUrl: suite.baseUrl, apiKey: suite.apiKey, signal });
      const limits = await partLimits(client, opts, key, standIns, signal);
      const learning = await partLearning(client, opts, key, standIns, signal);
      return { bench: 'llm', ...limits, ...learning };
    });
    return { code, result: value };
  } finally {
    await Promise.all(standIns.map((s) => s.close()));
    await db.drop().catch((err) => progress(`dropping the bench database failed: ${err.message}`));
  }
}

/**
 * Registers an `openai` service for a stand-in.
 * @param {ApiClient} client
 * @param {string} name service name
 * @param {any} standIn the stand-in
 * @param {object} extra more registration fields
 */
async function register(client, name, standIn, extra) {
  await client.request('POST', '/services', {
    service_name: name,
    endpoint: standIn.baseURL,
    protocol: 'openai',
    api_key_env: KEY_ENV,
    ...extra,
  });
}

/**
 * Part 1: one RPM-limited provider, all tasks at once.
 * @returns {Promise<object>} tasks, wall_s, achieved_rpm, limit_rpm, utilisation, provider_429s, p50_ms, p99_ms, queue_p50_s
 */
async function partLimits(client, opts, key, standIns, signal) {
  const n = opts.tasks;
  const limitRpm = opts.rpm;
  const provider = await startOpenAiStandIn({ models: ['bench-small'], apiKey: key, limits: { rpm: limitRpm }, behaviour: { latencyMs: opts.latency }, keepBodies: false });
  standIns.push(provider);
  await register(client, 'bench-limited', provider, { models: [{ name: 'bench-small', class: 'small' }], limits: { rpm: limitRpm } });
  progress(`part 1: ${n} llm.chat tasks on a provider limited to ${limitRpm} RPM, ${opts.latency} ms a call`);
  const tasks = Array.from({ length: n }, (_, i) => ({ type: 'llm.chat', data: { model: 'bench-small', prompt: `Summarise item ${i} in one line.`, max_tokens: 32 } }));
  const ids = [];
  for (let i = 0; i < tasks.length; i += 5000) ids.push(...(await client.submitBatch(tasks.slice(i, i + 5000))).task_ids);
  const expectedS = (n / limitRpm) * 60;
  const done = await waitForTasks(client, ids, {
    deadline: Date.now() + Math.max(120_000, expectedS * 3000),
    concurrency: 16,
    sampleFirst: true,
    signal,
    onProgress: (d, total, sampling) => progress(sampling ? `part 1: running (provider admitted ${provider.counts.successes})` : `part 1: ${d}/${total} finished`),
  });
  const views = [...done.values()];
  const bad = views.filter((v) => v.status !== 'succeeded');
  if (bad.length) throw new LauncherError(`part 1: ${bad.length} of ${n} tasks did not succeed, e.g. ${JSON.stringify(bad[0].error)}`);
  const admitted = provider.requests.filter((r) => r.kind === 'chat' && r.status === 200).map((r) => r.admittedAt).sort((a, b) => a - b);
  const spanMin = (admitted.at(-1) - admitted[0]) / 60_000;
  const achieved = spanMin > 0 ? (admitted.length - 1) / spanMin : 0;
  const runs = views.map((v) => Date.parse(v.finished_at) - Date.parse(v.started_at)).sort((a, b) => a - b);
  const queue = views.map((v) => Date.parse(v.finished_at) - Date.parse(v.created_at)).sort((a, b) => a - b);
  const result = {
    tasks: n,
    wall_s: round((admitted.at(-1) - admitted[0]) / 1000, 3),
    achieved_rpm: round(achieved, 1),
    limit_rpm: limitRpm,
    utilisation: round(achieved / limitRpm, 4),
    provider_429s: provider.counts.rateLimited,
    provider_calls: provider.counts.calls,
    max_per_second: provider.maxInAnyWindow(1000),
    p50_ms: round(percentile(runs, 50), 1),
    p99_ms: round(percentile(runs, 99), 1),
    queue_p50_s: round(percentile(queue, 50) / 1000, 2),
  };
  progress(`part 1: ${JSON.stringify(result)}`);
  return result;
}

/** The three providers of part 2: price multiple, failure rate, latency (ms). */
const TIERS = [
  { name: 'bench-cheap', price: 1, failRate: 0.2, latencyMs: 80 },
  { name: 'bench-mid', price: 3, failRate: 0.02, latencyMs: 40 },
  { name: 'bench-premium', price: 10, failRate: 0, latencyMs: 20 },
];

/**
 * Part 2: the same tasks under `learned` and under `round_robin`; each strategy has a
 * model of its own on the three providers, so neither inherits the other's history.
 * @returns {Promise<object>} per strategy: cost_per_success_usd, success_rate, calls per provider
 */
async function partLearning(client, opts, key, standIns, signal) {
  const n = opts.learnTasks;
  const providers = [];
  for (const [i, t] of TIERS.entries()) {
    const s = await startOpenAiStandIn({
      models: ['learn-a', 'learn-b'],
      apiKey: key,
      behaviour: { latencyMs: t.latencyMs, failRate: t.failRate },
      random: seededRandom(1000 + i),
      keepBodies: false,
    });
    standIns.push(s);
    providers.push(s);
    const price = { input_per_1m: 0.5 * t.price, output_per_1m: 1.5 * t.price };
    await register(client, t.name, s, {
      models: [{ name: 'learn-a', class: 'medium' }, { name: 'learn-b', class: 'medium' }],
      pricing: { 'learn-a': price, 'learn-b': price },
    });
  }
  const out = {};
  for (const [strategy, model] of [['learned', 'learn-a'], ['round_robin', 'learn-b']]) {
    await client.request('PUT', '/routing/policies/llm.chat', { strategy, cost_weight: 1, max_retries: 2, backoff: 'none', timeout: 10 });
    const before = providers.map((p) => p.counts.calls);
    progress(`part 2: ${n} tasks under ${strategy}, waves of ${WAVE}`);
    const views = [];
    for (let w = 0; w < n; w += WAVE) {
      signal.throwIfAborted();
      const wave = Array.from({ length: Math.min(WAVE, n - w) }, (_, i) => ({
        type: 'llm.chat',
        data: { model, prompt: `Classify ticket ${w + i}: the printer is on fire again.`, max_tokens: 64 },
      }));
      const { task_ids } = await client.submitBatch(wave);
      const done = await waitForTasks(client, task_ids, { deadline: Date.now() + 120_000, concurrency: 16, signal });
      views.push(...done.values());
    }
    const ok = views.filter((v) => v.status === 'succeeded');
    const cost = ok.reduce((sum, v) => sum + (v.result?.cost_usd ?? 0), 0);
    const byService = Object.fromEntries(TIERS.map((t, i) => [t.name, providers[i].counts.calls - before[i]]));
    const served = {};
    for (const v of ok) served[v.result.service] = (served[v.result.service] ?? 0) + 1;
    out[strategy] = {
      cost_per_success_usd: ok.length ? Number((cost / ok.length).toPrecision(6)) : null,
      success_rate: round(ok.length / views.length, 4),
      calls: byService,
      served_by: served,
    };
    progress(`part 2: ${strategy}: ${JSON.stringify(out[strategy])}`);
  }
  const ratio = out.learned.cost_per_success_usd / out.round_robin.cost_per_success_usd;
  return { learned: out.learned, round_robin: out.round_robin, cost_ratio_learned_vs_round_robin: round(ratio, 4) };
}

