import fc from 'fast-check';
import type { DataProcessResult, DataProcessTaskData } from '@apiary/contracts';
import { parseCsvText } from './csv-upload';
import { mergeDataProcessResults } from './merge-results';
import { DataProcessPipeline } from './pipeline';

const CSV = [
  'date,city,temp,rainy,note',
  '2012-01-01,Seattle,12.5,true, wet ',
  '2012-01-02,Seattle,10,false,dry',
  '2012-01-02,Seattle,10,false,dry',
  ',,,,',
  '2012-01-03,Portland,,true,',
  '2012-01-04,Portland,7,true,cold and wet',
].join('\n');

function run(data: DataProcessTaskData, scorer?: (t: string) => number, range?: [number, number]): DataProcessResult {
  const { columns, rows } = parseCsvText(CSV);
  const [start, end] = range ?? [0, rows.length];
  const p = new DataProcessPipeline(columns, data, scorer);
  for (let i = start; i < end; i++) p.push(i, rows[i]);
  return p.result({ dataset_id: null, dataset: null, row_range: { start, end } });
}

describe('data.process pipeline', () => {
  it('analyzes by default: per-column statistics of the inferred types', () => {
    const r = run({});
    expect(r.operations).toEqual(['analyze']);
    expect(r).toMatchObject({ rows_in: 6, rows_out: 6, analysis_type: 'statistics' });
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['date:date', 'city:string', 'temp:number', 'rainy:boolean', 'note:string']);
    expect(r.statistics!.temp).toMatchObject({ count: 4, nulls: 2, min: 7, max: 12.5, distinct: 3 });
    expect(r.statistics!.temp.mean).toBeCloseTo(9.875, 12);
    expect(r.statistics!.date).toMatchObject({ count: 5, nulls: 1, distinct: 4, min: '2012-01-01', max: '2012-01-04' });
    expect(r.statistics!.city).toEqual({ type: 'string', count: 5, nulls: 1, distinct: 2, distinct_approx: false });
    expect(r.sample).toHaveLength(5);
    expect(r.sample[0]).toEqual({ date: '2012-01-01', city: 'Seattle', temp: 12.5, rainy: true, note: ' wet ' });
    expect(r.methods?.p50).toMatch(/ddsketch/);
  });

  it('cleans (trims, drops empty and duplicate rows), then transforms, enriches, analyses — in that order whatever the list says', () => {
    const r = run({
      operations: ['analyze', 'enrich', 'transform', 'clean'],
      transform: { cast: { temp: 'integer' }, rename: { note: 'comment', temp: 't' }, select: ['date', 't', 'comment'] },
    });
    expect(r.operations).toEqual(['clean', 'transform', 'enrich', 'analyze']);
    expect(r).toMatchObject({ rows_in: 6, rows_out: 4 });
    expect(r.columns).toEqual([
      { name: 'date', type: 'date' },
      { name: 't', type: 'integer' },
      { name: 'comment', type: 'string' },
      { name: 'row_number', type: 'integer' },
      { name: 'comment_length', type: 'integer' },
    ]);
    expect(r.sample[0]).toEqual({ date: '2012-01-01', t: null, comment: 'wet', row_number: 0, comment_length: 3 });
    expect(r.sample[2]).toEqual({ date: '2012-01-03', t: null, comment: null, row_number: 4, comment_length: null });
    expect(r.statistics!.t).toMatchObject({ count: 2, nulls: 2, min: 7, max: 10 });
  });

  it('refuses unknown columns naming them', () => {
    expect(() => run({ operations: ['transform'], transform: { rename: { nope: 'x' } } })).toThrow(/data.transform.rename: no column "nope"/);
    expect(() => run({ columns: ['temp', 'zzz'] })).toThrow(/data.columns: no column "zzz"/);
    expect(() => run({ operations: ['transform'], transform: { rename: { city: 'date' } } })).toThrow(/two columns would be named "date"/);
    expect(() => run({ analysis_type: 'sentiment', column: 'temp2' }, () => 0)).toThrow(/data.column: no column "temp2"/);
  });

  it('scores the first text column for sentiment', () => {
    const words: Record<string, number> = { wet: -1, dry: 1, cold: -2 };
    const score = (t: string) => t.split(/\W+/).reduce((s, w) => s + (words[w] ?? 0), 0);
    const r = run({ analysis_type: 'sentiment', column: 'note' }, score);
    expect(r.sentiment).toEqual({ column: 'note', count: 4, nulls: 2, sum: -1 + 1 + 1 - 3, mean: -2 / 4, positive: 2, neutral: 0, negative: 2 });
    expect(run({ analysis_type: 'sentiment' }, score).sentiment?.column).toBe('city');
  });

  it('merges chunk results into the single-pass result (property over random splits)', () => {
    const whole = run({});
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 }), (cutList) => {
        const cuts = [0, ...[...new Set(cutList)].sort((a, b) => a - b), 6];
        const chunks = cuts.slice(0, -1).map((s, i) => run({}, undefined, [s, cuts[i + 1]]));
        const m = mergeDataProcessResults(chunks.reverse()) as DataProcessResult;
        expect(m).toMatchObject({ rows_in: 6, rows_out: 6, row_range: { start: 0, end: 6 }, chunks: chunks.length });
        expect(m.merge_state).toBeUndefined();
        expect(m.sample).toEqual(whole.sample);
        for (const [name, s] of Object.entries(whole.statistics!)) {
          const { mean, stddev, ...exact } = s;
          const { mean: mm, stddev: ms, ...mexact } = m.statistics![name];
          expect(mexact).toEqual(exact);
          if (mean != null) expect(mm).toBeCloseTo(mean, 12);
          if (stddev != null) expect(ms).toBeCloseTo(stddev, 12);
        }
      }),
    );
    expect(mergeDataProcessResults([{ ok: true }])).toEqual({ count: 0 });
  });
});
