#!/usr/bin/env node
// Bench runner: `npm run bench -- <name> [options]` runs bench/<name>.mjs.
// A bench module exports `run(argv) → Promise<{ code, result? }>`; on success its
// result is printed as ONE JSON object on the last line of stdout (progress goes to
// stderr), so `npm run -s bench -- e2e | tail -n 1` is machine-readable.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { printError } from './lib/suite.mjs';
import { REPO_ROOT } from './lib/util.mjs';

const BENCH_DIR = path.join(REPO_ROOT, 'bench');

/**
 * Names of the benches: `bench/<name>.mjs` files.
 * @returns {string[]} sorted names
 */
function knownBenches() {
  try {
    return fs
      .readdirSync(BENCH_DIR)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

const [name, ...rest] = process.argv.slice(2);
const known = knownBenches();
const usage = `usage: npm run bench -- <name> [options]   (known benches: ${known.join(', ') || 'none'}; '<name> --help' for options)`;

if (!name || name === '--help' || name === '-h') {
  process.stderr.write(usage + '\n');
  process.exit(name ? 0 : 2);
}
if (!/^[A-Za-z0-9_-]+$/.test(name) || !known.includes(name)) {
  process.stderr.write(`unknown bench '${name}'. Known benches: ${known.join(', ') || 'none'}\n${usage}\n`);
  process.exit(2);
}

try {
  const mod = await import(pathToFileURL(path.join(BENCH_DIR, `${name}.mjs`)).href);
  if (typeof mod.run !== 'function') throw new Error(`bench/${name}.mjs does not export run(argv)`);
  const { code, result } = await mod.run(rest);
  if (code === 0 && result !== undefined) process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
} catch (err) {
  printError(err);
  process.exit(1);
}
