import { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';

/** Adapts a pino logger to Nest's {@link LoggerService} so framework logs are JSON too. */
export class PinoNestLogger implements LoggerService {
  /** @param logger the service's pino logger */
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
