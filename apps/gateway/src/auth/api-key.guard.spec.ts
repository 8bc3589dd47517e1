import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiaryError } from '@apiary/contracts';
import { ApiKeyGuard, Public } from './api-key.guard';
import { ApiKeyRegistry, fairnessKeyOf } from './api-keys';

const KEY = 'test-key-0123456789abcdef';

class PrivateController {
  handler(): string {
    return 'private';
  }
}
class PublicRoutes {
  @Public()
  handler(): string {
    return 'public';
  }
}

interface FakeRequest {
  headers: Record<string, string>;
  apiaryAuth?: { fairnessKey: string };
}

function httpContext(headers: Record<string, string>, controller: new () => { handler(): string } = PrivateController) {
  const request: FakeRequest = { headers };
  const responseHeaders: Record<string, string> = {};
  const response = { setHeader: (k: string, v: string) => (responseHeaders[k.toLowerCase()] = v) };
  const context = {
    getType: () => 'http',
    getHandler: () => controller.prototype.handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { context, request, responseHeaders };
}

function rejection(run: () => unknown): ApiaryError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiaryError) return error;
    throw error;
  }
  throw new Error('expected the guard to refuse');
}

describe('ApiKeyGuard', () => {
  const guard = new ApiKeyGuard(new Reflector(), new ApiKeyRegistry([KEY]));

  it('accepts Authorization: Bearer <key> and records the fairness key', () => {
    const { context, request } = httpContext({ authorization: `Bearer ${KEY}` });
    expect(guard.canActivate(context)).toBe(true);
    expect(request.apiaryAuth).toEqual({ fairnessKey: fairnessKeyOf(KEY) });
  });

  it('accepts X-API-Key: <key>', () => {
    const { context, request } = httpContext({ 'x-api-key': KEY });
    expect(guard.canActivate(context)).toBe(true);
    expect(request.apiaryAuth?.fairnessKey).toBe(fairnessKeyOf(KEY));
  });

  it('refuses a wrong key with UNAUTHORIZED', () => {
    const { context, request, responseHeaders } = httpContext({ authorization: 'Bearer wrong-key-0123456789abcdef' });
    const error = rejection(() => guard.canActivate(context));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toBe('Invalid API key');
    expect(request.apiaryAuth).toBeUndefined();
    expect(responseHeaders['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a request without a key, naming both headers', () => {
    const { context } = httpContext({});
    const error = rejection(() => guard.canActivate(context));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/Authorization: Bearer.*X-API-Key/);
  });

  it('lets public routes through without a key', () => {
    const { context } = httpContext({}, PublicRoutes);
    expect(guard.canActivate(context)).toBe(true);
  });

  it('does not check NATS handlers', () => {
    const context = { getType: () => 'rpc' } as unknown as ExecutionContext;
    expect(guard.canActivate(context)).toBe(true);
  });
});
