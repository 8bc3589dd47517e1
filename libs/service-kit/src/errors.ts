import { ApiaryError, ErrorPayload, isErrorPayload } from '@apiary/contracts';

/**
 * Converts anything thrown into the wire error shape.
 * @param error an {@link ApiaryError}, an already-encoded payload, or anything else
 * @returns the payload; unknown errors become `INTERNAL` (their message is not leaked)
 */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof ApiaryError) return error.toPayload();
  if (isErrorPayload(error)) return error;
  return { code: 'INTERNAL', message: 'Internal error' };
}

/** Inverse of {@link toErrorPayload}: rebuilds an {@link ApiaryError} from a payload. */
export function fromErrorPayload(payload: ErrorPayload): ApiaryError {
  return new ApiaryError(payload.code, payload.message, payload.details);
}
