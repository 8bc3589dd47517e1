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
});
