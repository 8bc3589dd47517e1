// Memory bench: results recorded per second, then the latency of the memory API.
//   record phase: one real memory process (dist/apps/memory) on NATS and PostgreSQL (the
//            local suite's, without the other services). The bench publishes N task
//            completions to JetStream as bot-runtime does (`apiary.events.task.completions`,
//            ≤ 100 completions per message, publishes in flight in parallel): 8 task
//            types, 3 routed services each (one call per result, a fallback call for 5 %
//            of them), 5 % failures with error codes, bots, swarms, contexts and a
//            parameter digest. The clock runs from the first publish until memory has
//            acknowledged every message (each acknowledged after its results are committed),
//            and the stored rows are counted.
//              results_per_s = N / that wall time
//   read phase: the gateway (dist/apps/gateway) in front of memory; R sequential requests
//            each of `GET /memory/patterns/{type}` (the 7-day window over the rows just
//            written) and `GET /memory/summary`, after a warm-up of 5 each.
//              patterns_p50_ms / patterns_p99_ms, summary_p50_ms / summary_p99_ms
// The bench's rows (types bench.memory*, runners bench-runtime-*) are deleted afterwards.
// CPU per 1,000 results (memory process; embedded PostgreSQL) is reported too: unlike
// results/s, it does not depend on what else the machine is running.
//   --rate R paces the publishing at R results/s instead (a sustained load): memory keeps up
//            when lag_ms (last publish → all recorded) stays small.
// Usage: npm run bench -- memory [--results N] [--per-message M] [--requests R] [--rate R] [--no-build] [--dist DIR]
// BENCH_MEMORY_CPU_PROF=<dir> starts memory with `--cpu-prof` writing its profile there.
import { Command } from 'commander';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, JSONCodec } from 'nats';
import pg from 'pg';
import { ManagedProcess, runToCompletion } from '../scripts/lib/process.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, LOG_DIR, REPO_ROOT, freePort, percentile, positiveInt, round, sleep } from '../scripts/lib/util.mjs';

/** Task types of the bench. */
const TYPES = Array.from({ length: 8 }, (_, i) => `bench.memory${i}`);
/** Routed services per type. */
const SERVICES_PER_TYPE = 3;
/** Completion publishes in flight. */
const PUBLISH_CONCURRENCY = 64;
/** Warm-up requests per route (not timed). */
const WARMUP = 5;
const EVENTS_STREAM = 'APIARY_TASK_EVENTS';
const MEMORY_CONSUMER = 'memory-completions';
const TASK_COMPLETIONS = 'apiary.events.task.completions';

/**
 * The JSON line.
 * @typedef {object} MemoryResult
 * @property {'memory'} bench
 * @property {number} results completions published (N)
 * @property {number} stored results stored by memory (must equal N)
 * @property {number} per_message completions per JetStream message
 * @property {number} seconds first publish → last message acknowledged by memory
 * @property {number} publish_seconds first publish → last publish acknowledged by JetStream
 * @property {number} lag_ms last publish acknowledged → last message acknowledged by memory
 * @property {number} [rate] the `--rate` the completions were paced at
 * @property {number} results_per_s N / seconds
 * @property {number} memory_cpu_ms_per_1k CPU time of the memory process per 1,000 results recorded
 * @property {number | null} postgres_cpu_ms_per_1k CPU time of PostgreSQL (postmaster and its children) per
 *   1,000 results, when the suite runs the embedded PostgreSQL (null otherwise)
 * @property {number} requests timed requests per route
 * @property {number} patterns_p50_ms
 * @property {number} patterns_p99_ms
 * @property {number} summary_p50_ms
 * @property {number} summary_p99_ms
 */

/** @param {string} msg */
function progress(msg) {
  if (!process.stderr.destroyed) process.stderr.write(`[bench memory] ${msg}\n`);
}

/**
 * Run the memory bench.
 * @param {string[]} argv arguments after the bench name
 * @returns {Promise<{ code: number, result?: MemoryResult }>} exit code (0 ok, 1 failure,
 *   130 interrupted) and, on success, the object for the JSON line
 */
export async function run(argv) {
  const cmd = new Command('bench memory')
    .description('task results recorded per second by memory, then the latency of GET /memory/patterns and /memory/summary')
    .option('--results <n>', 'completions to record', positiveInt('--results'), 100_000)
    .option('--per-message <n>', 'completions per JetStream message (bot-runtime batches up to 100)', positiveInt('--per-message'), 100)
    .option('--requests <n>', 'timed requests per route', positiveInt('--requests'), 50)
    .option('--rate <n>', 'publish at this many results/s (default: as fast as JetStream takes them)', positiveInt('--rate'))
    .option('--no-build', 'skip the Nx build of memory and gateway and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding memory/main.js and gateway/main.js', DEFAULT_DIST)
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const n = /** @type {number} */ (opts.results);
  const perMessage = /** @type {number} */ (opts.perMessage);
  const requests = /** @type {number} */ (opts.requests);
  const rate = /** @type {number | undefined} */ (opts.rate);

  fs.mkdirSync(LOG_DIR, { recursive: true });
  if (opts.build) {
    progress('building memory and gateway');
    const log = path.join(LOG_DIR, 'bench-memory-build.log');
    const p = await runToCompletion({
      name: 'build',
      command: 'npx',
      args: ['nx', 'run-many', '-t', 'build', '-p', 'memory', 'gateway', '--output-style=static'],
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      output: { mode: 'file', file: log },
    });
    if (p.exitInfo?.code !== 0) throw new LauncherError(`build failed; see ${log}`);
  }
  const dist = path.resolve(opts.dist);
  for (const app of ['memory', 'gateway']) {
    if (!fs.existsSync(path.join(dist, app, 'main.js'))) throw new LauncherError(`missing ${app}/main.js in ${dist}: run without --no-build`);
  }

  const { code, value } = await runSuite(
    { ...headlessSuiteOptions({ build: false, dist, runtimes: 1 }), services: false },
    async (suite, signal) => {
      const apiKey = `bench_${crypto.randomBytes(18).toString('base64url')}`;
      const memory = await startService('memory', path.join(dist, 'memory', 'main.js'), suite, signal, {
        extraArgs: process.env.BENCH_MEMORY_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_MEMORY_CPU_PROF}`] : [],
      });
      const httpPort = await freePort();
      const gateway = await startService('gateway', path.join(dist, 'gateway', 'main.js'), suite, signal, {
        env: { APIARY_HTTP_PORT: String(httpPort), APIARY_HTTP_HOST: '127.0.0.1', APIARY_API_KEYS: apiKey },
        readyUrl: `http://127.0.0.1:${httpPort}/readyz`,
      });
      const nc = await connect({ servers: suite.natsUrl, name: 'bench-memory' });
      const db = new pg.Client({ connectionString: suite.databaseUrl });
      await db.connect();
      try {
        await removeBenchData(db); // left by an interrupted run
        const before = Number((await db.query('SELECT count(*)::int AS n FROM task_results')).rows[0].n);
        const cpuBefore = { memory: cpuMs([memory.pid]), postgres: postgresCpuMs() };
        const recorded = await record(nc, n, perMessage, rate, signal);
        const cpu = {
          memory_cpu_ms_per_1k: round(((cpuMs([memory.pid]) - cpuBefore.memory) * 1000) / n, 1),
          postgres_cpu_ms_per_1k: cpuBefore.postgres === null ? null : round((((postgresCpuMs() ?? 0) - cpuBefore.postgres) * 1000) / n, 1),
        };
        const stored = Number((await db.query('SELECT count(*)::int AS n FROM task_results')).rows[0].n) - before;
        progress(
          `${n} results published in ${recorded.publish_seconds} s${rate ? ` (paced at ${rate}/s)` : ''}, all recorded after ` +
            `${recorded.seconds} s → ${round(n / recorded.seconds, 0)} results/s (${stored} stored; lag after the last publish ${recorded.lag_ms} ms)`,
        );
        progress(`CPU per 1,000 results: memory ${cpu.memory_cpu_ms_per_1k} ms, PostgreSQL ${cpu.postgres_cpu_ms_per_1k ?? '?'} ms`);
        if (stored !== n) throw new LauncherError(`memory stored ${stored} of ${n} results`);
        const base = `http://127.0.0.1:${httpPort}`;
        const patterns = await timeRequests(`${base}/memory/patterns/${TYPES[0]}`, apiKey, requests, signal);
        const summary = await timeRequests(`${base}/memory/summary`, apiKey, requests, signal);
        progress(`GET /memory/patterns/${TYPES[0]}: p50 ${patterns.p50} ms, p99 ${patterns.p99} ms (${requests} requests)`);
        progress(`GET /memory/summary: p50 ${summary.p50} ms, p99 ${summary.p99} ms; ${JSON.stringify(summary.last)}`);
        await removeBenchData(db);
        return { recorded, stored, cpu, patterns, summary };
      } finally {
        await db.end().catch(() => undefined);
        await nc.drain().catch(() => undefined);
        await gateway.stop({ timeoutMs: 15_000 });
        await memory.stop({ timeoutMs: 15_000 });
      }
    },
  );
  if (code !== 0 || !value) return { code: code || 1 };
  return {
    code: 0,
    result: {
      bench: 'memory',
      results: n,
      stored: value.stored,
      per_message: perMessage,
      seconds: value.recorded.seconds,
      publish_seconds: value.recorded.publish_seconds,
      lag_ms: value.recorded.lag_ms,
      ...(rate ? { rate } : {}),
      results_per_s: round(n / value.recorded.seconds, 0),
      ...value.cpu,
      requests,
      patterns_p50_ms: value.patterns.p50,
      patterns_p99_ms: value.patterns.p99,
      summary_p50_ms: value.summary.p50,
      summary_p99_ms: value.summary.p99,
    },
  };
}

/**
 * Starts a service from its bundle and waits until it is ready.
 * @param {string} name app name
 * @param {string} main path of main.js
 * @param {import('../scripts/lib/suite.mjs').Suite} suite
 * @param {AbortSignal} signal
 * @param {{ env?: Record<string, string>, extraArgs?: string[], readyUrl?: string }} [options]
 *   `readyUrl`: polled for 200 (default: the probe server's `/readyz`)
 * @returns {Promise<ManagedProcess>}
 */
async function startService(name, main, suite, signal, options = {}) {
  const probePort = await freePort();
  const env = { ...process.env };
  delete env.APIARY_HTTP_PORT;
  delete env.APIARY_HTTP_HOST;
  delete env.APIARY_INSTANCE_ID;
  const proc = new ManagedProcess({
    name,
    command: process.execPath,
    args: [...(options.extraArgs ?? []), main],
    cwd: REPO_ROOT,
    env: {
      ...env,
      NATS_URL: suite.natsUrl,
      DATABASE_URL: suite.databaseUrl,
      APIARY_PROBE_PORT: String(probePort),
      APIARY_LOG_LEVEL: process.env.APIARY_LOG_LEVEL || 'warn',
      OTEL_SERVICE_NAME: name,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...options.env,
    },
    output: { mode: 'file', file: path.join(LOG_DIR, `bench-${name}.log`) },
  });
  const readyUrl = options.readyUrl ?? `http://127.0.0.1:${probePort}/readyz`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!proc.running) throw new LauncherError(`${name} exited (${proc.describeExit()})`, proc.tail(25));
    const ok = await fetch(readyUrl).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new LauncherError(`${name} not ready after 60 s`, proc.tail(25));
    }
    await sleep(50, signal);
  }
  progress(`${name} ready (pid ${proc.pid})`);
  return proc;
}

/**
 * The completions of the bench: per result a type, a routed service (a failed call to
 * another service first for 5 %), 5 % failures, a bot, a swarm, a context and parameters.
 * @param {number} i result index
 * @param {string} finishedAt ISO-8601
 * @returns {object} a TaskCompletedEvent
 */
function completion(i, finishedAt) {
  const type = TYPES[i % TYPES.length];
  const service = `bench-svc-${(i >> 3) % SERVICES_PER_TYPE}`;
  const latency = 5 + ((i * 7919) % 400) + (i % 97 === 0 ? 2000 : 0);
  const success = i % 20 !== 0;
  const calls = [{ service, success, latency_ms: latency, fallback: false, ...(success ? {} : { error_code: i % 40 === 0 ? 'HTTP_503' : 'HTTP_TIMEOUT' }) }];
  if (i % 20 === 7) calls.unshift({ service: `bench-svc-${((i >> 3) + 1) % SERVICES_PER_TYPE}`, success: false, latency_ms: 30, error_code: 'HTTP_503', fallback: false });
  return {
    task_id: crypto.randomUUID(),
    type,
    attempt: 1,
    success,
    result: success ? { ok: true, n: i } : null,
    error: success ? null : { code: 'ALL_SERVICES_FAILED', message: `every service failed after ${latency} ms`, retryable: true, exhausted: true },
    handler: 'http',
    runner: `bench-runtime-${i % 4}`,
    started_at: finishedAt,
    finished_at: finishedAt,
    latency_ms: latency,
    service,
    calls,
    bot_id: `bench-bot-${i % 1000}`,
    swarm_id: `bench-swarm-${i % 10}`,
    context_id: `bench-ctx-${i % 50}`,
    params: { audience: i % 3 === 0 ? 'tech' : 'general', size: i % 5, dry_run: i % 11 === 0 },
  };
}

/**
 * Publishes `n` completions in messages of `perMessage` (PUBLISH_CONCURRENCY in flight;
 * with `rate`, message m not before m × perMessage / rate seconds) and waits until
 * memory's durable consumer has acknowledged every message.
 * @param {import('nats').NatsConnection} nc
 * @param {number} n
 * @param {number} perMessage
 * @param {number | undefined} rate results/s, or undefined for as fast as possible
 * @param {AbortSignal} signal
 * @returns {Promise<{ seconds: number, publish_seconds: number, lag_ms: number }>}
 */
async function record(nc, n, perMessage, rate, signal) {
  const codec = JSONCodec();
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const messages = Math.ceil(n / perMessage);
  // Encoded before the clock starts: the bench measures memory, not its own JSON.
  const payloads = [];
  const finishedAt = new Date().toISOString();
  for (let m = 0; m < messages; m++) {
    const events = [];
    for (let i = m * perMessage; i < Math.min(n, (m + 1) * perMessage); i++) events.push(completion(i, finishedAt));
    payloads.push(codec.encode({ events }));
  }
  let lastSeq = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(PUBLISH_CONCURRENCY, messages) }, async () => {
      while (next < messages) {
        signal.throwIfAborted();
        const m = next++;
        if (rate) {
          const due = t0 + (m * perMessage * 1000) / rate - performance.now();
          if (due > 0) await sleep(due, signal);
        }
        const ack = await js.publish(TASK_COMPLETIONS, payloads[m]);
        if (ack.seq > lastSeq) lastSeq = ack.seq;
      }
    }),
  );
  const published = performance.now();
  for (;;) {
    const info = await jsm.consumers.info(EVENTS_STREAM, MEMORY_CONSUMER);
    if (info.ack_floor.stream_seq >= lastSeq && info.num_ack_pending === 0 && info.num_pending === 0) break;
    await sleep(20, signal);
  }
  const done = performance.now();
  return { seconds: round((done - t0) / 1000, 3), publish_seconds: round((published - t0) / 1000, 3), lag_ms: round(done - published, 0) };
}

/** Clock ticks per second of /proc CPU times (Linux: 100). */
const CLK_TCK = 100;

/**
 * CPU time (user + system, and of reaped children) of processes, from /proc.
 * @param {(number | undefined)[]} pids
 * @returns {number} ms (0 where /proc cannot be read)
 */
function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone or not Linux
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

/**
 * CPU time of the embedded PostgreSQL: its postmaster (`.apiary/pg/postmaster.pid`)
 * and every child (backends, WAL writer, checkpointer, autovacuum).
 * @returns {number | null} ms, or null when the suite does not run the embedded PostgreSQL
 */
function postgresCpuMs() {
  let postmaster;
  try {
    postmaster = Number(fs.readFileSync(path.join(REPO_ROOT, '.apiary', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(postmaster) || !fs.existsSync(`/proc/${postmaster}`)) return null;
  const children = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return cpuMs([postmaster, ...children]);
}

/**
 * Deletes what the bench recorded (its task types and runners), so the local suite's
 * database does not keep 100,000 bench results per run.
 * @param {pg.Client} db
 */
async function removeBenchData(db) {
  await db.query(`DELETE FROM task_results WHERE type LIKE 'bench.memory%'`);
  await db.query(`DELETE FROM service_stats WHERE task_type LIKE 'bench.memory%'`);
  await db.query(`DELETE FROM memory_stats WHERE task_type LIKE 'bench.memory%'`);
  await db.query(`DELETE FROM runner_stats WHERE runner LIKE 'bench-runtime-%'`);
}

/**
 * Times `count` sequential GETs (after WARMUP untimed ones).
 * @param {string} url
 * @param {string} apiKey
 * @param {number} count
 * @param {AbortSignal} signal
 * @returns {Promise<{ p50: number, p99: number, last: unknown }>} ms
 */
async function timeRequests(url, apiKey, count, signal) {
  const get = async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` }, signal });
    const body = await res.json();
    if (res.status !== 200) throw new LauncherError(`GET ${url} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  for (let i = 0; i < WARMUP; i++) await get();
  const latencies = [];
  let last;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    last = await get();
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), last };
}
