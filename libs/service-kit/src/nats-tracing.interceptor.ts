import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { extractTraceContext, tracer } from '@apiary/telemetry';

/**
 * Continues the caller's trace in NATS handlers: reads `traceparent` from the
 * message headers, opens a SERVER span named after the subject, and runs the
 * handler inside it so downstream requests and publishes join the same trace.
 */
@Injectable()
export class NatsTracingInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc') return next.handle();
    const nats = ctx.switchToRpc().getContext<NatsContext>();
    const subject = typeof nats?.getSubject === 'function' ? nats.getSubject() : 'nats';
    const parent = extractTraceContext(nats?.getHeaders?.());
    const span = tracer.startSpan(
      subject,
      { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return new Observable((subscriber) => {
      const subscription = otelContext.with(active, () =>
        next.handle().subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
            span.end();
            subscriber.error(e);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      );
      return () => subscription.unsubscribe();
    });
  }
}
