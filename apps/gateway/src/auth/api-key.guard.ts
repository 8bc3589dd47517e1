import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiaryError } from '@apiary/contracts';
import type { GatewayRequest, GatewayResponse } from '../http/http-types';
import { ApiNoAuth } from '../openapi/api-docs.decorators';
import { apiKeyFromHeaders, ApiKeyRegistry } from './api-keys';

/** Metadata key set by {@link Public}. */
export const IS_PUBLIC_ROUTE = 'apiary:public-route';

/**
 * Marks a route (or controller) as reachable without an API key (`/health`,
 * `/livez`), in the guard and in the OpenAPI document (`security: []`).
 * (`/openapi.json` and `/docs` are Express routes outside Nest's router: no guard.)
 */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_PUBLIC_ROUTE, true), ApiNoAuth());

/**
 * Global guard of the HTTP API: every route not marked {@link Public} needs
 * `Authorization: Bearer <key>` or `X-API-Key: <key>` naming one of
 * `APIARY_API_KEYS`. On success the request carries `apiaryAuth.fairnessKey`.
 * Only HTTP requests are checked (NATS handlers of the hybrid app are internal).
 * @throws ApiaryError `UNAUTHORIZED` (HTTP 401) when the key is missing or unknown
 */
export class ApiKeyGuard implements CanActivate {
  /**
   * @param reflector reads the {@link Public} marker
   * @param keys accepted keys
   */
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const presented = apiKeyFromHeaders(request.headers);
    const identity = presented === undefined ? undefined : this.keys.authenticate(presented);
    if (!identity) {
      http.getResponse<GatewayResponse>().setHeader('WWW-Authenticate', 'Bearer realm="apiary"');
      throw new ApiaryError(
        'UNAUTHORIZED',
        presented === undefined
          ? 'Missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"'
          : 'Invalid API key',
      );
    }
    request.apiaryAuth = identity;
    return true;
  }
}

/**
 * Parameter decorator giving the authenticated request's fairness key (the API
 * key's id, see `fairnessKeyOf`).
 * @throws ApiaryError `UNAUTHORIZED` when used on a public route (no identity)
 */
export const FairnessKey = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const identity = context.switchToHttp().getRequest<GatewayRequest>().apiaryAuth;
  if (!identity) throw new ApiaryError('UNAUTHORIZED', 'Request is not authenticated');
  return identity.fairnessKey;
});
