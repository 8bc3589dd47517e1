// Small helpers shared by the launcher (scripts/apiary.mjs) and the benches.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';

/** Absolute path of the repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directory of local state: `.apiary/` under the repository root (git-ignored). */
export const STATE_DIR = path.join(REPO_ROOT, '.apiary');

/** Directory of log files written by the launcher: `.apiary/logs/`. */
export const LOG_DIR = path.join(STATE_DIR, 'logs');

/**
 * Error whose message is meant for the operator as it is (no stack trace printed).
 * The launcher prints `message` and, when present, `detail` (e.g. a log tail).
 */
export class LauncherError extends Error {
  /**
   * @param {string} message one or two sentences: what failed and what to do
   * @param {string} [detail] extra text printed below the message (log tail, body)
   */
  constructor(message, detail) {
    super(message);
    this.name = 'LauncherError';
    /** @type {string | undefined} */
    this.detail = detail;
  }
}

/**
 * Write one status line of the launcher to stderr, prefixed with `[apiary]`.
 * stdout stays free for reports and the bench's JSON line.
 * @param {string} message text, without trailing newline
 * @returns {void}
 */
export function say(message) {
  if (!process.stderr.destroyed) process.stderr.write(`[apiary] ${message}\n`);
}

// If whoever reads our output goes away (a closed terminal, `| head`, a killed `tee`),
// writes fail with EPIPE. Without a listener that error would be thrown again and again
// from every later write, and the launcher would spin instead of stopping its children.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EPIPE') throw err;
    stream.destroy();
  });
}

/**
 * Sleep, waking early (with a rejection) when `signal` aborts.
 * @param {number} ms milliseconds
 * @param {AbortSignal} [signal] abort signal
 * @returns {Promise<void>}
 * @throws {unknown} the signal's abort reason if it aborts first
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Ask the kernel for a TCP port that is free right now on `host`.
 * (Another process may take it before we bind it; callers retry where that matters.)
 * @param {string} [host] interface to bind, default `127.0.0.1`
 * @returns {Promise<number>} port number 1024..65535
 */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether nothing listens on `host:port` (by trying to bind it briefly).
 * @param {number} port TCP port
 * @param {string} [host] default `127.0.0.1`
 * @returns {Promise<boolean>}
 */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Whether a TCP connection to `host:port` succeeds within `timeoutMs`.
 * @param {string} host
 * @param {number} port
 * @param {number} [timeoutMs] default 1,000 ms
 * @returns {Promise<boolean>}
 */
export function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Fixed-size buffer of the last lines written by a process.
 */
export class LineRing {
  /** @param {number} [size] number of lines kept, default 40 */
  constructor(size = 40) {
    this.size = size;
    /** @type {string[]} */
    this.lines = [];
  }

  /** @param {string} line one line without newline */
  push(line) {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  /**
   * @param {number} [n] how many lines, default all kept
   * @returns {string} the last `n` lines joined with newlines
   */
  tail(n = this.size) {
    return this.lines.slice(-n).join('\n');
  }
}

/**
 * Call `onLine` for each complete line read from `stream` (UTF-8), and for the
 * unterminated rest when the stream ends.
 * @param {import('node:stream').Readable} stream
 * @param {(line: string) => void} onLine
 * @returns {void}
 */
export function forEachLine(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, nl).replace(/\r$/, ''));
      rest = rest.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/**
 * Last lines of a text file (reads at most the last 64 KiB).
 * @param {string} file path
 * @param {number} [lines] default 30
 * @returns {string} the lines, or '' when the file is missing
 */
export function tailFile(file, lines = 30) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const { size } = fs.fstatSync(fd);
      const len = Math.min(size, 65536);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/**
 * Indent every line of `text` (for log tails in error messages).
 * @param {string} text
 * @param {string} [prefix] default four spaces
 * @returns {string}
 */
export function indent(text, prefix = '    ') {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/**
 * Whether a process with this pid exists (zombies included).
 * @param {number} pid
 * @returns {boolean}
 */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/**
 * Command line of a live process from `/proc` (Linux only).
 * @param {number} pid
 * @returns {string | null} arguments joined by single spaces, or null when unknown
 */
export function readCmdline(pid) {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter(Boolean).join(' ');
  } catch {
    return null;
  }
}

/**
 * Send a signal, ignoring "no such process".
 * @param {number} pid a pid, or a negative process-group id
 * @param {NodeJS.Signals | 0} signal
 * @returns {boolean} whether the signal was delivered
 */
export function trySignal(pid, signal) {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Nearest-rank percentile of numbers.
 * @param {number[]} sorted ascending values (not modified)
 * @param {number} p percentile in 0..100
 * @returns {number} the value, or NaN when `sorted` is empty
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Round to `digits` decimals (for reports).
 * @param {number} x
 * @param {number} [digits] default 2
 * @returns {number}
 */
export function round(x, digits = 2) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Commander parser of a positive integer option value.
 * @param {string} name option name used in the error, e.g. `--runtimes`
 * @returns {(value: string) => number} parser
 * @throws {InvalidArgumentError} from the parser when the value is not an integer >= 1
 *   (commander reports it as an option error with the usage)
 */
export function positiveInt(name) {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a whole number >= 1, got '${value}'`);
    }
    return n;
  };
}

/**
 * Open (create or truncate) a log file under `.apiary/logs/`, creating the folder.
 * @param {string} name file name, e.g. `nats.log`
 * @param {'w' | 'a'} [flags] truncate (default) or append
 * @returns {{ file: string, stream: fs.WriteStream }}
 */
export function openLog(name, flags = 'w') {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const file = path.join(LOG_DIR, name);
  return { file, stream: fs.createWriteStream(file, { flags }) };
}

/**
 * End a write stream and wait until its data is flushed.
 * @param {fs.WriteStream | undefined} stream
 * @returns {Promise<void>}
 */
export function closeStream(stream) {
  return new Promise((resolve) => {
    if (!stream || stream.closed || stream.destroyed) {
      resolve();
      return;
    }
    stream.end(() => resolve());
  });
}

/**
 * Path relative to the repository root, for messages.
 * @param {string} p absolute path
 * @returns {string}
 */
export function rel(p) {
  const r = path.relative(REPO_ROOT, p);
  return r.startsWith('..') ? p : r;
}
