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

  @MessagePattern(BRAIN_BOTS_CREATE)
  createBot(@Payload() req: CreateBotRequest): Promise<BotView> {
    return this.fleet.createBot(req);
  }

  @MessagePattern(BRAIN_BOTS_GET)
  getBot(@Payload() req: BotIdRequest): Promise<BotView> {
    return this.fleet.getBot(req.bot_id);
  }

  @MessagePattern(BRAIN_BOTS_LIST)
  listBots(@Payload() req: ListBotsRequest): Promise<BotPage> {
    return this.fleet.listBots(req);
  }

  @MessagePattern(BRAIN_BOTS_RETIRE)
  retireBot(@Payload() req: BotIdRequest): Promise<BotView> {
    return this.fleet.retireBot(req.bot_id);
  }

  @MessagePattern(BRAIN_BOTS_STATS)
  stats(): Promise<BotStats> {
    return this.fleet.stats();
  }

  @MessagePattern(BRAIN_BOTS_ASSIGN)
  assign(@Payload() req: AssignBotTaskRequest): Promise<BotTaskAssignment> {
    return this.assignments.assignToBot(req.bot_id, req.task, req.fairness_key ?? null);
  }

  @MessagePattern(BRAIN_BOTS_NEXT)
  next(@Payload() req: LeaseNextRequest): Promise<LeasedTask | null> {
    return this.assignments.leaseNext(req.bot_id, req.lease_ms);
  }

  @MessagePattern(BRAIN_BOTS_COMPLETE)
  complete(@Payload() req: CompleteBotTaskRequest): Promise<TaskView> {
    return this.assignments.complete(req);
  }

  @MessagePattern(BRAIN_SWARMS_CREATE)
  createSwarm(@Payload() req: CreateSwarmRequest): Promise<SwarmCreatedView> {
    return this.fleet.createSwarm(req);
  }

  @MessagePattern(BRAIN_SWARMS_GET)
  getSwarm(@Payload() req: SwarmIdRequest): Promise<SwarmView> {
    return this.fleet.getSwarm(req.swarm_id);
  }

  @MessagePattern(BRAIN_SWARMS_BOTS)
  swarmBots(@Payload() req: SwarmBotsRequest): Promise<SwarmBotPage> {
    return this.fleet.swarmBots(req.swarm_id, req.limit, req.cursor);
  }

  @MessagePattern(BRAIN_SWARMS_RESIZE)
  resize(@Payload() req: ResizeSwarmRequest): Promise<SwarmView> {
    return this.fleet.resizeSwarm(req.swarm_id, req.count);
  }

  @MessagePattern(BRAIN_SWARMS_DELETE)
  deleteSwarm(@Payload() req: SwarmIdRequest): Promise<SwarmView> {
    return this.fleet.deleteSwarm(req.swarm_id);
  }

  @MessagePattern(BRAIN_SWARMS_ASSIGN)
  assignSwarm(@Payload() req: AssignSwarmTaskRequest): Promise<SwarmAssignment> {
    return this.assignments.assignToSwarm(req.swarm_id, req.task);
  }

  @MessagePattern(BRAIN_SWARMS_BATCH)
  batch(@Payload() req: SwarmBatchRequest): Promise<SwarmBatchView> {
    return this.assignments.batch(req.swarm_id, req.batch_id);
  }
}
