import type { DataProcessResult } from '@apiary/contracts';
import { DataProcessPipeline } from '@apiary/datasets';
import { mergeReducer, reducerFor, sentimentReducer } from './reducers';

describe('fan-in reducers', () => {
  it('sums numbers and concatenates lists of chunk results', () => {
    expect(mergeReducer([{ rows: 2, errors: ['a'] }, { rows: 3, errors: ['b', 'c'] }, 'junk'])).toEqual({
      count: 3, rows: 5, errors: ['a', 'b', 'c'],
    });
  });

  it('averages sentiment', () => {
    expect(sentimentReducer([{ score: 4, comparative: 0.5, tokens: 8 }, { score: -2, comparative: -0.5, tokens: 4 }])).toMatchObject({
      count: 2, score_sum: 2, mean_score: 1, mean_comparative: 0, tokens: 12, positive_share: 0.5,
    });
  });

  it('counts noop results and falls back to merge for unknown types', () => {
    expect(reducerFor('noop')([{ ok: true }, { ok: true }])).toEqual({ count: 2 });
    expect(reducerFor('custom.thing')([{ n: 1 }])).toEqual({ count: 1, n: 1 });
  });

  it('merges data.process chunk statistics, under the built-in and its aliases', () => {
    const chunk = (start: number, values: number[]) => {
      const p = new DataProcessPipeline([{ name: 'x', type: 'integer' }], {});
      values.forEach((v, i) => p.push(start + i, [String(v)]));
      return p.result({ dataset_id: 'd', dataset: 'd.csv', row_range: { start, end: start + values.length } });
    };
    for (const type of ['data.process', 'data_processing', 'distributed_analysis', 'mass_data_processing']) {
      const merged = reducerFor(type)([chunk(3, [4, 5]), chunk(0, [1, 2, 3])]) as DataProcessResult;
      expect(merged).toMatchObject({ rows_in: 5, chunks: 2, row_range: { start: 0, end: 5 } });
      expect(merged.statistics!.x).toMatchObject({ count: 5, min: 1, max: 5, mean: 3, distinct: 5, distinct_approx: false });
      expect(merged.statistics!.x.stddev).toBeCloseTo(Math.sqrt(2.5), 12);
    }
  });
});
