#!/usr/bin/env node
// `npm test`: builds the apps (end-to-end specs run the real build output), runs
// every Jest project (unit, integration against real NATS and PostgreSQL, end to
// end through the gateway), and ends with one line: `N passed, N failed[, N skipped]`.
// Extra arguments go to Jest (e.g. `npm test -- apps/orchestrator-brain`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
const args = process.argv.slice(2);

if (process.env.APIARY_TEST_SKIP_BUILD !== '1') {
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--parallel=2', '--output-style=static'], { cwd: root, env, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('build failed; not running tests');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

mkdirSync(join(root, 'reports'), { recursive: true });
const report = join(root, 'reports', 'jest.json');
rmSync(report, { force: true });
const jest = spawnSync(
  'npx',
  ['jest', '-c', 'jest.config.cjs', '--json', `--outputFile=${report}`, '--maxWorkers=2', ...args],
  { cwd: root, env, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = r.numPendingTests + (r.numTodoTests ?? 0);
  if (r.numTotalTests === 0) failed += 1; // a run that tested nothing is a failure
} catch {
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(jest.status === 0 && failed === 0 ? 0 : 1);
