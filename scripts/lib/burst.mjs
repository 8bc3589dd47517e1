// The burst demo (issue 7): 20,000 `sleep` tasks at once against a suite whose
// bot-runtime replicas all belong to the scaler's local driver. It prints a timeline
// while the scaler adds replicas, the backlog drains and, after the cooldown, the
// replica count falls back; then checks that every task succeeded exactly once.
import { ApiClient, mapLimit } from './api.mjs';
import { LauncherError, round, say, sleep } from './util.mjs';

/**
 * Environment the suite's scaler (and its replicas) run with in the burst demo. The
 * default rules of the `auto` policy decide: cpu and utilisation 75/25 %, backlog
 * drain time above `APIARY_SCALER_DRAIN_TARGET_S`; evaluated over 5 s, 10 s cooldown.
 * @param {{ maxReplicas: number, concurrency: number }} o
 * @returns {Record<string, string>}
 */
export function burstEnv({ maxReplicas, concurrency }) {
  return {
    APIARY_SCALER_DRIVER: 'local',
    APIARY_SCALER_POLICY: 'auto',
    APIARY_SCALER_MIN_REPLICAS: '1',
    APIARY_SCALER_MAX_REPLICAS: String(maxReplicas),
    APIARY_SCALER_INTERVAL_MS: '1000',
    APIARY_SCALER_STARTUP_WAIT_MS: '1000',
    APIARY_SCALER_EVALUATION_S: '5',
    APIARY_SCALER_COOLDOWN_S: '10',
    APIARY_SCALER_DRAIN_TARGET_S: '30',
    APIARY_SCALER_BACKLOG_WINDOW_S: '5',
    APIARY_REPLICA_HEARTBEAT_MS: '1000',
    APIARY_RUNTIME_CONCURRENCY: String(concurrency),
  };
}

/**
 * @typedef {object} BurstReport
 * @property {boolean} ok every task succeeded at its first attempt, replicas rose and fell back
 * @property {number} tasks
 * @property {number} succeeded
 * @property {number} retried tasks that needed more than one attempt
 * @property {number} peak_replicas
 * @property {number} drain_s first submit → last task finished
 * @property {number | null} back_to_min_s first submit → back at the minimum replica count
 * @property {number} tasks_per_s tasks ÷ drain_s
 * @property {{ action: string, from: number, to: number, at_s: number, reason: string }[]} events
 * @property {string[]} problems
 */

/**
 * Run the burst against a ready suite: wait for the scaler's first replica, submit
 * `tasks` sleep tasks of `sleepMs` in batches of 10,000, print a timeline every
 * second (replicas running/draining, desired, waiting (brain queue + JetStream), in the
 * brain's dispatch window, done (GET /batches/{id}), tasks/s, scaling events), then
 * verify every task (GET /tasks?batch_id=...).
 * @param {object} o
 * @param {string} o.baseUrl
 * @param {string} o.apiKey
 * @param {AbortSignal} [o.signal]
 * @param {number} o.tasks default 20,000
 * @param {number} o.sleepMs default 250
 * @param {number} o.timeoutMs from the first submit until back at the minimum
 * @returns {Promise<BurstReport>}
 * @throws {LauncherError} when the scaler starts no replica or the run times out
 */
export async function runBurst({ baseUrl, apiKey, signal, tasks = 20_000, sleepMs = 250, timeoutMs = 600_000 }) {
  const client = new ApiClient({ baseUrl, apiKey, signal });
  const get = (path) => client.request('GET', path);
  const status0 = await get('/scaling/status');
  say(`burst: scaler driver ${status0.driver}, policy ${status0.policy}, replicas ${status0.bounds.min}..${status0.bounds.max}; rules:`);
  for (const r of Object.values(status0.scaling_rules)) {
    say(`  ${r.name}: ${r.metric} up > ${r.scale_up_threshold}, down < ${r.scale_down_threshold}, evaluation ${r.evaluation_period} s, cooldown ${r.cooldown_period} s`);
  }
  const min = status0.bounds.min;

  say(`burst: submitting ${tasks} sleep tasks of ${sleepMs} ms`);
  const t0 = Date.now();
  const bodies = [];
  for (let i = 0; i < tasks; i += 10_000) {
    bodies.push(JSON.stringify({ tasks: Array.from({ length: Math.min(10_000, tasks - i) }, (_, k) => ({ type: 'sleep', data: { ms: sleepMs, n: i + k } })) }));
  }
  const batches = await mapLimit(bodies, 2, (b) => client.submitBatch(b));
  say(`burst: submitted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const header = '     t   replicas  draining  desired   waiting  in window      done   tasks/s  scaling';
  process.stdout.write(header + '\n');
  /** @type {BurstReport['events']} */
  const events = [];
  const seen = new Set();
  let peak = 0;
  let drainedAt = null;
  let backAt = null;
  let scaledDown = false;
  let lastDone = 0;
  let lastT = t0;
  const deadline = t0 + timeoutMs;
  while (Date.now() < deadline) {
    const [m, history, status, ...progress] = await Promise.all([
      get('/scaling/metrics'),
      get('/scaling/history?limit=10'),
      get('/scaling/status'),
      ...batches.map((b) => get(`/batches/${b.batch_id}?limit=1`)),
    ]);
    const now = Date.now();
    const running = m.totals.running;
    const draining = m.totals.draining;
    peak = Math.max(peak, running);
    const b = m.backlog ?? { queued: 0, retrying: 0, in_flight: 0 };
    const waiting = m.values.queue_depth ?? 0;
    const done = progress.reduce((a, p) => a + p.completed_tasks, 0);
    const notDone = tasks - done;
    const rate = ((done - lastDone) * 1000) / Math.max(1, now - lastT);
    lastDone = done;
    lastT = now;
    const fresh = history.events.filter((e) => !seen.has(e.id)).reverse();
    for (const e of fresh) {
      seen.add(e.id);
      if (e.action === 'scale_down') scaledDown = true;
      const reason = e.reasoning.filter((r) => r.type === 'target' || r.type === 'policy' || r.type === 'vote' || r.type === 'predictive').map((r) => r.reason).join('; ');
      events.push({ action: e.action, from: e.old_instances, to: e.new_instances, at_s: round((Date.parse(e.at) - t0) / 1000, 1), reason });
    }
    const desired = status.desired_instances;
    const label = fresh.map((e) => `${e.action} ${e.old_instances}→${e.new_instances}`).join(', ');
    process.stdout.write(
      [((now - t0) / 1000).toFixed(0).padStart(6), String(running).padStart(10), String(draining).padStart(9), String(desired).padStart(8), String(waiting).padStart(9),
        String(b.in_flight).padStart(11), String(done).padStart(9), rate.toFixed(0).padStart(9), `  ${label}`].join('') + '\n',
    );
    if (notDone === 0 && drainedAt === null) drainedAt = now;
    if (drainedAt !== null && scaledDown && running === min && draining === 0) {
      backAt = now;
      break;
    }
    await sleep(1000, signal);
  }
  if (backAt === null) {
    throw new LauncherError(`burst: ${drainedAt === null ? 'the backlog did not drain' : 'the replica count did not fall back'} within ${timeoutMs / 1000} s`);
  }

  // Every task: status and attempts, through the batch listing.
  let succeeded = 0;
  let retried = 0;
  let other = 0;
  for (const batch of batches) {
    let cursor = null;
    do {
      const page = await get(`/tasks?batch_id=${batch.batch_id}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const t of page.tasks) {
        if (t.status === 'succeeded') succeeded++;
        else other++;
        if (t.attempts > 1) retried++;
      }
      cursor = page.next_cursor;
    } while (cursor);
  }
  const drainS = (drainedAt - t0) / 1000;
  const problems = [];
  if (succeeded !== tasks) problems.push(`${succeeded} of ${tasks} tasks succeeded (${other} in another status)`);
  if (retried) problems.push(`${retried} task(s) needed more than one attempt`);
  if (peak <= min) problems.push('the replica count never rose');
  const report = {
    ok: problems.length === 0,
    tasks,
    succeeded,
    retried,
    peak_replicas: peak,
    drain_s: round(drainS, 1),
    back_to_min_s: round((backAt - t0) / 1000, 1),
    tasks_per_s: round(tasks / drainS, 1),
    events,
    problems,
  };
  const out = ['', `Apiary burst demo: ${tasks} sleep tasks of ${sleepMs} ms, scaler local driver`, ''];
  out.push(`  succeeded          ${succeeded} of ${tasks} (${retried} retried)`);
  out.push(`  replicas           ${min} → peak ${peak} → ${min}`);
  out.push(`  backlog drained    ${report.drain_s} s after the first submit (${report.tasks_per_s} tasks/s)`);
  out.push(`  back to ${min} replica  ${report.back_to_min_s} s after the first submit`);
  out.push('  scaling events:');
  for (const e of events) out.push(`    +${String(e.at_s).padStart(5)} s  ${e.action} ${e.from} → ${e.to}: ${e.reason}`);
  if (problems.length) out.push('', '  PROBLEMS:', ...problems.map((p) => `   - ${p}`));
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ demo: 'burst', ...report }) + '\n');
  return report;
}
