import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { BotPageDto, BotStatsDto, BotTaskAssignmentDto, BotViewDto, LeasedTaskDto, TaskViewDto } from '../openapi/responses.dto';
import { BotTaskParams, CompleteBody, LeaseBody } from './bots.dto';

/**
 * Seed 001 "Bot Management" and "Task Assignment" for single bots. Each route
 * validates its input and makes one request to orchestrator-brain.
 */
@Controller('bots')
@ApiTags('bots')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class BotsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `POST /bots` → 201 bot. @throws 409 `BOT_CAPACITY_EXCEEDED` */
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a bot' })
  @ApiCreatedResponse({ type: BotViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'BOT_CAPACITY_EXCEEDED')
  create(@Body() body: CreateBotRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_CREATE, body);
  }

  /** `GET /bots/stats` (seed "Get Bot Statistics"), from maintained counters. */
  @Get('stats')
  @ApiOperation({ summary: 'Fleet statistics' })
  @ApiOkResponse({ type: BotStatsDto })
  stats(): Promise<BotStats> {
    return this.rpc.request<BotStats>(BRAIN_BOTS_STATS, {});
  }

  /** `GET /bots?tier=&status=&swarm=&capability=&limit=&cursor=` → `{ bots, next_cursor }`. */
  @Get()
  @ApiOperation({
    summary: 'List bots',
    description: 'Filters combine; pages of `limit` bots, the next page with `cursor` = the previous `next_cursor`.',
  })
  @ApiOkResponse({ type: BotPageDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListBotsRequest): Promise<BotPage> {
    return this.rpc.request<BotPage>(BRAIN_BOTS_LIST, query);
  }

  /** `GET /bots/{bot_id}` (seed "Get Bot Status"). @throws 404 `BOT_NOT_FOUND` */
  @Get(':bot_id')
  @ApiOperation({ summary: 'Get a bot with its task counters' })
  @ApiOkResponse({ type: BotViewDto })
  @ApiErrors('VALIDATION_FAILED', 'BOT_NOT_FOUND')
  get(@Param() params: BotIdRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_GET, params);
  }

  /** `DELETE /bots/{bot_id}`: retires the bot; its queued tasks are cancelled. */
  @Delete(':bot_id')
  @ApiOperation({ summary: 'Retire a bot', description: 'Its queued and retrying tasks are cancelled; in-flight ones finish.' })
  @ApiOkResponse({ type: BotViewDto, description: 'The retired bot.' })
  @ApiErrors('VALIDATION_FAILED', 'BOT_NOT_FOUND')
  retire(@Param() params: BotIdRequest): Promise<BotView> {
    return this.rpc.request<BotView>(BRAIN_BOTS_RETIRE, params);
  }

  /** `POST /bots/{bot_id}/tasks` (seed "Assign Task to Bot") → 201 `{ task_id, bot_id, task_type, status: "assigned", assigned_at }`. */
  @Post(':bot_id/tasks')
  @HttpCode(201)
  @ApiOperation({ summary: 'Assign a task to a bot', description: 'The task type must be one of the bot\'s capabilities.' })
  @ApiCreatedResponse({ type: BotTaskAssignmentDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'BOT_NOT_FOUND', 'BOT_RETIRED', 'CAPABILITY_MISMATCH', 'INVALID_TASK_DATA')
  assign(@Param() params: BotIdRequest, @Body() task: BotTaskInput, @FairnessKey() fairnessKey: string): Promise<BotTaskAssignment> {
    return this.rpc.request<BotTaskAssignment>(BRAIN_BOTS_ASSIGN, { bot_id: params.bot_id, task, fairness_key: fairnessKey });
  }

  /**
   * `POST /bots/{bot_id}/tasks/next?lease_ms=`: an external bot leases its next
   * task (no body); 204 when none is queued.
   */
  @Post(':bot_id/tasks/next')
  @ApiOperation({
    summary: 'Lease the next task of an external bot',
    description:
      'For capabilities no runtime handler serves: the bot leases its highest-scored queued task and completes it ' +
      'before the lease expires, or the task goes back to the queue. No body.',
  })
  @ApiOkResponse({ type: LeasedTaskDto, description: 'The leased task.' })
  @ApiNoContentResponse({ description: 'No task is queued for this bot.' })
  @ApiErrors('VALIDATION_FAILED', 'BOT_NOT_FOUND', 'BOT_RETIRED')
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
  @ApiOperation({ summary: 'Complete a task an external bot leased', description: '`result` on success, or `error` on failure.' })
  @ApiOkResponse({ type: TaskViewDto, description: 'The task after completion.' })
  @ApiErrors(...JSON_BODY_ERRORS, 'BOT_NOT_FOUND', 'BOT_RETIRED', 'TASK_NOT_FOUND', 'TASK_NOT_LEASED')
  complete(@Param() params: BotTaskParams, @Body() body: CompleteBody): Promise<TaskView> {
    return this.rpc.request<TaskView>(BRAIN_BOTS_COMPLETE, { ...params, ...body });
  }
}
