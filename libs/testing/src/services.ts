import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVICE_NAMES, ServiceName } from '@apiary/contracts';
import { freePort, waitFor } from './ports';

/** Repository root (where `dist/apps` lives). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** One running service process started from its build output. */
export interface ServiceProcess {
  app: ServiceName;
  child: ChildProcess;
  logFile: string;
  /** Last lines of its log. */
  tail(lines?: number): string;
  /** Sends a signal and waits for exit (SIGKILL after 15 s). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node dist/apps/<app>/main.js` with the given env; waits for its
 * "service started" log line (or the gateway's "listening" line).
 * @throws Error when the build output is missing or the process exits early
 */
export async function startService(app: ServiceName, env: Record<string, string>, logDir: string, suffix = ''): Promise<ServiceProcess> {
  const main = join(REPO_ROOT, 'dist/apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} missing: run \`npx nx run-many -t build\` first`);
  const logFile = join(logDir, `${app}${suffix}.log`);
  const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
  // Readiness like Kubernetes: the probe server's /readyz (the gateway's /livez).
  const probePort = app === 'gateway' ? Number(env.APIARY_HTTP_PORT) : await freePort();
  const probePath = app === 'gateway' ? '/livez' : '/readyz';
  const child = spawn(process.execPath, [main], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: app,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...env,
      ...(app === 'gateway' ? {} : { APIARY_PROBE_PORT: String(probePort) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const tail = (lines = 20) => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '');
  await waitFor(`${app} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${tail()}`);
    const res = await fetch(`http://127.0.0.1:${probePort}${probePath}`).catch(() => undefined);
    return res?.status === 200;
  }, 60_000, 50).catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${tail()}`);
  });
  return {
    app,
    child,
    logFile,
    tail,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Options of {@link startSuite}. */
export interface SuiteOptions {
  natsUrl: string;
  databaseUrl: string;
  /** Extra env for every service. */
  env?: Record<string, string>;
  /** Number of bot-runtime replicas (default 1). */
  runtimes?: number;
  /** Services to leave out. */
  without?: ServiceName[];
}

/** All seven services, the gateway's URL and an API key. */
export interface RunningSuite {
  baseUrl: string;
  apiKey: string;
  logDir: string;
  services: ServiceProcess[];
  env: Record<string, string>;
  /** Starts one more process of an app (e.g. a replacement runtime). */
  add(app: ServiceName, suffix?: string): Promise<ServiceProcess>;
  /** `fetch` against the gateway with the API key. */
  http(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * Starts the whole suite from `dist/` against the given NATS and database and
 * waits until `GET /health` is 200.
 */
export async function startSuite(options: SuiteOptions): Promise<RunningSuite> {
  const logDir = mkdtempSync(join(tmpdir(), 'apiary-suite-'));
  const port = await freePort();
  const apiKey = `test-key-${Math.random().toString(36).slice(2)}-abcdefgh`;
  const env: Record<string, string> = {
    NATS_URL: options.natsUrl,
    DATABASE_URL: options.databaseUrl,
    APIARY_HTTP_PORT: String(port),
    APIARY_HTTP_HOST: '127.0.0.1',
    APIARY_API_KEYS: apiKey,
    APIARY_LOG_LEVEL: 'info',
    OTEL_TRACES_EXPORTER: 'none',
    ...options.env,
  };
  const services: ServiceProcess[] = [];
  const apps = SERVICE_NAMES.filter((a) => !(options.without ?? []).includes(a) && a !== 'bot-runtime');
  try {
    // Brain first: it migrates the schema and declares the streams.
    services.push(await startService('orchestrator-brain', env, logDir));
    services.push(...(await Promise.all(apps.filter((a) => a !== 'orchestrator-brain').map((a) => startService(a, env, logDir)))));
    if (!(options.without ?? []).includes('bot-runtime')) {
      for (let i = 0; i < (options.runtimes ?? 1); i++) {
        services.push(await startService('bot-runtime', { ...env, APIARY_INSTANCE_ID: `bot-runtime-${i}` }, logDir, `-${i}`));
      }
    }
  } catch (error) {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const http: RunningSuite['http'] = async (path, init = {}) => {
    const { json, ...rest } = init;
    const res = await fetch(baseUrl + path, {
      ...rest,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...((rest.headers as Record<string, string>) ?? {}),
      },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };
  if (!(options.without ?? []).length) {
    await waitFor('gateway /health 200', async () => (await http('/health')).status === 200, 30_000, 100);
  }
  let runtimeCount = options.runtimes ?? 1;
  return {
    baseUrl,
    apiKey,
    logDir,
    services,
    env,
    http,
    add: async (app, suffix) => {
      const extra: Record<string, string> = app === 'bot-runtime' ? { APIARY_INSTANCE_ID: `bot-runtime-${runtimeCount}` } : {};
      const s = await startService(app, { ...env, ...extra }, logDir, suffix ?? (app === 'bot-runtime' ? `-${runtimeCount++}` : '-extra'));
      services.push(s);
      return s;
    },
    stop: async () => {
      await Promise.all(services.map((s) => s.stop('SIGTERM')));
    },
  };
}

/** Terminal task statuses, for polling. */
export const FINISHED = ['succeeded', 'failed', 'dead', 'cancelled', 'timed_out'];
