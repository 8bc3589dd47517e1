import { TaskInput } from '@apiary/contracts';

/** Builds a task submission with defaults (`noop`, normal priority). */
export function buildTask(overrides: Partial<TaskInput> = {}): TaskInput {
  return { type: 'noop', data: {}, priority: 'normal', ...overrides } as TaskInput;
}
