import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
  BotTaskInput,
  BRAIN_SWARMS_ASSIGN,
  BRAIN_SWARMS_BATCH,
  BRAIN_SWARMS_BOTS,
  BRAIN_SWARMS_CREATE,
  BRAIN_SWARMS_DELETE,
  BRAIN_SWARMS_GET,
  BRAIN_SWARMS_RESIZE,
  CreateSwarmRequest,
  SwarmAssignment,
  SwarmBatchRequest,
  SwarmBatchView,
  SwarmBotPage,
  SwarmCreatedView,
  SwarmIdRequest,
  SwarmView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import type { GatewayEnv } from '../config/gateway.env';
import { ResizeBody, SwarmBotsQuery } from './bots.dto';

/** Seed 001 "Swarm Management" and "Assign Task to Swarm (Mass-Action)". */
@Controller('swarms')
export class SwarmsController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  private get slow() {
    return { timeoutMs: this.env.APIARY_BATCH_RPC_TIMEOUT_MS };
  }

  /** `POST /swarms` → 201 with the first page of `bot_ids`. @throws 409 `BOT_CAPACITY_EXCEEDED` */
  @Post()
  @HttpCode(201)
  create(@Body() body: CreateSwarmRequest): Promise<SwarmCreatedView> {
    return this.rpc.request<SwarmCreatedView>(BRAIN_SWARMS_CREATE, body, this.slow);
  }

  /** `GET /swarms/{swarm_id}` (seed "Get Swarm Status"). */
  @Get(':swarm_id')
  get(@Param() params: SwarmIdRequest): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_GET, params);
  }

  /** `GET /swarms/{swarm_id}/bots?limit=&cursor=` → a page of bot ids. */
  @Get(':swarm_id/bots')
  bots(@Param() params: SwarmIdRequest, @Query() query: SwarmBotsQuery): Promise<SwarmBotPage> {
    return this.rpc.request<SwarmBotPage>(BRAIN_SWARMS_BOTS, { ...params, ...query });
  }

  /** `PATCH /swarms/{swarm_id}` `{ count }`: adds or retires bots. */
  @Patch(':swarm_id')
  resize(@Param() params: SwarmIdRequest, @Body() body: ResizeBody): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_RESIZE, { ...params, count: body.count }, this.slow);
  }

  /** `DELETE /swarms/{swarm_id}`: retires every bot of the swarm. */
  @Delete(':swarm_id')
  remove(@Param() params: SwarmIdRequest): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_DELETE, params, this.slow);
  }

  /** `POST /swarms/{swarm_id}/tasks` (mass-action, fan-out) → 201 `{ swarm_id, task_type, assignments, batch_id, status, timestamp }`. */
  @Post(':swarm_id/tasks')
  @HttpCode(201)
  assign(@Param() params: SwarmIdRequest, @Body() task: BotTaskInput): Promise<SwarmAssignment> {
    return this.rpc.request<SwarmAssignment>(BRAIN_SWARMS_ASSIGN, { swarm_id: params.swarm_id, task }, this.slow);
  }

  /** `GET /swarms/{swarm_id}/batches/{batch_id}`: progress, and the fan-in result when done. */
  @Get(':swarm_id/batches/:batch_id')
  batch(@Param() params: SwarmBatchRequest): Promise<SwarmBatchView> {
    return this.rpc.request<SwarmBatchView>(BRAIN_SWARMS_BATCH, params);
  }
}
