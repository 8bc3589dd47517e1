import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { context as otelContext, isSpanContextValid, Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { contextFromCarrier, SpanKind, tracer } from '@apiary/telemetry';
import type { GatewayRequest, GatewayResponse } from '../http/http-types';

/** Response header carrying the request's trace id (32 hex chars). */
export const TRACE_ID_HEADER = 'x-trace-id';

function header(request: GatewayRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function routeOf(request: GatewayRequest): string | undefined {
  return typeof request.route?.path === 'string' ? request.route.path : undefined;
}

/**
 * First Express middleware of the gateway: opens the SERVER span of the request,
 * continuing an incoming W3C `traceparent`/`tracestate` when present, stores its
 * context on the request for {@link HttpTracingInterceptor}, and sets
 * `x-trace-id` on the response. Opening it here rather than in the interceptor
 * means rejected requests (401, invalid JSON, 413, unknown route) are traced and
 * carry `x-trace-id` too. The span is named `HTTP <METHOD> <route>` and ends when
 * the response is finished (status code recorded; 5xx marks it as an error).
 */
export function httpTracingMiddleware(request: GatewayRequest, response: GatewayResponse, next: () => void): void {
  const carrier: Record<string, string> = {};
  const traceparent = header(request, 'traceparent');
  const tracestate = header(request, 'tracestate');
  if (traceparent) carrier['traceparent'] = traceparent;
  if (tracestate) carrier['tracestate'] = tracestate;
  const parent = contextFromCarrier(carrier);
  const method = request.method ?? 'GET';
  const span = tracer.startSpan(
    `HTTP ${method}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': request.path ?? request.url ?? '/' } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  request.apiaryTraceContext = active;
  const spanContext = span.spanContext();
  if (isSpanContextValid(spanContext)) response.setHeader(TRACE_ID_HEADER, spanContext.traceId);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    finishSpan(span, request, response);
  };
  response.once('finish', end);
  response.once('close', end);
  otelContext.with(active, next);
}

function finishSpan(span: Span, request: GatewayRequest, response: GatewayResponse): void {
  const route = routeOf(request);
  span.updateName(`HTTP ${request.method ?? 'GET'} ${route ?? '(unmatched)'}`);
  if (route) span.setAttribute('http.route', route);
  span.setAttribute('http.response.status_code', response.statusCode);
  if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Runs each HTTP handler inside the SERVER span opened by
 * {@link httpTracingMiddleware}, so the CLIENT spans of `NatsRpcClient` (and
 * everything downstream) share the request's trace id. Names the span after the
 * matched route (`HTTP POST /tasks`).
 */
export class HttpTracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const active = request.apiaryTraceContext;
    if (!active) return next.handle();
    const route = routeOf(request);
    if (route) trace.getSpan(active)?.updateName(`HTTP ${request.method ?? 'GET'} ${route}`);
    return new Observable((subscriber) => {
      const subscription = otelContext.with(active, () => next.handle().subscribe(subscriber));
      return () => subscription.unsubscribe();
    });
  }
}
