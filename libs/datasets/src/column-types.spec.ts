import { cellKind, ColumnProfiler, isIsoDate, joinTypes, parseCell } from './column-types';

describe('column types', () => {
  it('tells the kind of a cell', () => {
    expect(cellKind('12')).toBe('integer');
    expect(cellKind(' -7 ')).toBe('integer');
    expect(cellKind('12.5')).toBe('number');
    expect(cellKind('1e3')).toBe('number');
    expect(cellKind('.5')).toBe('number');
    expect(cellKind('12345678901234567890')).toBe('number');
    expect(cellKind('TRUE')).toBe('boolean');
    expect(cellKind('false')).toBe('boolean');
    expect(cellKind('2012-01-01')).toBe('date');
    expect(cellKind('2012-01-01T10:20:30.123Z')).toBe('date');
    expect(cellKind('2012-01-01 10:20+02:00')).toBe('date');
    expect(cellKind('2012-02-30')).toBe('string');
    expect(cellKind('2012-13-01')).toBe('string');
    expect(cellKind('NaN')).toBe('string');
    expect(cellKind('0x1F')).toBe('string');
    expect(cellKind('rain')).toBe('string');
    expect(cellKind('')).toBeNull();
    expect(cellKind('   ')).toBeNull();
  });

  it('joins kinds: integer and number make number, other mixes string', () => {
    expect(joinTypes(null, 'integer')).toBe('integer');
    expect(joinTypes('integer', 'number')).toBe('number');
    expect(joinTypes('number', 'integer')).toBe('number');
    expect(joinTypes('integer', 'boolean')).toBe('string');
    expect(joinTypes('date', 'date')).toBe('date');
    expect(joinTypes('date', 'integer')).toBe('string');
  });

  it('parses a cell as a type, null when it does not parse', () => {
    expect(parseCell('integer', ' 42 ')).toBe(42);
    expect(parseCell('integer', '12.5')).toBeNull();
    expect(parseCell('number', '12.5')).toBe(12.5);
    expect(parseCell('boolean', 'True')).toBe(true);
    expect(parseCell('boolean', 'yes')).toBeNull();
    expect(parseCell('date', '2012-02-29')).toBe('2012-02-29');
    expect(parseCell('date', '2011-02-29')).toBeNull();
    expect(parseCell('string', ' x ')).toBe(' x ');
    expect(parseCell('string', '')).toBeNull();
    expect(isIsoDate('2012-01-01T24:00')).toBe(false);
  });

  it('infers column types and nulls while rows stream by; empty cells do not decide', () => {
    const p = new ColumnProfiler(['a', 'b', 'c', 'd', 'e']);
    p.observe(['1', '', 'x', 'true', '2012-01-01']);
    p.observe(['2.5', '', '3', 'false', '']);
    p.observe(['', '', '', 'TRUE', '2012-01-02']);
    expect(p.columns()).toEqual([
      { name: 'a', type: 'number', nulls: 1 },
      { name: 'b', type: 'string', nulls: 3 },
      { name: 'c', type: 'string', nulls: 1 },
      { name: 'd', type: 'boolean', nulls: 0 },
      { name: 'e', type: 'date', nulls: 1 },
    ]);
  });
});
