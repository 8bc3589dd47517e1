import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiaryError, ErrorCode, ErrorPayload } from '@apiary/contracts';
import type { GatewayRequest, GatewayResponse } from '../http/http-types';
import { httpStatusOf } from './http-status';

/** Body of every error response: `{ "error": { code, message, details? } }`. */
export interface HttpErrorBody {
  error: ErrorPayload;
}

/** Shape of the errors thrown by Express's body parsers (`http-errors` with a `type`). */
interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
  length?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && typeof (error as BodyParserError).type === 'string' && 'status' in error;
}

/**
 * Translates an error of Express's JSON body parser into an {@link ApiaryError}:
 * `entity.too.large` → `PAYLOAD_TOO_LARGE`, `entity.parse.failed` → `INVALID_JSON`,
 * unsupported charset/encoding or a bad length → `VALIDATION_FAILED`.
 * @param error anything passed to Express's `next(err)`
 * @returns the translated error, or `undefined` when it is not a body-parser error
 */
export function fromBodyParserError(error: unknown): ApiaryError | undefined {
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.too.large':
      return new ApiaryError(
        'PAYLOAD_TOO_LARGE',
        `Request body exceeds the limit of ${error.limit ?? 'the configured'} bytes`,
        error.limit !== undefined ? { limit_bytes: error.limit, length_bytes: error.length } : undefined,
      );
    case 'entity.parse.failed':
      return new ApiaryError('INVALID_JSON', 'Request body is not valid JSON');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiaryError('VALIDATION_FAILED', 'Unsupported body charset or content encoding; send UTF-8 JSON');
    case 'request.size.invalid':
    case 'request.aborted':
      return new ApiaryError('VALIDATION_FAILED', 'Request body length does not match Content-Length');
    default:
      return undefined;
  }
}

/**
 * Express error middleware placed right after the body parser: turns its errors
 * into {@link ApiaryError}s before Nest's router maps `SyntaxError`s to a generic
 * 400, so the global filter can tell `INVALID_JSON` from `PAYLOAD_TOO_LARGE`.
 */
export function bodyParserErrorTranslator(error: unknown, _req: unknown, _res: unknown, next: (error?: unknown) => void): void {
  next(fromBodyParserError(error) ?? error);
}

/** Code of a Nest `HttpException` raised by the framework itself (unknown route, bad URL...). */
function codeOfHttpStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'UNAUTHORIZED';
  if (status === 404 || status === 405) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status === 504) return 'UPSTREAM_TIMEOUT';
  if (status >= 400 && status < 500) return 'VALIDATION_FAILED';
  return 'INTERNAL';
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}

/**
 * Converts anything thrown while serving an HTTP request into an {@link ApiaryError}.
 * Unknown errors (and `INTERNAL` ones) are returned as `undefined`: the caller
 * answers them with a generic 500 and an error id.
 * @param exception what was thrown
 */
export function toApiaryError(exception: unknown): ApiaryError | undefined {
  if (exception instanceof ApiaryError) return exception.code === 'INTERNAL' ? undefined : exception;
  const fromBodyParser = fromBodyParserError(exception);
  if (fromBodyParser) return fromBodyParser;
  if (exception instanceof HttpException) {
    const code = codeOfHttpStatus(exception.getStatus());
    if (code === 'INTERNAL') return undefined;
    return new ApiaryError(code, code === 'NOT_FOUND' ? messageOf(exception).replace(/^Cannot /, 'No route ') : messageOf(exception));
  }
  return undefined;
}

/**
 * The gateway's one HTTP exception filter (CONVENTIONS.md "Errors"). Every error
 * response is `{ "error": { code, message, details? } }` with the status given by
 * {@link httpStatusOf}. Unexpected errors become 500 `INTERNAL` with an error id
 * that is logged together with the original error (never sent to the client).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  /** @param logger gateway logger */
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const response = http.getResponse<GatewayResponse>();
    const known = toApiaryError(exception);
    let payload: ErrorPayload;
    if (known) {
      payload = known.toPayload();
      if (known.code === 'SERVICE_UNAVAILABLE' || known.code === 'UPSTREAM_TIMEOUT') {
        this.logger.warn({ code: known.code, method: request.method, path: request.path }, known.message);
      }
    } else {
      const errorId = randomUUID();
      this.logger.error({ err: exception, errorId, method: request.method, path: request.path }, 'unhandled error in HTTP request');
      payload = { code: 'INTERNAL', message: `Internal error (error id ${errorId})`, details: { error_id: errorId } };
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body: HttpErrorBody = { error: payload };
    response.status(httpStatusOf(payload.code)).json(body);
  }
}
