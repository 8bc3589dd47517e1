import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiaryError } from '@apiary/contracts';
import { validationPayload } from '@apiary/service-kit';

/**
 * Maps class-validator errors to the error thrown to the client:
 * `BATCH_TOO_LARGE` when the top-level `tasks` array exceeds its maximum size,
 * otherwise `VALIDATION_FAILED` with `details: [{ field, constraints }]` (dotted
 * paths such as `tasks.3.type`) and a message naming the first bad field.
 * @param errors errors from class-validator
 */
export function validationException(errors: ValidationError[]): ApiaryError {
  const oversized = errors.find((e) => e.property === 'tasks' && e.constraints?.['arrayMaxSize']);
  if (oversized) {
    const count = Array.isArray(oversized.value) ? oversized.value.length : undefined;
    return new ApiaryError('BATCH_TOO_LARGE', `tasks: ${oversized.constraints?.['arrayMaxSize']}${count !== undefined ? ` (got ${count})` : ''}`);
  }
  const payload = validationPayload(errors);
  return new ApiaryError(payload.code, payload.message, payload.details);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Global validation pipe of the HTTP API (CONVENTIONS.md "Validation"): whitelist,
 * forbid unknown fields (400 naming the field), transform to the DTO class. A body
 * that is not a JSON object (absent, wrong `Content-Type`, an array or a scalar)
 * is refused before class-validator sees it.
 * @throws ApiaryError `VALIDATION_FAILED` (400) or `BATCH_TOO_LARGE` (413)
 */
export class HttpValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: true },
      exceptionFactory: validationException,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && !isPlainObject(value)) {
      const constraint =
        value === undefined
          ? 'request body must be a JSON object sent with Content-Type: application/json'
          : 'request body must be a JSON object';
      throw new ApiaryError('VALIDATION_FAILED', `body: ${constraint}`, [{ field: 'body', constraints: [constraint] }]);
    }
    return super.transform(value, metadata);
  }
}
