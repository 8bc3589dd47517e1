import { ApiaryError, ErrorPayload } from '@apiary/contracts';

/**
 * Rebuilds an {@link ApiaryError} from the `{ code, message, details }` a NATS
 * handler replied with.
 * @param payload the decoded error payload
 */
export function fromErrorPayload(payload: ErrorPayload): ApiaryError {
  return new ApiaryError(payload.code, payload.message, payload.details);
}
