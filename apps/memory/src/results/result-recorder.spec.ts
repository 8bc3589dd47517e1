import { TaskCompletedEvent } from '@apiary/contracts';
import { toResultRow } from './result-recorder';

describe('toResultRow', () => {
  const event: TaskCompletedEvent = {
    task_id: '0b6c1f7e-0000-4000-8000-000000000001', type: 'noop', attempt: 2, success: false, result: null,
    error: { code: 'HTTP_TIMEOUT', message: 'timed out', retryable: true }, handler: 'http', runner: 'r1',
    started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 1000,
  };

  it('keeps attempt, error code and latency', () => {
    expect(toResultRow(event)).toMatchObject({ attempt: 2, error_code: 'HTTP_TIMEOUT', latency_ms: 1000, success: false });
  });

  it('drops malformed events', () => {
    expect(toResultRow({ ...event, attempt: 1.5 })).toBeUndefined();
    expect(toResultRow({ ...event, task_id: 5 as unknown as string })).toBeUndefined();
  });
});
