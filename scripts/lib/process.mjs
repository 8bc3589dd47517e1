// Child processes owned by the launcher: each runs in its own process group (so a
// terminal Ctrl-C reaches only the launcher, which then stops them in order), its
// output goes to a log file or to our stdout with a name prefix, and the last lines
// are kept for error reports. A process 'exit' hook SIGKILLs whatever is still
// running if the launcher dies on an unexpected path.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { LineRing, forEachLine, sleep, trySignal } from './util.mjs';

/** @type {Set<ManagedProcess>} every started process not yet known to be gone */
const live = new Set();

/** @type {Set<number>} pids to SIGINT on exit (e.g. the embedded postmaster) */
const exitSigintPids = new Set();

process.on('exit', () => {
  for (const p of live) {
    trySignal(-p.pid, 'SIGKILL');
    trySignal(p.pid, 'SIGKILL');
  }
  for (const pid of exitSigintPids) trySignal(pid, 'SIGINT');
});

/**
 * Register a pid that gets SIGINT if the launcher exits while it still runs (used for
 * PostgreSQL, whose SIGINT is a fast, safe shutdown).
 * @param {number} pid
 * @returns {() => void} call to unregister
 */
export function sigintOnExit(pid) {
  exitSigintPids.add(pid);
  return () => exitSigintPids.delete(pid);
}

/**
 * @typedef {object} OutputOptions
 * @property {'prefix' | 'file' | 'inherit'} mode `prefix`: each line to our stdout as
 *   `<name> | line` (stderr lines to our stderr); `file`: to `file`; `inherit`: the
 *   child shares our stdout/stderr (no tail kept)
 * @property {string} [file] log file path, required for `file` (truncated first)
 * @property {number} [prefixWidth] pad names to this width in `prefix` mode
 */

/**
 * A started child process.
 */
export class ManagedProcess {
  /**
   * Start `command args` detached (own process group) with piped output.
   * @param {object} options
   * @param {string} options.name short name used in messages and prefixes
   * @param {string} options.command executable
   * @param {string[]} options.args arguments
   * @param {NodeJS.ProcessEnv} [options.env] environment (default: ours)
   * @param {string} [options.cwd] working directory
   * @param {OutputOptions} options.output where the output goes
   * @throws {Error} when the executable cannot be started (ENOENT, EACCES) — thrown
   *   synchronously only for invalid arguments; spawn failures resolve `exited` with
   *   `error` set
   */
  constructor({ name, command, args, env, cwd, output }) {
    this.name = name;
    this.ring = new LineRing(40);
    /** @type {fs.WriteStream | undefined} */
    this.logStream = undefined;
    /** @type {string | undefined} */
    this.logFile = output.mode === 'file' ? output.file : undefined;
    /** Whether the launcher asked it to stop (its exit is then expected). */
    this.stopping = false;
    /** @type {{ code: number | null, signal: NodeJS.Signals | null, error?: Error } | null} */
    this.exitInfo = null;

    const inherit = output.mode === 'inherit';
    this.child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      detached: true,
      stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
    });
    /** @type {number} */
    this.pid = this.child.pid ?? -1;
    /** Command line as /proc will show it (for reaping after a launcher crash). */
    this.cmdline = [command, ...args].join(' ');
    if (this.pid > 0) live.add(this);

    if (output.mode === 'file') {
      this.logStream = fs.createWriteStream(/** @type {string} */ (output.file), { flags: 'w' });
    }
    if (!inherit) {
      const width = output.prefixWidth ?? name.length;
      const label = `${name.padEnd(width)} | `;
      const sink = (target) => (line) => {
        this.ring.push(line);
        if (this.logStream) this.logStream.write(line + '\n');
        else target.write(label + line + '\n');
      };
      forEachLine(/** @type {import('node:stream').Readable} */ (this.child.stdout), sink(process.stdout));
      forEachLine(/** @type {import('node:stream').Readable} */ (this.child.stderr), sink(process.stderr));
    }

    /** Resolves once the process has exited (or failed to start); never rejects. */
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        // spawn failure: no 'exit' follows
        if (this.pid <= 0) {
          this.exitInfo = { code: null, signal: null, error };
          live.delete(this);
          resolve(this.exitInfo);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // nothing left in its group: forget it, so the exit hook never signals a reused pid
        if (!trySignal(-this.pid, 0)) live.delete(this);
        resolve(this.exitInfo);
      });
    });
  }

  /** Whether the process is still running. */
  get running() {
    return this.exitInfo === null;
  }

  /**
   * Describe how it ended, e.g. `exit code 1` or `signal SIGKILL`.
   * @returns {string}
   */
  describeExit() {
    const e = this.exitInfo;
    if (!e) return 'still running';
    if (e.error) return `failed to start: ${e.error.message}`;
    return e.signal ? `killed by signal ${e.signal}` : `exit code ${e.code}`;
  }

  /**
   * Last lines of its output (from memory; the log file holds all of it).
   * @param {number} [n] default 25
   * @returns {string}
   */
  tail(n = 25) {
    return this.ring.tail(n);
  }

  /**
   * Stop it: `signal` to the process, up to `timeoutMs` for it to exit, then SIGKILL
   * to its whole process group. Any other member of its group still alive after it
   * exited gets SIGTERM, 5 s, then SIGKILL. Safe to call more than once.
   * @param {object} [options]
   * @param {NodeJS.Signals} [options.signal] default SIGTERM
   * @param {number} [options.timeoutMs] default 15,000 ms
   * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} how it ended
   */
  async stop({ signal = 'SIGTERM', timeoutMs = 15_000 } = {}) {
    this.stopping = true;
    if (this.running) {
      trySignal(this.pid, signal);
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        sleep(timeoutMs).then(() => true),
      ]);
      if (timedOut) {
        trySignal(-this.pid, 'SIGKILL');
        trySignal(this.pid, 'SIGKILL');
        await Promise.race([this.exited, sleep(5000)]);
      }
    }
    await this.#reapGroup();
    live.delete(this);
    await this.#closeLog();
    return /** @type {{ code: number | null, signal: NodeJS.Signals | null }} */ (this.exitInfo ?? { code: null, signal: null });
  }

  /**
   * SIGKILL the process and its group at once (second Ctrl-C).
   * @returns {void}
   */
  kill() {
    this.stopping = true;
    trySignal(-this.pid, 'SIGKILL');
    trySignal(this.pid, 'SIGKILL');
  }

  /** Stop leftover members of the process group (children the child left behind). */
  async #reapGroup() {
    if (this.pid <= 0 || !trySignal(-this.pid, 0)) return;
    trySignal(-this.pid, 'SIGTERM');
    for (let i = 0; i < 50 && trySignal(-this.pid, 0); i++) await sleep(100);
    trySignal(-this.pid, 'SIGKILL');
  }

  async #closeLog() {
    const s = this.logStream;
    if (!s || s.closed || s.writableEnded) return;
    // let the pipes drain what the process wrote last
    await sleep(20);
    await new Promise((resolve) => s.end(resolve));
  }
}

/**
 * Run a command to completion as a managed process (used for the build).
 * @param {ConstructorParameters<typeof ManagedProcess>[0]} options see {@link ManagedProcess}
 * @param {AbortSignal} [signal] abort: stop the process (SIGTERM, 5 s, SIGKILL) and reject
 * @returns {Promise<ManagedProcess>} the finished process (check `exitInfo.code`)
 * @throws {unknown} the signal's abort reason when aborted
 */
export async function runToCompletion(options, signal) {
  const p = new ManagedProcess(options);
  const onAbort = () => void p.stop({ timeoutMs: 5000 });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await p.exited;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  await p.stop();
  signal?.throwIfAborted();
  return p;
}
