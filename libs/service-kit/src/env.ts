import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/** Thrown at boot when an environment variable is missing or invalid. */
export class InvalidEnvironmentError extends Error {
  /** @param problems one line per bad variable, e.g. `NATS_URL: must be a URL` */
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Variables whose values are never printed (they may hold credentials). */
const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|NATS_URL/i;

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map(
      (m) => `${e.property}: ${m}${SECRET_NAME.test(e.property) || e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`}`,
    ),
    ...flatten(e.children ?? []),
  ]);
}

/**
 * Validates `process.env` (or `source`) against a class-validator DTO and returns
 * the typed, transformed instance (CONVENTIONS.md "Validation and configuration").
 * Use `@Type(() => Number)` on numeric fields.
 * @param schema DTO class whose properties are environment variable names
 * @param source environment to read (default `process.env`)
 * @throws InvalidEnvironmentError naming every bad variable
 */
export function loadEnv<T extends object>(schema: new () => T, source: NodeJS.ProcessEnv = process.env): T {
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') plain[k] = v;
  const instance = plainToInstance(schema, plain, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new InvalidEnvironmentError(flatten(errors));
  return instance;
}
