import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { NatsConnection } from 'nats';
import { HealthReply } from '@apiary/contracts';
import { NATS_CONNECTION, NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { Public } from '../auth/api-key.guard';
import type { GatewayResponse } from '../http/http-types';
import { GatewayHealthDto, LivenessDto, ReadinessDto } from '../openapi/responses.dto';
import { checkHealth, GatewayHealth, HealthProbes } from './health.service';

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Public probes of the HTTP API (no API key needed). */
@Controller()
@Public()
@ApiTags('health')
export class HealthController {
  private readonly probes: HealthProbes;

  constructor(
    @Inject(RPC_CLIENT) rpc: NatsRpcClient,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.probes = {
      pingNats: async (timeoutMs) => {
        if (nc.isClosed()) throw new Error('NATS connection closed');
        await withTimeout(nc.rtt(), timeoutMs);
      },
      requestHealth: (subject, timeoutMs) => rpc.request<HealthReply>(subject, {}, { timeoutMs }),
    };
  }

  /**
   * `GET /health` (seed 001 "Health Check"): NATS, the database (as the brain
   * sees it) and the six services.
   * @returns 200 when everything is healthy/connected, else 503, with {@link GatewayHealth}
   */
  @Get('health')
  @ApiOperation({ summary: 'Health of the whole suite: NATS, the database and the six services' })
  @ApiOkResponse({ type: GatewayHealthDto, description: 'Everything healthy and connected.' })
  @ApiServiceUnavailableResponse({ type: GatewayHealthDto, description: 'Something is down (same body).' })
  async health(@Res({ passthrough: true }) response: GatewayResponse): Promise<GatewayHealth> {
    const health = await checkHealth(this.probes);
    response.status(health.status === 'healthy' ? 200 : 503);
    return health;
  }

  /**
   * `GET /readyz`: whether this gateway replica can serve requests, i.e. its NATS
   * connection answers (1 s). Downstream outages are not counted: they are answered
   * per request (503/504), and taking every gateway out of its load balancer would
   * not help. Kubernetes readiness uses this; `/health` is the suite's view.
   * @returns 200 `{ status: "ready", nats: "connected" }`, else 503
   */
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness of this gateway replica (its NATS connection)' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'NATS does not answer.' })
  async readyz(@Res({ passthrough: true }) response: GatewayResponse): Promise<{ status: 'ready' | 'not_ready'; nats: 'connected' | 'disconnected' }> {
    const ok = await this.probes.pingNats(1000).then(
      () => true,
      () => false,
    );
    response.status(ok ? 200 : 503);
    return ok ? { status: 'ready', nats: 'connected' } : { status: 'not_ready', nats: 'disconnected' };
  }

  /** `GET /livez`: 200 `{ status: "alive" }` while the process serves HTTP. */
  @Get('livez')
  @ApiOperation({ summary: 'Liveness of the gateway process' })
  @ApiOkResponse({ type: LivenessDto })
  livez(): { status: 'alive' } {
    return { status: 'alive' };
  }
}
