import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import Sentiment from 'sentiment';
import { waitFor } from '@apiary/testing';
import { useSuite, waitForTasks } from './helpers';

/**
 * CSV datasets end to end (docs/datasets.md): real CSV files shipped by npm
 * packages uploaded through the gateway, processed whole by one `data.process`
 * task and fanned out over a 100-bot swarm; the fan-in equals the single pass.
 */

const DATA = join(__dirname, '../../../node_modules/vega-datasets/data');
const SEATTLE = readFileSync(join(DATA, 'seattle-weather.csv'));
const RIOTS = readFileSync(join(DATA, 'la-riots.csv'));
const MAX_BYTES = 100_000;

const h = useSuite({ APIARY_DATASET_MAX_BYTES: String(MAX_BYTES) });

function upload(name: string, body: RequestInit['body'], headers: Record<string, string> = { 'content-type': 'text/csv' }) {
  return h.suite.http(`/datasets?name=${encodeURIComponent(name)}`, { method: 'POST', headers, body });
}

async function runTask(type: string, data: Record<string, unknown>, botId?: string): Promise<any> {
  const path = botId ? `/bots/${botId}/tasks` : '/tasks';
  const created = await h.suite.http(path, { method: 'POST', json: { type, data } });
  expect(created.status).toBe(201);
  const done = await waitForTasks(h.suite, [created.body.task_id], 60_000);
  return done.get(created.body.task_id);
}

async function batchResult(swarmId: string, batchId: string): Promise<any> {
  let view: any;
  await waitFor('the batch to finish', async () => {
    view = (await h.suite.http(`/swarms/${swarmId}/batches/${batchId}`)).body;
    return view.status === 'done';
  }, 90_000, 200);
  expect(view.failed).toBe(0);
  return view;
}

/** count, nulls, distinct, distinct_approx, min, max, p50 exactly; mean and stddev to 1e-9 relative. */
function expectSameStatistics(merged: Record<string, any>, single: Record<string, any>): void {
  expect(Object.keys(merged)).toEqual(Object.keys(single));
  for (const [name, s] of Object.entries(single)) {
    const { mean, stddev, ...exact } = s;
    const { mean: mm, stddev: ms, ...mexact } = merged[name];
    expect({ name, ...mexact }).toEqual({ name, ...exact });
    for (const [a, b] of [[mm, mean], [ms, stddev]]) {
      if (b === undefined || b === null) expect(a).toBe(b);
      else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
    }
  }
}

describe('datasets and data.process through the gateway', () => {
  let swarmId: string;
  let whole: any;

  it('uploads a real CSV and infers its column types', async () => {
    const r = await upload('seattle-weather.csv', SEATTLE);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'seattle-weather.csv', rows: 1461, bytes: SEATTLE.length });
    expect(r.body.columns.map((c: any) => `${c.name}:${c.type}:${c.nulls}`)).toEqual([
      'date:date:0', 'precipitation:number:0', 'temp_max:number:0', 'temp_min:number:0', 'wind:number:0', 'weather:string:0',
    ]);
    expect((await upload('la-riots.csv', RIOTS)).status).toBe(201);
    const list = await h.suite.http('/datasets');
    expect(list.body.datasets.map((d: any) => d.name)).toEqual(['la-riots.csv', 'seattle-weather.csv']);
    const byName = await h.suite.http('/datasets/seattle-weather.csv?sample_rows=2');
    expect(byName.body.preview).toEqual([
      { date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7, weather: 'drizzle' },
      { date: '2012-01-02', precipitation: 10.9, temp_max: 10.6, temp_min: 2.8, wind: 4.5, weather: 'rain' },
    ]);
    const byId = await h.suite.http(`/datasets/${r.body.dataset_id}`);
    expect(byId.body.preview).toHaveLength(10);
  });

  it('processes the whole dataset with one data.process task (single pass), matching the file', async () => {
    const task = await runTask('data.process', { dataset: 'seattle-weather.csv' });
    expect(task.status).toBe('succeeded');
    whole = task.result;
    expect(whole).toMatchObject({ rows_in: 1461, rows_out: 1461, row_range: { start: 0, end: 1461 }, analysis_type: 'statistics' });
    // Independent check against the file itself.
    const rows: string[][] = parse(SEATTLE).slice(1);
    const temps = rows.map((r) => Number(r[2]));
    const mean = temps.reduce((s, v) => s + v, 0) / temps.length;
    const sd = Math.sqrt(temps.reduce((s, v) => s + (v - mean) ** 2, 0) / (temps.length - 1));
    const t = whole.statistics.temp_max;
    expect(t).toMatchObject({ type: 'number', count: 1461, nulls: 0, min: Math.min(...temps), max: Math.max(...temps), distinct: new Set(temps).size, distinct_approx: false });
    expect(t.mean).toBeCloseTo(mean, 9);
    expect(t.stddev).toBeCloseTo(sd, 9);
    const sorted = [...temps].sort((a, b) => a - b);
    expect(Math.abs(t.p50 - sorted[730]) / sorted[730]).toBeLessThanOrEqual(0.0101);
    expect(whole.statistics.weather).toMatchObject({ count: 1461, distinct: 5, distinct_approx: false });
    expect(whole.statistics.date).toMatchObject({ min: '2012-01-01', max: '2015-12-31', distinct_approx: true });
    expect(Math.abs(whole.statistics.date.distinct - 1461) / 1461).toBeLessThan(0.05);
    expect(whole.methods.p50).toMatch(/ddsketch/);
  });

  it('fans the dataset out over a 100-bot swarm by rows: the merged statistics equal the single pass', async () => {
    const swarm = await h.suite.http('/swarms', {
      method: 'POST',
      json: { name: 'analysts', count: 100, tier: 'standard', capabilities: ['data.process', 'distributed_analysis', 'data_processing'] },
    });
    expect(swarm.status).toBe(201);
    swarmId = swarm.body.id;
    const assigned = await h.suite.http(`/swarms/${swarmId}/tasks`, { method: 'POST', json: { type: 'data.process', data: { dataset: 'seattle-weather.csv', chunk_size: 15 } } });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({ assignments: 98, status: 'distributed' });
    const view = await batchResult(swarmId, assigned.body.batch_id);
    expect(view).toMatchObject({ total: 98, succeeded: 98 });
    const merged = view.result;
    expect(merged).toMatchObject({ rows_in: 1461, rows_out: 1461, chunks: 98, row_range: { start: 0, end: 1461 } });
    expect(merged.merge_state).toBeUndefined();
    expectSameStatistics(merged.statistics, whole.statistics);
    expect(merged.sample).toEqual(whole.sample);
    // The chunks went round-robin to 98 different bots.
    const tasks = await h.suite.http(`/tasks?batch_id=${assigned.body.batch_id}&limit=1000`);
    const ranges = tasks.body.tasks.map((t: any) => t.result.row_range.start).sort((a: number, b: number) => a - b);
    expect(ranges).toEqual(Array.from({ length: 98 }, (_, i) => i * 15));
  });

  it('merges AFINN sentiment of a text column exactly, single pass vs 9 chunks', async () => {
    const single = await runTask('data.process', { dataset: 'la-riots.csv', analysis_type: 'sentiment', column: 'type' });
    const analyzer = new Sentiment();
    const scores = (parse(RIOTS).slice(1) as string[][]).map((r) => analyzer.analyze(r[8]).score);
    expect(single.result.sentiment).toEqual({
      column: 'type', count: 63, nulls: 0, sum: scores.reduce((s, v) => s + v, 0), mean: scores.reduce((s, v) => s + v, 0) / 63,
      positive: scores.filter((s) => s > 0).length, neutral: scores.filter((s) => s === 0).length, negative: scores.filter((s) => s < 0).length,
    });
    const assigned = await h.suite.http(`/swarms/${swarmId}/tasks`, {
      method: 'POST',
      json: { type: 'data.process', data: { dataset: 'la-riots.csv', analysis_type: 'sentiment', column: 'type', chunk_size: 7 } },
    });
    expect(assigned.body.assignments).toBe(9);
    const view = await batchResult(swarmId, assigned.body.batch_id);
    expect(view.result.sentiment).toEqual(single.result.sentiment);
  });

  it('takes the seed shapes: data_processing on a bot with input_file, distributed_analysis on a swarm', async () => {
    const bot = await h.suite.http('/bots', { method: 'POST', json: { name: 'etl', tier: 'advanced', capabilities: ['data_processing'] } });
    const task = await runTask('data_processing', { input_file: 'seattle-weather.csv', operations: ['clean', 'transform', 'analyze'] }, bot.body.id);
    expect(task.status).toBe('succeeded');
    expect(task.result).toMatchObject({ dataset: 'seattle-weather.csv', operations: ['clean', 'transform', 'analyze'], rows_in: 1461, rows_out: 1461 });
    const assigned = await h.suite.http(`/swarms/${swarmId}/tasks`, {
      method: 'POST',
      json: { type: 'distributed_analysis', data: { dataset: 'seattle-weather.csv', analysis_type: 'sentiment', chunk_size: 500 } },
    });
    expect(assigned.body).toMatchObject({ task_type: 'distributed_analysis', assignments: 3 });
    const view = await batchResult(swarmId, assigned.body.batch_id);
    expect(view.result).toMatchObject({ chunks: 3, rows_in: 1461, sentiment: { column: 'weather', count: 1461 } });
  });

  it('refuses malformed CSV naming the line, a missing name, a taken name and an empty body; nothing is listed', async () => {
    const bad = await upload('broken.csv', 'a,b\n1,2\n3,4\n5\n6,7\n');
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_CSV', message: 'line 4: expected 2 fields like the header, got 1' });
    const quote = await upload('quote.csv', 'a,b\n1,"2\n');
    expect(quote.status).toBe(422);
    expect(quote.body.error.message).toMatch(/^line \d+: /);
    const noName = await h.suite.http('/datasets', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a\n1\n' });
    expect(noName.status).toBe(400);
    expect(noName.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(noName.body.error.message).toMatch(/^name/);
    expect((await upload('bad name!', 'a\n1\n')).status).toBe(400);
    const taken = await upload('seattle-weather.csv', 'a\n1\n');
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('DATASET_EXISTS');
    const empty = await upload('empty.csv', '');
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('INVALID_CSV');
    const list = await h.suite.http('/datasets');
    expect(list.body.datasets.map((d: any) => d.name)).toEqual(['la-riots.csv', 'seattle-weather.csv']);
    expect((await h.suite.http('/datasets/broken.csv')).status).toBe(404);
    const [pending] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM datasets WHERE status = 'pending'`);
    expect(Number(pending.n)).toBe(0);
  });

  it('refuses a body over APIARY_DATASET_MAX_BYTES with 413, declared or streamed, storing nothing', async () => {
    const big = Buffer.from('a,b\n' + '123456,654321\n'.repeat(Math.ceil((MAX_BYTES * 1.5) / 14)));
    const declared = await upload('big.csv', big);
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    // Chunked: no Content-Length, the limit trips while streaming.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 8192) controller.enqueue(big.subarray(i, i + 8192));
        controller.close();
      },
    });
    const streamed = await h.suite.http('/datasets?name=big.csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await h.suite.http('/datasets/big.csv')).status).toBe(404);
    await waitFor('the aborted upload to be dropped', async () => (await h.db.query(`SELECT 1 FROM datasets WHERE name = 'big.csv'`)).length === 0, 10_000, 100);
  });

  it('fails a task on an unknown dataset without retrying, and refuses a fan-out over one with 404', async () => {
    const task = await runTask('data.process', { dataset: 'no-such.csv' });
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'DATASET_NOT_FOUND' } });
    const assigned = await h.suite.http(`/swarms/${swarmId}/tasks`, { method: 'POST', json: { type: 'data.process', data: { dataset: 'no-such.csv', chunk_size: 10 } } });
    expect(assigned.status).toBe(404);
    expect(assigned.body.error.code).toBe('DATASET_NOT_FOUND');
    const bad = await h.suite.http('/tasks', { method: 'POST', json: { type: 'data.process', data: { dataset: 'x.csv', operations: ['explode'] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID_TASK_DATA');
  });

  it('deletes a dataset: 404 afterwards', async () => {
    const del = await h.suite.http('/datasets/la-riots.csv', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ deleted: true });
    expect((await h.suite.http('/datasets/la-riots.csv')).status).toBe(404);
    expect((await h.suite.http('/datasets/la-riots.csv', { method: 'DELETE' })).status).toBe(404);
    const [blocks] = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM dataset_blocks WHERE dataset_id = $1`, [del.body.dataset_id]);
    expect(Number(blocks.n)).toBe(0);
  });
});
