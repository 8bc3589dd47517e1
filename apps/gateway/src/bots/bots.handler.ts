import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import {
  BotIdRequest,
  BotPage,
  BotStats,
  BotTaskAssignment,
  BotTaskInput,
  BotView,
  BRAIN_BOTS_ASSIGN,
  BRAIN_BOTS_COMPLETE,
  BRAIN_BOTS_CREATE,
  BRAIN_BOTS_GET,
  BRAIN_BOTS_LIST,
  BRAIN_BOTS_NEXT,
  BRAIN_BOTS_RETIRE,
  BRAIN_BOTS_STATS,
  CreateBotRequest,
  LeasedTask,
  ListBotsRequest,
  TaskView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import type { GatewayResponse } from '../http/http-types';
import { BotTaskParams, CompleteBody, LeaseBody } from './bots.dto';

/**
 * Seed 001 "Bot Management" and "Task Assignment" for single bots. Each route
 * validates its input and makes one request to orchestrator-brain.
 */
@Controller('bots')
export class BotsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `POST /bots` → 201 bot. @throws 409 `BOT_CAPACITY_EXCEEDED` */
  @Post()
  @HttpCode(201)
  create(@Body() body: CreateBotRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_CREATE, body);
  }

  /** `GET /bots/stats` (seed "Get Bot Statistics"), from maintained counters. */
  @Get('stats')
  stats(): Promise<BotStats> {
    return this.rpc.request<BotStats>(BRAIN_BOTS_STATS, {});
  }

  /** `GET /bots?tier=&status=&swarm=&capability=&limit=&cursor=` → `{ bots, next_cursor }`. */
  @Get()
  list(@Query() query: ListBotsRequest): Promise<BotPage> {
    return this.rpc.request<BotPage>(BRAIN_BOTS_LIST, query);
  }

  /** `GET /bots/{bot_id}` (seed "Get Bot Status"). @throws 404 `BOT_NOT_FOUND` */
  @Get(':bot_id')
  get(@Param() params: BotIdRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_GET, params);
  }

  /** `DELETE /bots/{bot_id}`: retires the bot; its queued tasks are cancelled. */
  @Delete(':bot_id')
  retire(@Param() params: BotIdRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_RETIRE, params);
  }

  /** `POST /bots/{bot_id}/tasks` (seed "Assign Task to Bot") → 201 `{ task_id, bot_id, task_type, status: "assigned", assigned_at }`. */
  @Post(':bot_id/tasks')
  @HttpCode(201)
  assign(@Param() params: BotIdRequest, @Body() task: BotTaskInput, @FairnessKey() fairnessKey: string): Promise<BotTaskAssignment> {
    return this.rpc.request<BotTaskAssignment>(BRAIN_BOTS_ASSIGN, { bot_id: params.bot_id, task, fairness_key: fairnessKey });
  }

  /**
   * `POST /bots/{bot_id}/tasks/next?lease_ms=`: an external bot leases its next
   * task (no body); 204 when none is queued.
   */
  @Post(':bot_id/tasks/next')
  async next(
    @Param() params: BotIdRequest,
    @Query() query: LeaseBody,
    @Res({ passthrough: true }) response: GatewayResponse,
  ): Promise<LeasedTask | undefined> {
    const leased = await this.rpc.request<LeasedTask | null>(BRAIN_BOTS_NEXT, { bot_id: params.bot_id, lease_ms: query.lease_ms });
    response.status(leased ? 200 : 204);
    return leased ?? undefined;
  }

  /** `POST /bots/{bot_id}/tasks/{task_id}/complete` (seed "Complete Bot Task"). @throws 409 `TASK_NOT_LEASED` */
  @Post(':bot_id/tasks/:task_id/complete')
  @HttpCode(200)
  complete(@Param() params: BotTaskParams, @Body() body: CompleteBody): Promise<TaskView> {
    return this.rpc.request<TaskView>(BRAIN_BOTS_COMPLETE, { ...params, ...body });
  }
}
