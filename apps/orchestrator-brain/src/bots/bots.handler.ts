import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AssignBotTaskRequest,
  AssignSwarmTaskRequest,
  BotIdRequest,
  BotPage,
  BotStats,
  BotTaskAssignment,
  BotView,
  BRAIN_BOTS_ASSIGN,
  BRAIN_BOTS_COMPLETE,
  BRAIN_BOTS_CREATE,
  BRAIN_BOTS_GET,
  BRAIN_BOTS_LIST,
  BRAIN_BOTS_NEXT,
  BRAIN_BOTS_RETIRE,
  BRAIN_BOTS_STATS,
  BRAIN_SWARMS_ASSIGN,
  BRAIN_SWARMS_BATCH,
  BRAIN_SWARMS_BOTS,
  BRAIN_SWARMS_CREATE,
  BRAIN_SWARMS_DELETE,
  BRAIN_SWARMS_GET,
  BRAIN_SWARMS_RESIZE,
  CompleteBotTaskRequest,
  CreateBotRequest,
  CreateSwarmRequest,
  LeasedTask,
  LeaseNextRequest,
  ListBotsRequest,
  ResizeSwarmRequest,
  SwarmAssignment,
  SwarmBatchRequest,
  SwarmBatchView,
  SwarmBotPage,
  SwarmBotsRequest,
  SwarmCreatedView,
  SwarmIdRequest,
  SwarmView,
  TaskView,
} from '@apiary/contracts';
import { AssignmentService } from './assignment.service';
import { FleetService } from './fleet.service';

/** NATS entry of bots and swarms (`apiary.brain.bots.*`, `apiary.brain.swarms.*`; seed 001). */
@Controller()
export class BotsHandler {
  constructor(
    private readonly fleet: FleetService,
    private readonly assignments: AssignmentService,
  ) {}

  /** Creates one bot. @throws ApiaryError BOT_CAPACITY_EXCEEDED (nothing created) */
  @MessagePattern(BRAIN_BOTS_CREATE)
  createBot(@Payload() req: CreateBotRequest): Promise<BotView> {
    return this.fleet.createBot(req);
  }

  /** One bot with exact task counters. @throws ApiaryError BOT_NOT_FOUND */
  @MessagePattern(BRAIN_BOTS_GET)
  getBot(@Payload() req: BotIdRequest): Promise<BotView> {
    return this.fleet.getBot(req.bot_id);
  }

  /** A page of bots (filters tier, status, swarm, capability; cursor on creation order). */
  @MessagePattern(BRAIN_BOTS_LIST)
  listBots(@Payload() req: ListBotsRequest): Promise<BotPage> {
    return this.fleet.listBots(req);
  }

  /** Retires a bot; its queued and retrying tasks are cancelled. @throws ApiaryError BOT_NOT_FOUND */
  @MessagePattern(BRAIN_BOTS_RETIRE)
  retireBot(@Payload() req: BotIdRequest): Promise<BotView> {
    return this.fleet.retireBot(req.bot_id);
  }

  /** Fleet statistics from maintained counters (no scan of bots). */
  @MessagePattern(BRAIN_BOTS_STATS)
  stats(): Promise<BotStats> {
    return this.fleet.stats();
  }

  /** Assigns one task to a bot. @throws ApiaryError BOT_NOT_FOUND | BOT_RETIRED | CAPABILITY_MISMATCH | INVALID_TASK_DATA */
  @MessagePattern(BRAIN_BOTS_ASSIGN)
  assign(@Payload() req: AssignBotTaskRequest): Promise<BotTaskAssignment> {
    return this.assignments.assignToBot(req.bot_id, req.task, req.fairness_key ?? null);
  }

  /** An external bot leases its next task (null when none is queued). @throws ApiaryError BOT_NOT_FOUND | BOT_RETIRED */
  @MessagePattern(BRAIN_BOTS_NEXT)
  next(@Payload() req: LeaseNextRequest): Promise<LeasedTask | null> {
    return this.assignments.leaseNext(req.bot_id, req.lease_ms);
  }

  /** An external bot completes a task it leased. @throws ApiaryError TASK_NOT_FOUND | TASK_NOT_LEASED */
  @MessagePattern(BRAIN_BOTS_COMPLETE)
  complete(@Payload() req: CompleteBotTaskRequest): Promise<TaskView> {
    return this.assignments.complete(req);
  }

  /** Creates a swarm of `count` bots; the reply holds the first page of bot ids. @throws ApiaryError BOT_CAPACITY_EXCEEDED */
  @MessagePattern(BRAIN_SWARMS_CREATE)
  createSwarm(@Payload() req: CreateSwarmRequest): Promise<SwarmCreatedView> {
    return this.fleet.createSwarm(req);
  }

  /** A swarm with its statistics. @throws ApiaryError SWARM_NOT_FOUND */
  @MessagePattern(BRAIN_SWARMS_GET)
  getSwarm(@Payload() req: SwarmIdRequest): Promise<SwarmView> {
    return this.fleet.getSwarm(req.swarm_id);
  }

  /** A page of a swarm's active bot ids (1..1,000, default 100). @throws ApiaryError SWARM_NOT_FOUND */
  @MessagePattern(BRAIN_SWARMS_BOTS)
  swarmBots(@Payload() req: SwarmBotsRequest): Promise<SwarmBotPage> {
    return this.fleet.swarmBots(req.swarm_id, req.limit, req.cursor);
  }

  /** Grows or shrinks a swarm to `count` active bots. @throws ApiaryError SWARM_NOT_FOUND | BOT_CAPACITY_EXCEEDED */
  @MessagePattern(BRAIN_SWARMS_RESIZE)
  resize(@Payload() req: ResizeSwarmRequest): Promise<SwarmView> {
    return this.fleet.resizeSwarm(req.swarm_id, req.count);
  }

  /** Deletes a swarm: retires its bots, cancels their queued tasks. @throws ApiaryError SWARM_NOT_FOUND */
  @MessagePattern(BRAIN_SWARMS_DELETE)
  deleteSwarm(@Payload() req: SwarmIdRequest): Promise<SwarmView> {
    return this.fleet.deleteSwarm(req.swarm_id);
  }

  /** Mass-action fan-out over a swarm's bots. @throws ApiaryError SWARM_NOT_FOUND | CAPABILITY_MISMATCH | INVALID_TASK_DATA */
  @MessagePattern(BRAIN_SWARMS_ASSIGN)
  assignSwarm(@Payload() req: AssignSwarmTaskRequest): Promise<SwarmAssignment> {
    return this.assignments.assignToSwarm(req.swarm_id, req.task, req.api_key ?? null);
  }

  /** A swarm batch's progress and, when done, its fan-in result. @throws ApiaryError BATCH_NOT_FOUND */
  @MessagePattern(BRAIN_SWARMS_BATCH)
  batch(@Payload() req: SwarmBatchRequest): Promise<SwarmBatchView> {
    return this.assignments.batch(req.swarm_id, req.batch_id);
  }
}
