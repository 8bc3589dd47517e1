#!/usr/bin/env node
// Apiary's local launcher: one command starts NATS (JetStream), PostgreSQL and the
// seven services, and stops all of them again.
//
//   node scripts/apiary.mjs start [--no-build] [--runtimes N] [--dist DIR]
//   node scripts/apiary.mjs demo  [--no-build] [--runtimes N] [--dist DIR] [--limit N]
//   node scripts/apiary.mjs demo --burst [--no-build] [--tasks N] [--max-replicas N]
//        (20,000 sleep tasks; the scaler's local driver runs every bot-runtime replica)
//   node scripts/apiary.mjs up    [--print-env]        (NATS + PostgreSQL only)
//
// Environment: NATS_URL and DATABASE_URL use external servers instead of the local
// ones; APIARY_HTTP_PORT (default 8080 for start, a free port for demo),
// APIARY_API_KEYS (default: one key generated per run), APIARY_LOG_LEVEL,
// OTEL_TRACES_EXPORTER. State and logs live in .apiary/ (git-ignored).
import path from 'node:path';
import { Command } from 'commander';
import { runDemo } from './lib/demo.mjs';
import { burstEnv, runBurst } from './lib/burst.mjs';
import { redactUrl } from './lib/postgres.mjs';
import { DEFAULT_DIST } from './lib/services.mjs';
import { printError, headlessSuiteOptions, runSuite } from './lib/suite.mjs';
import { LOG_DIR, positiveInt, rel, say } from './lib/util.mjs';


/**
 * Options shared by `start` and `demo`.
 * @param {Command} cmd
 * @returns {Command}
 */
function suiteOptions(cmd) {
  return cmd
    .option('--no-build', 'skip `nx run-many -t build` and use what is in the dist folder')
    .option('--dist <dir>', 'folder holding <app>/main.js', DEFAULT_DIST)
    .option('--runtimes <n>', 'bot-runtime replicas', positiveInt('--runtimes'), 2);
}

/**
 * Wait until the signal aborts (the `start` and `up` commands run until Ctrl-C).
 * @param {AbortSignal} signal
 * @returns {Promise<never>}
 */
function untilAborted(signal) {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const program = new Command();
program
  .name('apiary')
  .description('Run the Apiary suite locally: NATS + PostgreSQL + the seven services.')
  .showHelpAfterError();

suiteOptions(program.command('start'))
  .description('build, start everything in the foreground, stop cleanly on Ctrl-C (SIGINT/SIGTERM)')
  .action(async (opts) => {
    const { code } = await runSuite(
      {
        build: opts.build,
        dist: path.resolve(opts.dist),
        runtimes: opts.runtimes,
        services: true,
        output: 'prefix',
        logLevel: process.env.APIARY_LOG_LEVEL || 'info',
        httpPort: 'fixed',
        interruptExitCode: 0,
      },
      async (suite, signal) => {
        const lines = [
          '',
          `Apiary is running: ${suite.baseUrl}  (health: ${suite.baseUrl}/health)`,
          suite.apiKeyGenerated
            ? `API key for this run: ${suite.apiKey}\n  (generated; set APIARY_API_KEYS to choose your own)`
            : 'API keys: from APIARY_API_KEYS',
          `  curl -H 'Authorization: Bearer <key>' ${suite.baseUrl}/tasks/<id>`,
          `NATS_URL=${suite.natsUrl}`,
          `DATABASE_URL=${redactUrl(suite.databaseUrl)}`,
          'Press Ctrl-C to stop.',
          '',
        ];
        process.stdout.write(lines.join('\n') + '\n');
        return untilAborted(signal);
      },
    );
    process.exit(code);
  });

suiteOptions(program.command('demo'))
  .description('start everything, score 6,046 SpamAssassin mails, print a report, stop (--burst: the autoscaling demo)')
  .option('--limit <n>', 'submit only the first N mails', positiveInt('--limit'))
  .option('--timeout <s>', 'seconds from the first submit until all tasks must be finished (--burst: until the replica count is back at its minimum; default 600)', positiveInt('--timeout'), 150)
  .option('--burst', 'autoscaling demo: no bot-runtime is started by the launcher; the scaler (local driver, auto policy) starts them, a burst of sleep tasks makes it add replicas, the backlog drains, and after the cooldown it scales back; prints the timeline')
  .option('--tasks <n>', '--burst: number of sleep tasks', positiveInt('--tasks'), 20_000)
  .option('--sleep-ms <n>', '--burst: duration of each sleep task, ms', positiveInt('--sleep-ms'), 250)
  .option('--max-replicas <n>', '--burst: most bot-runtime replicas the scaler may start', positiveInt('--max-replicas'), 8)
  .action(async (opts, cmd) => {
    if (opts.burst) {
      // Every replica belongs to the scaler: the launcher starts none, and the
      // scaler's settings (unless set in the environment) come from burstEnv.
      for (const [k, v] of Object.entries({ ...burstEnv({ maxReplicas: opts.maxReplicas, concurrency: 16 }), APIARY_SCALER_LOG_DIR: LOG_DIR })) process.env[k] ??= v;
      const timeoutS = cmd.getOptionValueSource('timeout') === 'default' ? 600 : opts.timeout;
      const { code, value } = await runSuite({ ...headlessSuiteOptions(opts), runtimes: 0 }, (suite, signal) =>
        runBurst({ baseUrl: suite.baseUrl, apiKey: suite.apiKey, signal, tasks: opts.tasks, sleepMs: opts.sleepMs, timeoutMs: timeoutS * 1000 }),
      );
      say(`service logs (the scaler's replicas: bot-runtime-<pid>-<n>.log) are in ${rel(LOG_DIR)}/`);
      if (code === 0 && value && !value.ok) {
        say('burst demo FAILED: ' + value.problems.join('; '));
        process.exit(1);
      }
      if (code === 0) say('burst demo OK');
      process.exit(code);
    }
    const { code, value } = await runSuite(
      headlessSuiteOptions(opts),
      (suite, signal) =>
        runDemo({
          baseUrl: suite.baseUrl,
          apiKey: suite.apiKey,
          signal,
          limit: opts.limit,
          timeoutMs: opts.timeout * 1000,
        }),
    );
    say(`service logs are in ${rel(LOG_DIR)}/`);
    if (code === 0 && value && !value.ok) {
      say('demo FAILED: ' + value.problems.join('; '));
      process.exit(1);
    }
    if (code === 0) say('demo OK');
    process.exit(code);
  });

program
  .command('up')
  .description('start only NATS (JetStream) and PostgreSQL, until Ctrl-C (for running services from an IDE or nx serve)')
  .option('--print-env', 'print NATS_URL and DATABASE_URL as shell assignments on stdout')
  .action(async (opts) => {
    const { code } = await runSuite(
      {
        build: false,
        dist: DEFAULT_DIST,
        runtimes: 0,
        services: false,
        output: 'file',
        logLevel: 'info',
        httpPort: 'free',
        interruptExitCode: 0,
      },
      async (suite, signal) => {
        if (opts.printEnv) {
          process.stdout.write(`export NATS_URL='${suite.natsUrl}'\nexport DATABASE_URL='${suite.databaseUrl}'\n`);
        } else {
          process.stdout.write(`NATS_URL=${suite.natsUrl}\nDATABASE_URL=${redactUrl(suite.databaseUrl)}\n`);
        }
        say('NATS and PostgreSQL are up; press Ctrl-C to stop them');
        return untilAborted(signal);
      },
    );
    process.exit(code);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  printError(err);
  process.exit(1);
}
