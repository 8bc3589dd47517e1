import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  SwarmTaskInput,
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
import { FairnessKey } from '../auth/api-key.guard';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { SwarmAssignmentDto, SwarmBatchViewDto, SwarmBotPageDto, SwarmCreatedViewDto, SwarmViewDto } from '../openapi/responses.dto';
import { ResizeBody, SwarmBotsQuery } from './bots.dto';

/** Seed 001 "Swarm Management" and "Assign Task to Swarm (Mass-Action)". */
@Controller('swarms')
@ApiTags('swarms')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
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
  @ApiOperation({ summary: 'Create a swarm of `count` bots' })
  @ApiCreatedResponse({ type: SwarmCreatedViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'BOT_CAPACITY_EXCEEDED')
  create(@Body() body: CreateSwarmRequest): Promise<SwarmCreatedView> {
    return this.rpc.request<SwarmCreatedView>(BRAIN_SWARMS_CREATE, body, this.slow);
  }

  /** `GET /swarms/{swarm_id}` (seed "Get Swarm Status"). */
  @Get(':swarm_id')
  @ApiOperation({ summary: 'Get a swarm with its statistics' })
  @ApiOkResponse({ type: SwarmViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SWARM_NOT_FOUND')
  get(@Param() params: SwarmIdRequest): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_GET, params);
  }

  /** `GET /swarms/{swarm_id}/bots?limit=&cursor=` → a page of bot ids. */
  @Get(':swarm_id/bots')
  @ApiOperation({ summary: "Page through a swarm's bot ids" })
  @ApiOkResponse({ type: SwarmBotPageDto })
  @ApiErrors('VALIDATION_FAILED', 'SWARM_NOT_FOUND')
  bots(@Param() params: SwarmIdRequest, @Query() query: SwarmBotsQuery): Promise<SwarmBotPage> {
    return this.rpc.request<SwarmBotPage>(BRAIN_SWARMS_BOTS, { ...params, ...query });
  }

  /** `PATCH /swarms/{swarm_id}` `{ count }`: adds or retires bots. */
  @Patch(':swarm_id')
  @ApiOperation({ summary: 'Resize a swarm', description: 'Adds bots, or retires the newest ones, until the swarm has `count`.' })
  @ApiOkResponse({ type: SwarmViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'SWARM_NOT_FOUND', 'BOT_CAPACITY_EXCEEDED')
  resize(@Param() params: SwarmIdRequest, @Body() body: ResizeBody): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_RESIZE, { ...params, count: body.count }, this.slow);
  }

  /** `DELETE /swarms/{swarm_id}`: retires every bot of the swarm. */
  @Delete(':swarm_id')
  @ApiOperation({ summary: 'Delete a swarm', description: 'Retires every bot of the swarm; their queued tasks are cancelled.' })
  @ApiOkResponse({ type: SwarmViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SWARM_NOT_FOUND')
  remove(@Param() params: SwarmIdRequest): Promise<SwarmView> {
    return this.rpc.request<SwarmView>(BRAIN_SWARMS_DELETE, params, this.slow);
  }

  /** `POST /swarms/{swarm_id}/tasks` (mass-action, fan-out) → 201 `{ swarm_id, task_type, assignments, batch_id, status, timestamp }`. */
  @Post(':swarm_id/tasks')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Assign a task to every bot of a swarm (fan-out)',
    description:
      '`data.items` (an array) with `data.chunk_size` is split into chunks over the bots; `data.dataset` with `data.chunk_size` into row ranges; otherwise one task per bot. ' +
      '`max_cost_usd` is the budget of the batch. ' +
      'Follow the batch with `GET /swarms/{swarm_id}/batches/{batch_id}`.',
  })
  @ApiCreatedResponse({ type: SwarmAssignmentDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'SWARM_NOT_FOUND', 'CAPABILITY_MISMATCH', 'INVALID_TASK_DATA', 'BUDGET_EXCEEDED')
  assign(@Param() params: SwarmIdRequest, @Body() task: SwarmTaskInput, @FairnessKey() fairnessKey: string): Promise<SwarmAssignment> {
    return this.rpc.request<SwarmAssignment>(BRAIN_SWARMS_ASSIGN, { swarm_id: params.swarm_id, task, api_key: fairnessKey }, this.slow);
  }

  /** `GET /swarms/{swarm_id}/batches/{batch_id}`: progress, and the fan-in result when done. */
  @Get(':swarm_id/batches/:batch_id')
  @ApiOperation({ summary: 'Progress of a swarm batch, and its fan-in result when done' })
  @ApiOkResponse({ type: SwarmBatchViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SWARM_NOT_FOUND', 'BATCH_NOT_FOUND')
  batch(@Param() params: SwarmBatchRequest): Promise<SwarmBatchView> {
    return this.rpc.request<SwarmBatchView>(BRAIN_SWARMS_BATCH, params);
  }
}
