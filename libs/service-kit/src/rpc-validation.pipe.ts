import { ValidationError, ValidationPipe } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { ErrorPayload } from '@apiary/contracts';

/** One failed field: dotted path (`tasks.3.type`) and its constraint messages. */
export interface FieldError {
  field: string;
  constraints: string[];
}

/**
 * Flattens class-validator errors into `{ field, constraints }` with dotted paths.
 * @param errors errors from class-validator
 * @param prefix path of the parent object
 */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, constraints: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/**
 * Builds the `VALIDATION_FAILED` payload naming every bad field.
 * @param errors errors from class-validator
 */
export function validationPayload(errors: ValidationError[]): ErrorPayload {
  const details = flattenValidationErrors(errors);
  const first = details[0];
  const message = first ? `${first.field}: ${first.constraints.join('; ')}` : 'Invalid request';
  return { code: 'VALIDATION_FAILED', message, details };
}

/**
 * ValidationPipe for NATS handlers: whitelist, forbid unknown fields, transform,
 * and reply `{ code: 'VALIDATION_FAILED', message, details }` (STACK-NOTES pitfall 5).
 */
export function rpcValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new RpcException(validationPayload(errors)),
  });
}
