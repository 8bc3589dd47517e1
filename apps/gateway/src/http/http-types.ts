import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { ApiKeyIdentity } from '../auth/api-keys';

/**
 * The parts of an Express request the gateway reads (the workspace has no
 * `@types/express`; these are the fields Express 5 sets).
 */
export interface GatewayRequest extends IncomingMessage {
  /** Parsed JSON body (`undefined` when the content type was not JSON). */
  body?: unknown;
  /** Matched route, e.g. `{ path: '/tasks/:task_id' }` (inside a route only). */
  route?: { path?: string };
  /** Path without the query string. */
  path?: string;
  /** Set by the API key guard on authenticated requests. */
  apiaryAuth?: ApiKeyIdentity;
  /** Context holding the request's SERVER span, set by the tracing middleware. */
  apiaryTraceContext?: Context;
}

/** The parts of an Express response the gateway writes. */
export interface GatewayResponse extends ServerResponse {
  status(code: number): this;
  json(body: unknown): this;
}
