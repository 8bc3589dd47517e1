import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Observable, throwError } from 'rxjs';
import type { Logger } from 'pino';
import { ApiaryError, ErrorPayload, isErrorPayload } from '@apiary/contracts';

/**
 * Exception filter of every NATS handler: replies `{ code, message, details }`.
 * Unknown errors become `INTERNAL` with an error id that is logged with the stack.
 */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  /** @param logger service logger for unexpected errors */
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toPayload(exception, host));
  }

  private toPayload(exception: unknown, host: ArgumentsHost): ErrorPayload {
    if (exception instanceof ApiaryError) return exception.toPayload();
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (isErrorPayload(error)) return error;
    }
    const errorId = randomUUID();
    let subject = 'unknown';
    try {
      subject = String(host.switchToRpc().getContext()?.getSubject?.() ?? 'unknown');
    } catch {
      // not an RPC context
    }
    this.logger.error({ err: exception, errorId, subject }, 'unhandled error in NATS handler');
    return { code: 'INTERNAL', message: `Internal error (error id ${errorId})`, details: { error_id: errorId } };
  }
}
