import { Controller, Inject, Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { NatsConnection } from 'nats';
import { HealthReply, healthSubject, ServiceName } from '@apiary/contracts';
import { HEALTH_CHECKS } from './health.tokens';
import { NATS_CONNECTION, SERVICE_IDENTITY } from './tokens';
import type { ServiceIdentity } from './service-kit.module';

/** Named dependency checks: each resolves true when the dependency answers. */
export type HealthChecks = Map<string, () => Promise<boolean>>;

/**
 * Runs every check (each bounded to 2 s) plus the NATS connection state.
 * @returns the health reply of this replica
 */
export async function runHealthChecks(
  identity: ServiceIdentity,
  nc: NatsConnection,
  checks: HealthChecks,
): Promise<HealthReply> {
  const results: HealthReply['checks'] = { nats: nc.isClosed() ? 'disconnected' : 'connected' };
  await Promise.all(
    [...checks.entries()].map(async ([name, check]) => {
      const ok = await Promise.race([
        check().catch(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
      ]);
      results[name] = ok ? 'connected' : 'disconnected';
    }),
  );
  const healthy = Object.values(results).every((v) => v === 'connected');
  return {
    service: identity.service,
    status: healthy ? 'healthy' : 'unhealthy',
    checks: results,
    instance: identity.instance,
    uptime_s: Math.round((Date.now() - identity.startedAt.getTime()) / 1000),
    timestamp: new Date().toISOString(),
  };
}

/**
 * Builds the controller answering `apiary.<service>.health` for a service.
 * @param service the service name
 * @returns a Nest controller class to list in the app module
 */
export function createHealthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(
      @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
      @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
      @Inject(HEALTH_CHECKS) private readonly checks: HealthChecks,
    ) {}

    @MessagePattern(healthSubject(service))
    health(): Promise<HealthReply> {
      return runHealthChecks(this.identity, this.nc, this.checks);
    }
  }
  return HealthController;
}
