import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ApiaryError, BUILTIN_TASK_TYPES, builtinOf } from '@apiary/contracts';

function fieldErrors(errors: ValidationError[], prefix: string): { field: string; constraints: string[] }[] {
  return errors.flatMap((e) => [
    ...(e.constraints ? [{ field: `${prefix}.${e.property}`, constraints: Object.values(e.constraints) }] : []),
    ...fieldErrors(e.children ?? [], `${prefix}.${e.property}`),
  ]);
}

/**
 * Checks a built-in task type's `data` (or an alias's, e.g. `data_processing`)
 * against its handler's schema (extra fields are allowed: handlers ignore them).
 * Other types are not checked here.
 * @param type task type
 * @param data task data
 * @param path field path prefix for messages, e.g. `tasks.3.` or ``
 * @throws ApiaryError `INVALID_TASK_DATA` naming the first bad field, e.g. `data.ms`
 */
export function assertTaskData(type: string, data: Record<string, unknown> | undefined, path = ''): void {
  const builtin = builtinOf(type);
  if (builtin === undefined) return;
  const errors = validateSync(plainToInstance(BUILTIN_TASK_TYPES[builtin], data ?? {}) as object, { forbidUnknownValues: false });
  if (errors.length === 0) return;
  const details = fieldErrors(errors, `${path}data`);
  throw new ApiaryError('INVALID_TASK_DATA', `${details[0].field}: ${details[0].constraints.join('; ')}`, details);
}
