// The demo's AI part (docs/ai-work.md): when APIARY_LLM_BASE_URL registers an
// OpenAI-compatible provider at start-up (task-router, "Providers from the
// environment"), one `llm.chat` task per SpamAssassin group summarises a sample of
// its subjects; then the spend is printed from GET /costs.
import { ApiClient, waitForTasks } from './api.mjs';
import { LauncherError, say, sleep } from './util.mjs';

/** Subjects per group sent to the model. */
const SUBJECTS = 25;

/**
 * @param {string} text a whole mail
 * @returns {string} its Subject header, or its first line
 */
function subjectOf(text) {
  const m = /^Subject:[ \t]*(.*)$/im.exec(text);
  return (m ? m[1] : text.split('\n', 1)[0]).trim().slice(0, 160);
}

/**
 * Runs the AI part when a provider is configured.
 * @param {object} o
 * @param {string} o.baseUrl gateway URL
 * @param {string} o.apiKey bearer key
 * @param {AbortSignal} [o.signal]
 * @param {import('./demo.mjs').Mail[]} o.mails the corpus
 * @param {number} [o.timeoutMs] default 300,000 ms
 * @returns {Promise<object | null>} the summaries and the cost table; null when no provider is configured
 * @throws {LauncherError} when a summary task fails
 */
export async function runAiDemo({ baseUrl, apiKey, signal, mails, timeoutMs = 300_000 }) {
  if (!process.env.APIARY_LLM_BASE_URL) return null;
  const client = new ApiClient({ baseUrl, apiKey, signal });
  const groups = [...new Set(mails.map((m) => m.group))];
  say(`demo: AI part: one llm.chat per group (${groups.length}) on the provider at APIARY_LLM_BASE_URL`);
  const tasks = groups.map((g) => {
    const subjects = mails.filter((m) => m.group === g).slice(0, SUBJECTS).map((m) => `- ${subjectOf(m.text)}`);
    return {
      type: 'llm.chat',
      data: {
        messages: [
          { role: 'system', content: 'You summarise mailboxes in two sentences and say whether they look like spam.' },
          { role: 'user', content: `Mailbox "${g}", ${subjects.length} subjects:\n${subjects.join('\n')}` },
        ],
        max_tokens: 120,
        temperature: 0,
      },
    };
  });
  const startedAt = Date.now();
  const { task_ids } = await client.submitBatch(tasks);
  const done = await waitForTasks(client, task_ids, { deadline: Date.now() + timeoutMs, concurrency: 8, signal });
  const summaries = task_ids.map((id, i) => ({ group: groups[i], task: done.get(id) }));
  const failed = summaries.filter((s) => s.task.status !== 'succeeded');
  if (failed.length) throw new LauncherError(`demo: AI part: ${failed.length} summary task(s) failed, e.g. ${JSON.stringify(failed[0].task.error)}`);
  // Memory stores results in batches: wait until it counted these.
  let costs;
  const until = Date.now() + 15_000;
  do {
    // This run's window only (the launcher's database keeps earlier runs).
    const windowS = Math.ceil((Date.now() - startedAt) / 1000) + 1;
    costs = await client.request('GET', `/costs?group_by=model&window_s=${windowS}`);
    const counted = costs.groups.filter((g) => g.key !== null).reduce((n, g) => n + g.tasks, 0);
    if (counted >= task_ids.length || Date.now() > until) break;
    await sleep(200, signal);
  } while (true);
  const out = ['', 'Apiary demo, AI part: one llm.chat summary per group', ''];
  for (const s of summaries) {
    const r = s.task.result;
    out.push(`  ${s.group} (${r.service}/${r.model}, ${r.usage.total_tokens} tokens, $${r.cost_usd}):`);
    out.push(`    ${String(r.text).replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  out.push('');
  out.push('  cost by model (GET /costs?group_by=model)');
  out.push(`  ${'model'.padEnd(24)}${'tasks'.padStart(8)}${'prompt'.padStart(10)}${'completion'.padStart(12)}${'USD'.padStart(14)}`);
  for (const g of costs.groups.filter((x) => x.key !== null)) {
    out.push(`  ${String(g.key).padEnd(24)}${String(g.tasks).padStart(8)}${String(g.prompt_tokens).padStart(10)}${String(g.completion_tokens).padStart(12)}${g.cost_usd.toFixed(6).padStart(14)}`);
  }
  out.push(`  ${'total'.padEnd(54)}${costs.total_cost_usd.toFixed(6).padStart(14)}`);
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  return {
    summaries: summaries.map((s) => ({ group: s.group, model: s.task.result.model, tokens: s.task.result.usage.total_tokens, cost_usd: s.task.result.cost_usd })),
    total_cost_usd: costs.total_cost_usd,
  };
}
