import { bucketRanges, HOUR_MS, MINUTE_ROWS_SPAN_MS } from './stat-buckets';

describe('bucketRanges', () => {
  const now = Date.parse('2026-03-01T12:34:56.789Z');

  it('uses minute rows up to the first whole hour, hour rows after it', () => {
    expect(bucketRanges(now - 3_600_000, now)).toEqual({
      minuteFrom: new Date('2026-03-01T11:34:00.000Z'),
      minuteTo: new Date('2026-03-01T12:00:00.000Z'),
      hourFrom: new Date('2026-03-01T12:00:00.000Z'),
    });
  });

  it('needs no minute rows when the window starts on an hour', () => {
    expect(bucketRanges(Date.parse('2026-03-01T10:00:20.000Z'), now)).toEqual({
      minuteFrom: null, minuteTo: null, hourFrom: new Date('2026-03-01T10:00:00.000Z'),
    });
  });

  it('starts at the hour when the window reaches past the 48 h of minute rows', () => {
    expect(bucketRanges(now - MINUTE_ROWS_SPAN_MS + 60_000, now).minuteFrom).not.toBeNull();
    expect(bucketRanges(now - MINUTE_ROWS_SPAN_MS - 60_000, now)).toEqual({
      minuteFrom: null, minuteTo: null, hourFrom: new Date(Math.floor((now - MINUTE_ROWS_SPAN_MS - 60_000) / HOUR_MS) * HOUR_MS),
    });
  });
});
