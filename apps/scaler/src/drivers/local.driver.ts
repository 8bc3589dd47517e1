import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { InstanceMetrics } from '@apiary/contracts';
import type { ScalingDriver } from './scaling-driver';

/** Tunables of {@link LocalDriver}. */
export interface LocalDriverOptions {
  /** Absolute path of bot-runtime's bundle (`dist/apps/bot-runtime/main.js`). */
  main: string;
  /** Environment of every child (the driver adds `APIARY_INSTANCE_ID`). */
  env: NodeJS.ProcessEnv;
  /** Folder of the children's logs (`<instance id>.log`). */
  logDir: string;
  /** Instance ids are `<prefix>-<n>`. */
  idPrefix: string;
  /** Replicas started once the start-up wait is over (when no other manager runs the pool). */
  initialReplicas: number;
  /** Time to wait at start for heartbeats of replicas started by others, ms. */
  startupWaitMs: number;
  /** Time a stopped child gets to drain before SIGKILL, ms (more than its `APIARY_SHUTDOWN_GRACE_MS`). */
  drainTimeoutMs: number;
}

interface Child {
  id: string;
  proc: ChildProcess;
  startedAt: number;
  state: 'running' | 'draining';
  exited: Promise<void>;
  killTimer?: NodeJS.Timeout;
}

/**
 * `local` driver (issue 7, the embedded default): runs bot-runtime replicas as
 * child processes of the scaler on this machine (`node <main>`, in the scaler's
 * process group, so whoever stops the scaler's group stops them too).
 *
 * Scale-in never kills running work: the replicas holding the fewest tasks (by
 * their heartbeats; the newest first on a tie) get SIGTERM, upon which bot-runtime
 * stops pulling, finishes its tasks within `APIARY_SHUTDOWN_GRACE_MS`, leaves any
 * it could not finish unacknowledged (JetStream redelivers them) and exits; only a
 * child still alive after `drainTimeoutMs` is killed.
 *
 * It manages only the replicas it started. When replicas started by someone else
 * heartbeat (the launcher's, a test suite's), it stands by and hands its own back
 * (drains them): one manager per pool. A child that exits on its own is replaced;
 * a child whose heartbeats stopped (marked lost) is killed and replaced.
 */
export class LocalDriver implements ScalingDriver {
  readonly name = 'local' as const;
  private readonly children = new Map<string, Child>();
  /** Every id this driver ever gave a child (a crashed child still heartbeats as `running` until it is marked lost). */
  private readonly started = new Set<string>();
  private wanted: number | null = null;
  private seq = 0;
  private readyAt = Infinity;
  private initialised = false;
  private stopping = false;
  /** Why replicas cannot be started (the bundle is missing), or null. */
  private unavailable: string | null = null;

  /**
   * @param options bundle, environment, logs, initial count and timings
   * @param logger logger
   * @param clock epoch ms
   */
  constructor(
    private readonly options: LocalDriverOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Starts the start-up wait; replicas are started by the first {@link reconcile}
   * after it. Without the bot-runtime bundle the driver stands by (logged), so the
   * scaler still serves its signals and decisions.
   */
  async start(): Promise<void> {
    mkdirSync(this.options.logDir, { recursive: true });
    this.readyAt = this.clock() + this.options.startupWaitMs;
    if (!existsSync(this.options.main)) {
      this.unavailable = `no bot-runtime bundle at ${this.options.main} (build it, set APIARY_SCALER_RUNTIME_MAIN, or choose APIARY_SCALER_DRIVER=kubernetes|hpa)`;
      this.logger.error({ main: this.options.main }, `local driver cannot start replicas: ${this.unavailable}`);
    }
  }

  /** Children alive and not draining (started ones count before their first heartbeat). */
  async current(): Promise<number> {
    return this.alive().length;
  }

  /** The count last asked for. */
  desired(): number | null {
    return this.wanted;
  }

  /** Whether this driver started the replica with this id. */
  isManaged(instanceId: string): boolean {
    return this.started.has(instanceId);
  }

  /** Standing by while starting up or while replicas it did not start are present. */
  standby(instances: InstanceMetrics[]): string | null {
    if (this.stopping) return 'stopping';
    if (this.unavailable) return this.unavailable;
    const now = this.clock();
    if (now < this.readyAt) return `starting up: waiting ${Math.ceil((this.readyAt - now) / 1000)} s for replicas started by others`;
    const foreign = this.foreign(instances);
    if (foreign.length > 0) {
      return `${foreign.length} bot-runtime replica(s) not started by this scaler (${foreign.slice(0, 3).map((i) => i.instance_id).join(', ')}${foreign.length > 3 ? ', …' : ''}): another manager runs the pool, the local driver stands by`;
    }
    return null;
  }

  /**
   * Starts or drains children to reach `replicas`.
   * @returns the count asked for
   */
  async scaleTo(replicas: number, instances: InstanceMetrics[]): Promise<number> {
    this.wanted = replicas;
    const alive = this.alive();
    if (replicas > alive.length) {
      for (let i = alive.length; i < replicas; i++) this.spawnChild();
    } else if (replicas < alive.length) {
      for (const victim of this.victims(alive, instances, alive.length - replicas)) this.drain(victim, 'scale-in');
    }
    return replicas;
  }

  /**
   * After the start-up wait: starts the initial replicas (once), kills children
   * marked lost, replaces children that exited, or hands its children back when
   * another manager runs the pool.
   * @returns what it did, for the log
   */
  async reconcile(instances: InstanceMetrics[]): Promise<string[]> {
    if (this.stopping || this.unavailable || this.clock() < this.readyAt) return [];
    const notes: string[] = [];
    if (this.foreign(instances).length > 0) {
      const mine = this.alive();
      if (mine.length > 0) {
        for (const c of mine) this.drain(c, 'another manager runs the pool');
        notes.push(`handed back ${mine.length} replica(s): replicas started by others are present`);
      }
      this.wanted = 0;
      return notes;
    }
    if (!this.initialised) {
      this.initialised = true;
      this.wanted = Math.max(this.wanted ?? 0, this.options.initialReplicas);
    }
    for (const i of instances) {
      const child = this.children.get(i.instance_id);
      if (i.status === 'lost' && child && child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGKILL');
        notes.push(`killed ${child.id} (pid ${child.proc.pid}): no heartbeat since ${i.last_heartbeat_at}`);
      }
    }
    const alive = this.alive();
    const missing = (this.wanted ?? 0) - alive.length;
    for (let k = 0; k < missing; k++) notes.push(`started ${this.spawnChild()} (${alive.length + k + 1} of ${this.wanted})`);
    return notes;
  }

  /** Drains every child (SIGTERM), waits for them, SIGKILLs any still alive after the drain timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.children.values()];
    for (const c of all) if (c.state === 'running') this.drain(c, 'scaler stopping');
    await Promise.all(all.map((c) => c.exited));
  }

  /** Pids of the children alive (tests, diagnostics). */
  pids(): Record<string, number> {
    return Object.fromEntries([...this.children.values()].map((c) => [c.id, c.proc.pid ?? -1]));
  }

  private alive(): Child[] {
    return [...this.children.values()].filter((c) => c.state === 'running');
  }

  private foreign(instances: InstanceMetrics[]): InstanceMetrics[] {
    return instances.filter((i) => !this.started.has(i.instance_id) && (i.status === 'running' || i.status === 'draining'));
  }

  /** The `count` children holding the fewest tasks, newest first on a tie. */
  private victims(alive: Child[], instances: InstanceMetrics[], count: number): Child[] {
    const inFlight = new Map(instances.map((i) => [i.instance_id, i.in_flight]));
    return [...alive]
      .sort((a, b) => (inFlight.get(a.id) ?? 0) - (inFlight.get(b.id) ?? 0) || b.startedAt - a.startedAt)
      .slice(0, count);
  }

  private spawnChild(): string {
    const id = `${this.options.idPrefix}-${++this.seq}`;
    this.started.add(id);
    const log = openSync(join(this.options.logDir, `${id}.log`), 'a');
    const proc = spawn(process.execPath, [this.options.main], {
      env: { ...this.options.env, APIARY_INSTANCE_ID: id, OTEL_SERVICE_NAME: 'bot-runtime' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const child: Child = {
      id,
      proc,
      startedAt: this.clock(),
      state: 'running',
      exited: new Promise<void>((resolve) => {
        const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
          if (child.killTimer) clearTimeout(child.killTimer);
          this.children.delete(id);
          const expected = child.state === 'draining';
          const fields = { instance: id, pid: proc.pid, code, signal, ...(error ? { err: error } : {}) };
          if (expected) this.logger.info(fields, 'bot-runtime replica exited after draining');
          else if (!this.stopping) this.logger.warn(fields, 'bot-runtime replica exited unexpectedly; it will be replaced');
          resolve();
        };
        proc.once('exit', (code, signal) => done(code, signal));
        proc.once('error', (error) => {
          if (proc.pid === undefined) done(null, null, error);
        });
      }),
    };
    this.children.set(id, child);
    this.logger.info({ instance: id, pid: proc.pid, main: this.options.main }, 'bot-runtime replica started');
    return id;
  }

  private drain(child: Child, why: string): void {
    if (child.state === 'draining') return;
    child.state = 'draining';
    this.logger.info({ instance: child.id, pid: child.proc.pid, why }, 'draining bot-runtime replica (SIGTERM)');
    child.proc.kill('SIGTERM');
    child.killTimer = setTimeout(() => {
      this.logger.warn({ instance: child.id, pid: child.proc.pid, timeout_ms: this.options.drainTimeoutMs }, 'replica did not exit after draining; SIGKILL');
      child.proc.kill('SIGKILL');
    }, this.options.drainTimeoutMs);
    child.killTimer.unref();
  }
}
