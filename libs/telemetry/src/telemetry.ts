import { appendFileSync } from 'node:fs';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';

/**
 * OpenTelemetry bootstrap shared by every Apiary service (DESIGN.md "Messaging":
 * W3C trace context travels in NATS headers). Call {@link startTelemetry} as the
 * first statement of `main.ts`, before Nest loads.
 *
 * Exporters, chosen by `OTEL_TRACES_EXPORTER`:
 * - `none` (default): nothing is recorded or exported (sampler AlwaysOff); trace
 *   context from callers still propagates;
 * - `otlp`: OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (batched);
 * - `console`: one line per span on stdout;
 * - `jsonl`: one JSON line per finished span appended to `APIARY_TRACE_FILE`
 *   (used by the integration test that follows one trace across processes).
 */

let sdk: NodeSDK | undefined;

/** One finished span as written by the `jsonl` exporter. */
export interface SpanRecord {
  service: string;
  name: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | undefined;
  /** Start time, ms since epoch. */
  start_ms: number;
  /** Duration in ms. */
  duration_ms: number;
  attributes: Record<string, unknown>;
}

/** Span exporter appending {@link SpanRecord} lines to a file (synchronous, test use). */
export class JsonlFileSpanExporter implements tracing.SpanExporter {
  /** @param file path of the JSON-lines file to append to */
  constructor(
    private readonly file: string,
    private readonly service: string,
  ) {}

  /** Appends the spans; never throws (reports failure through the callback). */
  export(spans: tracing.ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const lines = spans.map((s) => {
        const ctx = s.spanContext();
        const record: SpanRecord = {
          service: this.service,
          name: s.name,
          trace_id: ctx.traceId,
          span_id: ctx.spanId,
          parent_span_id: s.parentSpanContext?.spanId,
          start_ms: hrTimeToMilliseconds(s.startTime),
          duration_ms: hrTimeToMilliseconds(s.duration),
          attributes: { ...s.attributes },
        };
        return JSON.stringify(record);
      });
      appendFileSync(this.file, lines.join('\n') + '\n');
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /** Nothing to flush: writes are synchronous. */
  async shutdown(): Promise<void> {
    return undefined;
  }
}

function spanProcessorsFor(service: string): tracing.SpanProcessor[] {
  const kind = (process.env.OTEL_TRACES_EXPORTER ?? 'none').trim().toLowerCase();
  switch (kind) {
    case 'none':
    case '':
      return [new tracing.NoopSpanProcessor()];
    case 'console':
      return [new tracing.SimpleSpanProcessor(new tracing.ConsoleSpanExporter())];
    case 'jsonl': {
      const file = process.env.APIARY_TRACE_FILE;
      if (!file) throw new Error('APIARY_TRACE_FILE must be set when OTEL_TRACES_EXPORTER=jsonl');
      return [new tracing.SimpleSpanProcessor(new JsonlFileSpanExporter(file, service))];
    }
    case 'otlp':
      // Let the SDK build the OTLP exporter from the OTEL_EXPORTER_OTLP_* variables.
      return [];
    default:
      throw new Error(`OTEL_TRACES_EXPORTER must be one of none, otlp, console, jsonl (got "${kind}")`);
  }
}

/**
 * Starts the OpenTelemetry SDK for a service. Idempotent.
 * @param service service name (resource attribute `service.name`), e.g. `gateway`
 * @throws Error when `OTEL_TRACES_EXPORTER` names an unknown exporter
 */
export function startTelemetry(service: string): void {
  if (sdk) return;
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const processors = spanProcessorsFor(service);
  const exporting = (process.env.OTEL_TRACES_EXPORTER ?? 'none').trim().toLowerCase() !== 'none';
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? service }),
    ...(processors.length > 0 ? { spanProcessors: processors } : {}),
    // Exporting nothing: record nothing (spans are non-recording, context still
    // propagates). OTEL_TRACES_SAMPLER, when set, wins.
    ...(!exporting && !process.env.OTEL_TRACES_SAMPLER ? { sampler: new tracing.AlwaysOffSampler() } : {}),
    instrumentations: [],
  });
  sdk.start();
}

/** Flushes and stops the SDK (call on shutdown). Resolves within 2 s at most. */
export async function stopTelemetry(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  if (!current) return;
  await Promise.race([current.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
}
