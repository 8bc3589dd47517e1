import pino, { Logger } from 'pino';

/**
 * Creates the service's structured JSON logger (pino). Level from
 * `APIARY_LOG_LEVEL` (default `info`).
 * @param service service name, set as the `service` field of every line
 */
export function createLogger(service: string): Logger {
  return pino({
    name: service,
    level: process.env.APIARY_LOG_LEVEL ?? 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
