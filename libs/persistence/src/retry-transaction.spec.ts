import { isRetryableTransactionError, retryTransaction } from './retry-transaction';

describe('retryTransaction', () => {
  it('runs a deadlock victim again and returns its result', async () => {
    let calls = 0;
    const result = await retryTransaction(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      retryTransaction(async () => {
        calls++;
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });

  it('recognises TypeORM-wrapped driver errors', () => {
    expect(isRetryableTransactionError({ driverError: { code: '40001' } })).toBe(true);
    expect(isRetryableTransactionError(new Error('x'))).toBe(false);
  });
});
