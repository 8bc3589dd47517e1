import { randomUUID } from 'node:crypto';
import { ErrorCode as NatsErrorCode, headers, JSONCodec, NatsConnection, NatsError } from 'nats';
import { ApiaryError, isErrorPayload } from '@apiary/contracts';
import { injectTraceHeaders, SpanKind, withSpan } from '@apiary/telemetry';
import { fromErrorPayload } from './errors';

const codec = JSONCodec<unknown>();

/** Options of {@link NatsRpcClient.request}. */
export interface RpcOptions {
  /** Reply timeout in ms (default: the client's). */
  timeoutMs?: number;
}

/**
 * Request/reply client for Apiary subjects. It speaks the wire format of Nest's
 * NATS transport (`{ pattern, data, id }` → `{ response | err, isDisposed, id }`)
 * but uses nats.js `request()` so that "no responders" (service down) and
 * "timeout" are told apart (CONVENTIONS.md "Errors"). Trace context is injected
 * into the message headers.
 */
export class NatsRpcClient {
  /**
   * @param nc connected NATS connection (headers enabled)
   * @param defaultTimeoutMs reply timeout in ms when a call gives none
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs = 10_000,
  ) {}

  /**
   * Sends `data` to `subject` and waits for the reply.
   * @returns the handler's response
   * @throws ApiaryError `SERVICE_UNAVAILABLE` when nothing subscribes to the subject,
   *   `UPSTREAM_TIMEOUT` when no reply arrives in time, or the code the handler replied with
   */
  async request<TReply>(subject: string, data: unknown, options: RpcOptions = {}): Promise<TReply> {
    return withSpan(
      subject,
      async () => {
        const h = headers();
        injectTraceHeaders(h);
        const packet = { pattern: subject, data, id: randomUUID() };
        let reply;
        try {
          reply = await this.nc.request(subject, codec.encode(packet), {
            timeout: options.timeoutMs ?? this.defaultTimeoutMs,
            headers: h,
          });
        } catch (error) {
          throw translateNatsError(error, subject);
        }
        const body = codec.decode(reply.data) as { err?: unknown; response?: unknown };
        if (body.err !== undefined && body.err !== null) {
          if (isErrorPayload(body.err)) throw fromErrorPayload(body.err);
          throw new ApiaryError('INTERNAL', `${subject} failed: ${describe(body.err)}`);
        }
        return body.response as TReply;
      },
      { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } },
    );
  }
}

function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return JSON.stringify(err);
}

/**
 * Maps a nats.js request error to an {@link ApiaryError}.
 * @param error error thrown by `nc.request`
 * @param subject subject of the request (named in the message)
 */
export function translateNatsError(error: unknown, subject: string): ApiaryError {
  if (error instanceof NatsError) {
    if (error.code === NatsErrorCode.NoResponders) {
      return new ApiaryError('SERVICE_UNAVAILABLE', `No service answers ${subject}`);
    }
    if (error.code === NatsErrorCode.Timeout) {
      return new ApiaryError('UPSTREAM_TIMEOUT', `No reply on ${subject} in time`);
    }
    if (error.code === NatsErrorCode.MaxPayloadExceeded) {
      return new ApiaryError('PAYLOAD_TOO_LARGE', `Request on ${subject} exceeds the NATS max payload`);
    }
    return new ApiaryError('SERVICE_UNAVAILABLE', `NATS error on ${subject}: ${error.message}`);
  }
  return new ApiaryError('INTERNAL', `Request on ${subject} failed`);
}
