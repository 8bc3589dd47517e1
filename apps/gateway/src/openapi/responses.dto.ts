import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  BotPage,
  BotStats,
  BotTaskAssignment,
  BotView,
  ERROR_CODES,
  ErrorCode,
  ErrorPayload,
  LeasedTask,
  PriorityLevel,
  PrioritizeReply,
  PriorityConfigView,
  ScoredTask,
  SubmitBatchReply,
  TaskPage,
  SwarmAssignment,
  SwarmBatchView,
  SwarmBotPage,
  SwarmCreatedView,
  SwarmView,
  TaskErrorInfo,
  TaskStatus,
  TaskView,
  Tier,
} from '@apiary/contracts';
import type { HttpErrorBody } from '../errors/http-exception.filter';
import type { ConnectionState, DownstreamService, GatewayHealth, ServiceState } from '../health/health.service';
import type { OrchestrateReply } from '../orchestrate/orchestrate.dto';

/*
 * OpenAPI shapes of the gateway's replies. The replies themselves are TypeScript
 * interfaces (libs/contracts, health.service.ts, ...), which leave nothing at run
 * time; each class here `implements` one, so a field added to or retyped in the
 * interface fails to compile until it is documented. The @nestjs/swagger plugin
 * (openapi-plugin.cjs, `*.dto.ts`) turns the fields into schema properties:
 * `?` → optional, literal unions → `enum`, `| null` → `nullable`, JSDoc →
 * `description`. `@ApiSchema` gives the components the interfaces' names.
 * `@ApiProperty` is written only where the plugin cannot infer the schema
 * (`unknown` values, single string literals, keys that are not identifiers).
 */

/**
 * `@ApiProperty` options of a field holding any JSON value (`unknown` in
 * TypeScript, which the plugin would document as an object).
 */
export const ANY_JSON_VALUE = {
  anyOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }],
};

/** Error recorded on a failed attempt or task. */
@ApiSchema({ name: 'TaskError' })
export class TaskErrorInfoDto implements TaskErrorInfo {
  /** Machine-readable handler error code, e.g. `HTTP_TIMEOUT`, `HANDLER_ERROR`. */
  code!: string;
  /** Human-readable message. */
  message!: string;
  /** Whether another attempt may succeed (timeouts, 5xx, lost leases). */
  retryable!: boolean;
}

/** A task (`GET /tasks/{task_id}`). Times are ISO-8601 (UTC). */
@ApiSchema({ name: 'TaskView' })
export class TaskViewDto implements TaskView {
  /** Task id (UUID). */
  task_id!: string;
  /** Task type, e.g. `text.sentiment`. */
  type!: string;
  /** `queued → dispatched → running → succeeded | failed`; `retrying` between attempts, `dead` after the last. */
  status!: TaskStatus;
  priority!: PriorityLevel;
  /** Priority score: level × type multiplier × tier weight (higher runs first). */
  score!: number;
  /** Dispatches so far (1 for a task run once). */
  attempts!: number;
  /** The handler's result (any JSON) once `succeeded`, else null. */
  @ApiProperty({ ...ANY_JSON_VALUE, nullable: true, description: "The handler's result (any JSON) once `succeeded`, else null." })
  result!: unknown;
  /** Last error, or null. */
  error!: TaskErrorInfoDto | null;
  /** Batch (`POST /tasks/batch`, `/orchestrate`, swarm assignment) the task belongs to. */
  batch_id!: string | null;
  created_at!: string;
  started_at!: string | null;
  finished_at!: string | null;
}

/** Reply of `POST /tasks/batch`. */
@ApiSchema({ name: 'SubmitBatchReply' })
export class SubmitBatchReplyDto implements SubmitBatchReply {
  batch_id!: string;
  /** Task ids, in submit order. */
  task_ids!: string[];
}

/** Reply of `POST /orchestrate`. */
@ApiSchema({ name: 'OrchestrateReply' })
export class OrchestrateReplyDto implements OrchestrateReply {
  batch_id!: string;
  /** Task ids, in the order of the steps. */
  task_ids!: string[];
  @ApiProperty({ enum: ['queued'] })
  status!: 'queued';
}

/** State of each downstream service as the gateway sees it. */
@ApiSchema({ name: 'ServicesHealth' })
export class ServicesHealthDto implements Record<DownstreamService, ServiceState> {
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  'orchestrator-brain'!: ServiceState;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  'task-router'!: ServiceState;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  memory!: ServiceState;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  'self-improvement'!: ServiceState;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  scaler!: ServiceState;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unreachable'] })
  'bot-runtime'!: ServiceState;
}

/** `GET /health`: 200 when everything is healthy and connected, else 503 with the same body. */
@ApiSchema({ name: 'GatewayHealth' })
export class GatewayHealthDto implements GatewayHealth {
  status!: 'healthy' | 'unhealthy';
  @ApiProperty({ enum: ['gateway'] })
  service!: 'gateway';
  nats!: ConnectionState;
  /** PostgreSQL as the orchestrator brain sees it. */
  database!: ConnectionState;
  services!: ServicesHealthDto;
  /** ISO-8601 time of the check. */
  timestamp!: string;
}

/** `GET /livez`. */
@ApiSchema({ name: 'Liveness' })
export class LivenessDto {
  @ApiProperty({ enum: ['alive'] })
  status!: 'alive';
}

/** `GET /readyz` reply. */
@ApiSchema({ name: 'Readiness' })
export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] })
  status!: 'ready' | 'not_ready';
  @ApiProperty({ enum: ['connected', 'disconnected'] })
  nats!: 'connected' | 'disconnected';
}

/** A bot. Counters are exact, derived from its tasks; times ISO-8601. */
@ApiSchema({ name: 'BotView' })
export class BotViewDto implements BotView {
  id!: string;
  name!: string;
  tier!: Tier;
  status!: 'active' | 'retired';
  capabilities!: string[];
  swarm_id!: string | null;
  /** Tasks of this bot run at once. */
  max_concurrency!: number;
  /** Tasks that succeeded. */
  tasks_completed!: number;
  /** All tasks ever assigned. */
  total_tasks!: number;
  /** Queued, dispatched, running or retrying. */
  pending_tasks!: number;
  /** Same as `tasks_completed`. */
  completed_tasks!: number;
  /** Failed, dead, cancelled or timed out. */
  failed_tasks!: number;
  last_active!: string | null;
  created_at!: string;
}

/** A page of bots. */
@ApiSchema({ name: 'BotPage' })
export class BotPageDto implements BotPage {
  bots!: BotViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}

/** Active bots per tier. */
@ApiSchema({ name: 'TierDistribution' })
export class TierDistributionDto implements Record<Tier, number> {
  standard!: number;
  advanced!: number;
  L20!: number;
}

/** `GET /bots/stats`, read from maintained counters. */
@ApiSchema({ name: 'BotStats' })
export class BotStatsDto implements BotStats {
  total_created!: number;
  active_bots!: number;
  tasks_executed!: number;
  tier_distribution!: TierDistributionDto;
  swarm_count!: number;
  capacity_remaining!: number;
  /** active_bots / capacity × 100, one decimal. */
  utilization_percent!: number;
  timestamp!: string;
}

/** Reply of `POST /bots/{bot_id}/tasks`. */
@ApiSchema({ name: 'BotTaskAssignment' })
export class BotTaskAssignmentDto implements BotTaskAssignment {
  task_id!: string;
  bot_id!: string;
  task_type!: string;
  @ApiProperty({ enum: ['assigned'] })
  status!: 'assigned';
  assigned_at!: string;
}

/** A task leased by an external bot (`POST /bots/{bot_id}/tasks/next`). */
@ApiSchema({ name: 'LeasedTask' })
export class LeasedTaskDto implements LeasedTask {
  task_id!: string;
  bot_id!: string;
  type!: string;
  data!: Record<string, unknown>;
  attempt!: number;
  /** Complete before this time (ISO-8601) or the task goes back to the queue. */
  lease_expires_at!: string;
}

/** Reply of `POST /swarms`: `bot_ids` is the first page, the rest via `GET /swarms/{swarm_id}/bots?cursor=`. */
@ApiSchema({ name: 'SwarmCreatedView' })
export class SwarmCreatedViewDto implements SwarmCreatedView {
  id!: string;
  name!: string;
  bot_count!: number;
  tier!: Tier;
  capabilities!: string[];
  /** First page of bot ids (up to 100). */
  bot_ids!: string[];
  next_cursor!: string | null;
  status!: 'active' | 'deleted';
  created_at!: string;
}

/** A swarm (`GET /swarms/{swarm_id}`). */
@ApiSchema({ name: 'SwarmView' })
export class SwarmViewDto implements SwarmView {
  id!: string;
  name!: string;
  bot_count!: number;
  tier!: Tier;
  capabilities!: string[];
  active_bots!: number;
  total_tasks_completed!: number;
  average_tasks_per_bot!: number;
  status!: 'active' | 'deleted';
  created_at!: string;
}

/** A page of a swarm's bot ids. */
@ApiSchema({ name: 'SwarmBotPage' })
export class SwarmBotPageDto implements SwarmBotPage {
  swarm_id!: string;
  bot_ids!: string[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}

/** Reply of `POST /swarms/{swarm_id}/tasks` (fan-out). */
@ApiSchema({ name: 'SwarmAssignment' })
export class SwarmAssignmentDto implements SwarmAssignment {
  swarm_id!: string;
  task_type!: string;
  /** Tasks created. */
  assignments!: number;
  /** Follow it with `GET /swarms/{swarm_id}/batches/{batch_id}`. */
  batch_id!: string;
  @ApiProperty({ enum: ['distributed'] })
  status!: 'distributed';
  timestamp!: string;
}

/** Progress of a swarm batch and, when done, its fan-in result. */
@ApiSchema({ name: 'SwarmBatchView' })
export class SwarmBatchViewDto implements SwarmBatchView {
  swarm_id!: string;
  batch_id!: string;
  task_type!: string;
  total!: number;
  succeeded!: number;
  failed!: number;
  running!: number;
  queued!: number;
  /** `done` when no task is pending any more. */
  status!: 'running' | 'done';
  /** The handler's reducer applied to every succeeded task's result (when done). */
  @ApiProperty({
    ...ANY_JSON_VALUE,
    nullable: true,
    description: "The handler's reducer applied to every succeeded task's result (when `done`).",
  })
  result!: unknown;
}

/** `error` member of every error response. */
@ApiSchema({ name: 'Error' })
export class ErrorPayloadDto implements ErrorPayload {
  @ApiProperty({ enum: ERROR_CODES, description: 'Machine-readable code; the HTTP status follows from it.' })
  code!: ErrorCode;
  /** Human-readable message naming the offending field or resource. */
  message!: string;
  /** Structured details, e.g. `[{ field, constraints }]` for `VALIDATION_FAILED`. */
  @ApiProperty({
    ...ANY_JSON_VALUE,
    required: false,
    description: 'Structured details, e.g. `[{ field, constraints }]` for `VALIDATION_FAILED`.',
  })
  details?: unknown;
}

/** Body of every 4xx/5xx response. */
@ApiSchema({ name: 'ErrorBody' })
export class HttpErrorBodyDto implements HttpErrorBody {
  error!: ErrorPayloadDto;
}

/** A page of tasks (`GET /tasks`), newest first. */
@ApiSchema({ name: 'TaskPage' })
export class TaskPageDto implements TaskPage {
  tasks!: TaskViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}

/** A task scored by `POST /prioritize`. */
@ApiSchema({ name: 'ScoredTask' })
export class ScoredTaskDto implements ScoredTask {
  type!: string;
  priority!: PriorityLevel;
  tier!: Tier;
  /** level × type multiplier × tier weight. */
  score!: number;
  /** Position of the task in the request. */
  index!: number;
}

/** `POST /prioritize` reply: highest score first, ties in request order. */
@ApiSchema({ name: 'PrioritizeReply' })
export class PrioritizeReplyDto implements PrioritizeReply {
  tasks!: ScoredTaskDto[];
}

/** `GET /priority` and `PUT /priority/multipliers` reply (seed 002). */
@ApiSchema({ name: 'PriorityConfig' })
export class PriorityConfigDto implements PriorityConfigView {
  /** critical 4, high 3, normal 2, low 1. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { critical: 4, high: 3, normal: 2, low: 1 } })
  levels!: Record<PriorityLevel, number>;
  /** Effective multipliers by task type; other types 1.0. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { fraud_detection: 1.5, finance: 1.5 } })
  type_multipliers!: Record<string, number>;
  /** standard 1.0, advanced 1.25, L20 1.5. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { standard: 1, advanced: 1.25, L20: 1.5 } })
  tier_weights!: Record<Tier, number>;
  /** Score points a waiting task gains per minute. */
  aging_per_minute!: number;
}
