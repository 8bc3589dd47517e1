import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiResponse, DECORATORS } from '@nestjs/swagger';
import { ErrorCode } from '@apiary/contracts';
import { httpStatusOf } from '../errors/http-status';
import { HttpErrorBodyDto } from './responses.dto';

/**
 * Documents the error responses a route (or every route of a controller) can
 * give: one response per HTTP status, with the `ErrorBody` schema
 * `{ error: { code, message, details } }` and the codes listed. The status of
 * each code comes from {@link httpStatusOf}, the mapping the error filter uses.
 * @param codes error codes the route can answer with
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = httpStatusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, statusCodes]) =>
        ApiResponse({
          status,
          description: `Error: ${statusCodes.map((code) => `\`${code}\``).join(', ')}`,
          type: HttpErrorBodyDto,
        }),
      ),
  );
}

/** Errors any route behind the API key can give: no or bad key, brain down or slow, a bug. */
export const API_KEY_ROUTE_ERRORS: readonly ErrorCode[] = ['UNAUTHORIZED', 'SERVICE_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'INTERNAL'];

/** Errors of any route with a JSON body, before the body reaches the handler. */
export const JSON_BODY_ERRORS: readonly ErrorCode[] = ['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE'];

/**
 * Marks a route (or controller) as needing no credentials in the OpenAPI
 * document: operation `security: []`, overriding the document-wide requirement
 * (Bearer or `X-API-Key`). Applied by the guard's `@Public()`, so the document
 * and the guard cannot disagree.
 */
export function ApiNoAuth(): MethodDecorator & ClassDecorator {
  return SetMetadata(DECORATORS.API_SECURITY, []);
}
