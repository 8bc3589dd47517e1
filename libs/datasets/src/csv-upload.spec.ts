import { ApiaryError } from '@apiary/contracts';
import { checkHeader, parseCsvText } from './csv-upload';

function error(fn: () => unknown): ApiaryError {
  try {
    fn();
  } catch (e) {
    return e as ApiaryError;
  }
  throw new Error('did not throw');
}

describe('CSV decoding', () => {
  it('parses a header and rows (quotes, CRLF, BOM, blank lines)', () => {
    const r = parseCsvText('\ufeffa,b\r\n"x, y",2\r\n\r\n"say ""hi""",3\r\n');
    expect(r.rows).toEqual([['x, y', '2'], ['say "hi"', '3']]);
    expect(r.columns).toEqual([{ name: 'a', type: 'string', nulls: 0 }, { name: 'b', type: 'integer', nulls: 0 }]);
  });

  it('refuses a row of another width naming the line', () => {
    const e = error(() => parseCsvText('a,b\n1,2\n3\n4,5\n'));
    expect(e.code).toBe('INVALID_CSV');
    expect(e.message).toBe('line 3: expected 2 fields like the header, got 1');
  });

  it('refuses an unclosed quote, an empty body and duplicate header names', () => {
    expect(error(() => parseCsvText('a,b\n1,"2\n')).message).toMatch(/^line \d+: Quote Not Closed/);
    expect(error(() => parseCsvText('')).message).toBe('line 1: the CSV is empty: a header row is required');
    expect(error(() => checkHeader(['a', 'b', 'a'])).message).toBe('line 1: column name "a" appears twice in the header');
    expect(checkHeader(['a', ' ', 'c'])).toEqual(['a', 'column_2', 'c']);
  });
});
