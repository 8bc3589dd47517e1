// Run records: `.apiary/run/<launcher pid>.json` lists the processes and temp dirs a
// launcher started. A launcher killed with SIGKILL cannot stop its children; the next
// launcher finds its record, sees that pid is gone, and stops what it left behind
// (only processes whose /proc command line still matches the record, so a reused pid
// is never touched).
import fs from 'node:fs';
import path from 'node:path';
import { STATE_DIR, isAlive, readCmdline, say, sleep, trySignal } from './util.mjs';

const RUN_DIR = path.join(STATE_DIR, 'run');

/**
 * @typedef {object} RunEntry
 * @property {string} name e.g. `gateway`, `nats`, `postgres`
 * @property {number} pid
 * @property {string | null} cmdline expected /proc command line (space-joined)
 * @property {'group' | 'postgres'} kind `group`: SIGTERM then SIGKILL its process
 *   group; `postgres`: SIGINT (fast shutdown) to the postmaster
 */

/**
 * The record of this launcher process.
 */
export class RunRecord {
  constructor() {
    this.file = path.join(RUN_DIR, `${process.pid}.json`);
    this.data = {
      launcher: { pid: process.pid, cmdline: readCmdline(process.pid) },
      started_at: new Date().toISOString(),
      /** @type {RunEntry[]} */
      processes: [],
      /** @type {string[]} */
      temp_dirs: [],
    };
  }

  /**
   * Add a process and save the record.
   * @param {RunEntry} entry
   * @returns {void}
   */
  addProcess(entry) {
    this.data.processes.push(entry);
    this.#save();
  }

  /**
   * Add a temp dir to remove if this launcher dies, and save.
   * @param {string} dir absolute path
   * @returns {void}
   */
  addTempDir(dir) {
    this.data.temp_dirs.push(dir);
    this.#save();
  }

  /**
   * Delete the record (after a clean shutdown).
   * @returns {void}
   */
  remove() {
    fs.rmSync(this.file, { force: true });
  }

  #save() {
    fs.mkdirSync(RUN_DIR, { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(this.data, null, 2));
  }
}

/**
 * Pids of the processes recorded by launchers that are still running (other than us).
 * @returns {Set<number>}
 */
export function pidsOfLiveLaunchers() {
  const pids = new Set();
  for (const rec of readRecords()) {
    if (rec.data.launcher.pid !== process.pid && launcherAlive(rec.data)) {
      for (const p of rec.data.processes) pids.add(p.pid);
    }
  }
  return pids;
}

/**
 * Stop what launchers that died without cleaning up left behind, and delete their
 * records. Prints one line per process stopped.
 * @returns {Promise<number>} number of processes stopped
 */
export async function reapStaleRuns() {
  let stopped = 0;
  for (const rec of readRecords()) {
    const { data, file } = rec;
    if (data.launcher.pid === process.pid || launcherAlive(data)) continue;
    for (const p of data.processes) {
      const now = readCmdline(p.pid);
      if (!now || !p.cmdline || now !== p.cmdline) continue;
      say(`stopping ${p.name} (pid ${p.pid}) left behind by launcher pid ${data.launcher.pid}`);
      if (p.kind === 'postgres') {
        trySignal(p.pid, 'SIGINT');
        for (let i = 0; i < 150 && isAlive(p.pid); i++) await sleep(100);
        if (isAlive(p.pid)) trySignal(p.pid, 'SIGQUIT');
      } else {
        trySignal(-p.pid, 'SIGTERM');
        trySignal(p.pid, 'SIGTERM');
        for (let i = 0; i < 100 && (trySignal(-p.pid, 0) || isAlive(p.pid)); i++) await sleep(100);
        trySignal(-p.pid, 'SIGKILL');
        trySignal(p.pid, 'SIGKILL');
      }
      stopped++;
    }
    for (const dir of data.temp_dirs ?? []) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(file, { force: true });
  }
  return stopped;
}

/** @returns {{ file: string, data: RunRecord['data'] }[]} */
function readRecords() {
  let names = [];
  try {
    names = fs.readdirSync(RUN_DIR).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out = [];
  for (const n of names) {
    const file = path.join(RUN_DIR, n);
    try {
      out.push({ file, data: JSON.parse(fs.readFileSync(file, 'utf8')) });
    } catch {
      fs.rmSync(file, { force: true });
    }
  }
  return out;
}

/** @param {RunRecord['data']} data */
function launcherAlive(data) {
  const { pid, cmdline } = data.launcher;
  if (!isAlive(pid)) return false;
  const now = readCmdline(pid);
  // Without /proc we cannot tell a reused pid apart: assume it is alive (safe side).
  return now === null || cmdline === null || now === cmdline;
}
