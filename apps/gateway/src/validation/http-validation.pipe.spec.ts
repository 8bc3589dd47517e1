import { ArgumentMetadata } from '@nestjs/common';
import { ApiaryError, TaskInput } from '@apiary/contracts';
import { SubmitBatchBody } from '../tasks/tasks.dto';
import { HttpValidationPipe } from './http-validation.pipe';

const pipe = new HttpValidationPipe();
const bodyOf = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function failure(value: unknown, metatype: ArgumentMetadata['metatype']): Promise<ApiaryError> {
  try {
    await pipe.transform(value, bodyOf(metatype));
  } catch (error) {
    if (error instanceof ApiaryError) return error;
    throw error;
  }
  throw new Error('expected a validation failure');
}

describe('HttpValidationPipe', () => {
  it('returns a DTO instance for a valid body', async () => {
    const task = await pipe.transform({ type: 'noop', data: { a: 1 } }, bodyOf(TaskInput));
    expect(task).toBeInstanceOf(TaskInput);
    expect(task).toEqual(expect.objectContaining({ type: 'noop', data: { a: 1 } }));
  });

  it('names an unknown field', async () => {
    const error = await failure({ type: 'noop', colour: 'red' }, TaskInput);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^colour: property colour should not exist/);
    expect(error.details).toEqual([{ field: 'colour', constraints: ['property colour should not exist'] }]);
  });

  it('names the index of a bad task in a batch', async () => {
    const error = await failure({ tasks: [{ type: 'a' }, { type: 'b' }, { data: {} }] }, SubmitBatchBody);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^tasks\.2\.type: /);
  });

  it('answers BATCH_TOO_LARGE above 10,000 tasks', async () => {
    const error = await failure({ tasks: Array.from({ length: 10_001 }, () => ({ type: 'noop' })) }, SubmitBatchBody);
    expect(error.code).toBe('BATCH_TOO_LARGE');
    expect(error.message).toContain('10001');
  });

  it.each([
    ['an absent body (wrong content type)', undefined, /Content-Type: application\/json/],
    ['an array', [{ type: 'noop' }], /must be a JSON object$/],
    ['a string', 'noop', /must be a JSON object$/],
    ['null', null, /must be a JSON object$/],
  ])('refuses %s', async (_name, value, message) => {
    const error = await failure(value, TaskInput);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(message);
  });
});
