import {
  Context,
  context,
  propagation,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TextMapGetter,
  TextMapSetter,
} from '@opentelemetry/api';

/**
 * W3C trace-context propagation over NATS headers (there is no NATS
 * instrumentation package; STACK-NOTES pitfall 8). Works with any header object
 * offering `get(key)` / `set(key, value)`, such as nats.js `MsgHdrs`.
 */

/** Minimal header carrier: nats.js `MsgHdrs` satisfies it. */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
}

const setter: TextMapSetter<HeaderCarrier> = { set: (c, k, v) => c.set(k, v) };
const getter: TextMapGetter<HeaderCarrier | undefined> = {
  get: (c, k) => (c ? c.get(k) || undefined : undefined),
  keys: () => ['traceparent', 'tracestate', 'baggage'],
};
const recordSetter: TextMapSetter<Record<string, string>> = { set: (c, k, v) => (c[k] = v) };
const recordGetter: TextMapGetter<Record<string, string> | undefined> = {
  get: (c, k) => c?.[k],
  keys: (c) => Object.keys(c ?? {}),
};

/** The tracer every Apiary service uses. */
export const tracer = trace.getTracer('apiary');

/**
 * Writes the active (or given) context into message headers.
 * @param headers carrier, e.g. nats `headers()`
 * @param ctx context to inject (default: the active one)
 */
export function injectTraceHeaders(headers: HeaderCarrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, setter);
}

/** Reads a context out of message headers (root context when absent). */
export function extractTraceContext(headers: HeaderCarrier | undefined): Context {
  return propagation.extract(context.active(), headers, getter);
}

/** @returns the active context serialised as `{ traceparent, tracestate? }` (to persist it). */
export function currentTraceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier, recordSetter);
  return carrier;
}

/** @returns the active context as a carrier to persist with a record, or null outside a trace */
export function currentTraceCarrierOrNull(): Record<string, string> | null {
  const carrier = currentTraceCarrier();
  return Object.keys(carrier).length ? carrier : null;
}

/** Turns a persisted carrier back into a context (root context when empty). */
export function contextFromCarrier(carrier: Record<string, string> | null | undefined): Context {
  return propagation.extract(context.active(), carrier ?? undefined, recordGetter);
}

/**
 * Runs `fn` inside a new span (child of `parent` or of the active context), ends
 * it, and records an exception and ERROR status if `fn` throws.
 * @param name span name, e.g. `apiary.brain.submit`
 * @param fn work to run; receives the span
 * @param options kind, parent context and attributes
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> } = {},
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };
