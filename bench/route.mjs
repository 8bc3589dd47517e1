// Route bench: routing decisions of task-router with 100 registered services offering
// 10 capabilities (10 services each; health checks off, all healthy and enabled).
//   nats phase (honest end to end): one real task-router process (dist/apps/task-router)
//            on NATS and PostgreSQL (the local suite's, without the other services).
//            Per strategy (round_robin, least_loaded): `apiary.router.route` requests as
//            bot-runtime sends them (`track: true`, capabilities in turn), from one
//            client connection with C requests in flight; the client also reports a
//            `final` outcome per decision (batched ≤ 100 per message on
//            `apiary.router.outcomes`, as bot-runtime does), so in-flight counts stay
//            bounded and the router does its outcome work too.
//              decisions_per_s = N / wall time of the N requests
//              loaded_p99_us   = p99 of request → reply under that load (queueing included)
//              serial_p50_us / serial_p99_us = one request at a time (1,000 of them)
//   in-process phase: the router's own RouteService + RouterSnapshot (TypeScript loaded
//            with ts-node), the same 100 services, N decisions in a loop: the decision
//            cost without NATS, serialisation or validation.
// The JSON line's `decisions_per_s` and `p99_us` are round_robin over NATS
// (throughput under load, serial p99); everything else is in `strategies` and
// `in_process`. The bench services are deregistered afterwards.
// Usage: npm run bench -- route [--decisions N] [--concurrency C] [--no-build] [--dist DIR]
// BENCH_ROUTER_CPU_PROF=<dir> starts the router with `--cpu-prof` writing its profile there.
import { Command } from 'commander';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { connect, JSONCodec } from 'nats';
import { ManagedProcess, runToCompletion } from '../scripts/lib/process.mjs';
import { DEFAULT_DIST } from '../scripts/lib/services.mjs';
import { headlessSuiteOptions, runSuite } from '../scripts/lib/suite.mjs';
import { LauncherError, LOG_DIR, REPO_ROOT, freePort, percentile, positiveInt, round, sleep } from '../scripts/lib/util.mjs';

/** Registered services. */
const SERVICES = 100;
/** Capabilities (each offered by SERVICES / CAPABILITIES services). */
const CAPABILITIES = 10;
/** Serial requests timed per strategy. */
const SERIAL = 1000;
/** Warm-up requests per strategy (not timed). */
const WARMUP = 2000;
const STRATEGIES = /** @type {const} */ (['round_robin', 'least_loaded']);

/**
 * @typedef {object} StrategyFigures
 * @property {number} decisions_per_s N / wall time with C requests in flight
 * @property {number} loaded_p99_us p99 request → reply under that load, µs
 * @property {number} serial_p50_us one request at a time, median, µs
 * @property {number} serial_p99_us one request at a time, p99, µs
 */

/**
 * The JSON line.
 * @typedef {object} RouteResult
 * @property {'route'} bench
 * @property {number} services
 * @property {number} capabilities
 * @property {number} decisions N per strategy over NATS
 * @property {number} concurrency C
 * @property {number} decisions_per_s round_robin over NATS
 * @property {number} p99_us round_robin over NATS, serial p99
 * @property {Record<string, StrategyFigures>} strategies
 * @property {{ decisions: number, decisions_per_s: number, p50_us: number, p99_us: number }} in_process
 */

/** @param {string} msg */
function progress(msg) {
  if (!process.stderr.destroyed) process.stderr.write(`[bench route] ${msg}\n`);
}

const codec = JSONCodec();

/**
 * A request in the wire format of Nest's NATS transport.
 * @param {import('nats').NatsConnection} nc
 * @param {string} subject
 * @param {unknown} data
 * @returns {Promise<any>} the response
 * @throws {LauncherError} on an error reply
 */
async function request(nc, subject, data) {
  const reply = await nc.request(subject, codec.encode({ pattern: subject, data, id: `${Math.random()}` }), { timeout: 10_000 });
  const body = /** @type {{ err?: any, response?: any }} */ (codec.decode(reply.data));
  if (body.err) throw new LauncherError(`${subject} failed: ${JSON.stringify(body.err)}`);
  return body.response;
}

/** @returns {{ name: string, capability: string }[]} the bench services */
function benchServices() {
  return Array.from({ length: SERVICES }, (_, i) => ({
    name: `bench-svc-${String(i).padStart(3, '0')}`,
    capability: `bench.cap${i % CAPABILITIES}`,
  }));
}

/**
 * Run the route bench.
 * @param {string[]} argv arguments after the bench name
 * @returns {Promise<{ code: number, result?: RouteResult }>} exit code (0 ok, 1 failure,
 *   130 interrupted) and, on success, the object for the JSON line
 */
export async function run(argv) {
  const cmd = new Command('bench route')
    .description('routing decisions/s and p99 decision latency with 100 services and 10 capabilities')
    .option('--decisions <n>', 'decisions per strategy over NATS (and in process)', positiveInt('--decisions'), 50_000)
    .option('--concurrency <n>', 'requests in flight in the throughput run', positiveInt('--concurrency'), 64)
    .option('--no-build', 'skip the Nx build of task-router and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding task-router/main.js', DEFAULT_DIST)
    .showHelpAfterError();
  cmd.parse(argv, { from: 'user' });
  const opts = cmd.opts();
  const n = /** @type {number} */ (opts.decisions);
  const concurrency = /** @type {number} */ (opts.concurrency);

  fs.mkdirSync(LOG_DIR, { recursive: true });
  if (opts.build) {
    progress('building task-router');
    const p = await runToCompletion({
      name: 'build',
      command: 'npx',
      args: ['nx', 'run', 'task-router:build', '--output-style=static'],
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      output: { mode: 'file', file: path.join(LOG_DIR, 'bench-route-build.log') },
    });
    if (p.exitInfo?.code !== 0) throw new LauncherError(`task-router build failed; see ${path.join(LOG_DIR, 'bench-route-build.log')}`);
  }
  const main = path.join(path.resolve(opts.dist), 'task-router', 'main.js');

  const inProcess = await measureInProcess(n);
  progress(
    `in process: ${n} decisions, ${inProcess.decisions_per_s.toFixed(0)}/s, p50 ${inProcess.p50_us.toFixed(1)} µs, p99 ${inProcess.p99_us.toFixed(1)} µs`,
  );

  const { code, value } = await runSuite(
    { ...headlessSuiteOptions({ build: false, dist: opts.dist, runtimes: 1 }), services: false },
    async (suite, signal) => {
      const router = await startRouter(main, suite.natsUrl, suite.databaseUrl, signal);
      const nc = await connect({ servers: suite.natsUrl, name: 'bench-route' });
      try {
        await registerServices(nc);
        /** @type {Record<string, StrategyFigures>} */
        const strategies = {};
        for (const strategy of STRATEGIES) {
          strategies[strategy] = await measureStrategy(nc, strategy, n, concurrency, signal);
        }
        await deregisterServices(nc);
        return strategies;
      } finally {
        await nc.drain().catch(() => undefined);
        await router.stop({ timeoutMs: 15_000 });
      }
    },
  );
  if (code !== 0 || !value) return { code: code || 1 };
  const rr = value.round_robin;
  return {
    code: 0,
    result: {
      bench: 'route',
      services: SERVICES,
      capabilities: CAPABILITIES,
      decisions: n,
      concurrency,
      decisions_per_s: rr.decisions_per_s,
      p99_us: rr.serial_p99_us,
      strategies: value,
      in_process: {
        decisions: n,
        decisions_per_s: round(inProcess.decisions_per_s, 0),
        p50_us: round(inProcess.p50_us, 2),
        p99_us: round(inProcess.p99_us, 2),
      },
    },
  };
}

/**
 * Starts task-router from its bundle and waits for `/readyz`.
 * @param {string} main path of main.js
 * @param {string} natsUrl
 * @param {string} databaseUrl
 * @param {AbortSignal} signal
 * @returns {Promise<ManagedProcess>}
 */
async function startRouter(main, natsUrl, databaseUrl, signal) {
  const probePort = await freePort();
  const env = { ...process.env };
  delete env.APIARY_HTTP_PORT;
  delete env.APIARY_INSTANCE_ID;
  const proc = new ManagedProcess({
    name: 'task-router',
    command: process.execPath,
    args: [...(process.env.BENCH_ROUTER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_ROUTER_CPU_PROF}`] : []), main],
    cwd: REPO_ROOT,
    env: {
      ...env,
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      APIARY_PROBE_PORT: String(probePort),
      APIARY_LOG_LEVEL: process.env.APIARY_LOG_LEVEL || 'warn',
      OTEL_SERVICE_NAME: 'task-router',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
    output: { mode: 'file', file: path.join(LOG_DIR, 'bench-task-router.log') },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!proc.running) throw new LauncherError(`task-router exited (${proc.describeExit()})`, proc.tail(25));
    const ok = await fetch(`http://127.0.0.1:${probePort}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new LauncherError('task-router not ready after 60 s', proc.tail(25));
    }
    await sleep(50, signal);
  }
  progress(`task-router ready (pid ${proc.pid})`);
  return proc;
}

/** @param {import('nats').NatsConnection} nc */
async function registerServices(nc) {
  const services = benchServices();
  for (const s of services) {
    await request(nc, 'apiary.router.services.register', {
      service_name: s.name,
      endpoint: `http://127.0.0.1:9/${s.name}`,
      capabilities: [s.capability],
      category: 'bench',
      health_check: { enabled: false },
    });
    // A previous run may have left it disabled or hurt: make it routable.
    await request(nc, 'apiary.router.modules.enable', { name: s.name });
    await request(nc, 'apiary.router.services.set-health', { service_name: s.name, status: 'healthy' });
  }
  progress(`${services.length} services registered over ${CAPABILITIES} capabilities`);
}

/** @param {import('nats').NatsConnection} nc */
async function deregisterServices(nc) {
  for (const s of benchServices()) await request(nc, 'apiary.router.services.deregister', { service_name: s.name });
  progress('bench services deregistered');
}

/**
 * Throughput (C in flight) and serial latency of one strategy over NATS.
 * @param {import('nats').NatsConnection} nc
 * @param {'round_robin' | 'least_loaded'} strategy
 * @param {number} n
 * @param {number} concurrency
 * @param {AbortSignal} signal
 * @returns {Promise<StrategyFigures>}
 */
async function measureStrategy(nc, strategy, n, concurrency, signal) {
  /** @type {any[]} */
  let pendingOutcomes = [];
  const flushOutcomes = () => {
    if (pendingOutcomes.length === 0) return;
    for (let i = 0; i < pendingOutcomes.length; i += 100) {
      nc.publish('apiary.router.outcomes', codec.encode({ runner: 'bench-route', outcomes: pendingOutcomes.slice(i, i + 100), breakers: [] }));
    }
    pendingOutcomes = [];
  };
  const timer = setInterval(flushOutcomes, 20);
  let k = 0;
  const decide = async () => {
    const i = k++;
    const taskType = `bench.cap${i % CAPABILITIES}`;
    const t0 = process.hrtime.bigint();
    const d = await request(nc, 'apiary.router.route', { task_type: taskType, strategy, track: true, task_id: `bench-${i}` });
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    pendingOutcomes.push({
      route_id: d.route_id, task_id: `bench-${i}`, task_type: taskType, service_name: d.primary_service,
      success: true, latency_ms: 1, fallback: false, final: true,
    });
    return us;
  };
  try {
    /** @param {number} count @param {number} c @returns {Promise<{ latencies: number[], seconds: number }>} */
    const runMany = async (count, c) => {
      const latencies = new Array(count);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(c, count) }, async () => {
          while (next < count) {
            signal.throwIfAborted();
            const j = next++;
            latencies[j] = await decide();
          }
        }),
      );
      return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
    };
    await runMany(WARMUP, concurrency);
    const loaded = await runMany(n, concurrency);
    const serial = await runMany(SERIAL, 1);
    const figures = {
      decisions_per_s: round(n / loaded.seconds, 0),
      loaded_p99_us: round(percentile(loaded.latencies, 99), 1),
      serial_p50_us: round(percentile(serial.latencies, 50), 1),
      serial_p99_us: round(percentile(serial.latencies, 99), 1),
    };
    progress(
      `${strategy} over NATS: ${n} decisions with ${concurrency} in flight → ${figures.decisions_per_s}/s, ` +
        `p99 ${figures.loaded_p99_us} µs under load; serial p50 ${figures.serial_p50_us} µs, p99 ${figures.serial_p99_us} µs`,
    );
    return figures;
  } finally {
    clearInterval(timer);
    flushOutcomes();
  }
}

/**
 * The decision cost in this process: the router's RouteService over a RouterSnapshot of
 * the same 100 services (TypeScript sources loaded with ts-node), round_robin and
 * least_loaded alternately, tracked, each route released right after its decision.
 * @param {number} n decisions
 * @returns {Promise<{ decisions_per_s: number, p50_us: number, p99_us: number }>}
 */
async function measureInProcess(n) {
  const require = createRequire(import.meta.url);
  require('ts-node').register({
    transpileOnly: true,
    project: path.join(REPO_ROOT, 'apps/task-router/tsconfig.app.json'),
    compilerOptions: { module: 'commonjs' },
  });
  const base = require(path.join(REPO_ROOT, 'tsconfig.base.json'));
  require('tsconfig-paths').register({ baseUrl: REPO_ROOT, paths: base.compilerOptions.paths });
  const src = (f) => require(path.join(REPO_ROOT, 'apps/task-router/src', f));
  const { RouterSnapshot } = src('registry/router-snapshot.ts');
  const { RouteService } = src('routing/route.service.ts');
  const { InFlightTracker } = src('routing/in-flight.ts');
  const { CounterBuffer } = src('stats/counter-buffer.ts');
  const t = new Date();
  const rows = benchServices().map((s) => ({
    name: s.name, kind: 'service', category: 'bench', enabled: true, depends_on: [], capabilities: [s.capability],
    endpoint: `http://127.0.0.1:9/${s.name}`, status: 'healthy', status_source: 'registration', health_check_enabled: false,
    health_check_path: '/health', consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
  }));
  const snapshot = new RouterSnapshot('1', rows, [], [], 'round_robin');
  const inFlight = new InFlightTracker();
  const router = new RouteService({
    snapshot: () => snapshot,
    inFlight,
    counters: new CounterBuffer(),
    brain: { decide: () => Promise.reject(new Error('learned is not measured here')) },
  });
  const decide = async (i) => {
    const d = await router.route({ task_type: `bench.cap${i % CAPABILITIES}`, strategy: STRATEGIES[i % 2], track: true });
    inFlight.release(d.route_id);
  };
  for (let i = 0; i < WARMUP; i++) await decide(i);
  const latencies = new Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await decide(i);
    latencies[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { decisions_per_s: n / seconds, p50_us: percentile(latencies, 50), p99_us: percentile(latencies, 99) };
}
