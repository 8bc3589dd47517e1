import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BRAIN_GET_TASK,
  BRAIN_LIST_TASKS,
  BRAIN_PRIORITIZE,
  BRAIN_RETRY_TASK,
  ListTasksRequest,
  PrioritizeReply,
  PrioritizeRequest,
  TaskPage,
  BRAIN_SUBMIT,
  BRAIN_SUBMIT_BATCH,
  GetTaskRequest,
  SubmitBatchReply,
  SubmitBatchRequest,
  SubmitTaskReply,
  SubmitTaskRequest,
  TaskInput,
  TaskView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import type { GatewayEnv } from '../config/gateway.env';
import type { GatewayResponse } from '../http/http-types';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { PrioritizeReplyDto, SubmitBatchReplyDto, TaskPageDto, TaskViewDto } from '../openapi/responses.dto';
import { SubmitBatchBody } from './tasks.dto';

/**
 * Task endpoints of the public API. Each handler validates its input (global
 * pipe), makes one RPC to the orchestrator brain and returns the reply.
 * Errors (from the brain or NATS) are mapped by the global filter:
 * `SERVICE_UNAVAILABLE` 503 when the brain is down, `UPSTREAM_TIMEOUT` 504.
 */
@Controller()
@ApiTags('tasks')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class TasksController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /**
   * `POST /tasks`: submit one task (`TaskInput`). The API key's fairness key is
   * added for the brain.
   * @returns 201 with the new `TaskView`, or 200 with the existing one when the
   *   `idempotency_key` was already used with the same input
   * @throws ApiaryError `UNKNOWN_TASK_TYPE` / `INVALID_TASK_DATA` (422),
   *   `IDEMPOTENCY_CONFLICT` (409) from the brain
   */
  @Post('tasks')
  @ApiOperation({ summary: 'Submit a task' })
  @ApiCreatedResponse({ type: TaskViewDto, description: 'The new task.' })
  @ApiOkResponse({ type: TaskViewDto, description: 'The existing task: this `idempotency_key` was used within 24 h with the same input.' })
  @ApiErrors(...JSON_BODY_ERRORS, 'UNKNOWN_TASK_TYPE', 'INVALID_TASK_DATA', 'IDEMPOTENCY_CONFLICT')
  async submit(
    @Body() task: TaskInput,
    @FairnessKey() fairnessKey: string,
    @Res({ passthrough: true }) response: GatewayResponse,
  ): Promise<TaskView> {
    const request: SubmitTaskRequest = { task, fairness_key: fairnessKey };
    const reply = await this.rpc.request<SubmitTaskReply>(BRAIN_SUBMIT, request);
    response.status(reply.created ? 201 : 200);
    return reply.task;
  }

  /**
   * `POST /tasks/batch`: submit 1..10,000 tasks at once, all or nothing (RPC
   * timeout `APIARY_BATCH_RPC_TIMEOUT_MS`).
   * @returns 201 `{ batch_id, task_ids }`, ids in submit order
   */
  @Post('tasks/batch')
  @HttpCode(201)
  @ApiOperation({ summary: 'Submit 1..10,000 tasks at once, all or nothing' })
  @ApiCreatedResponse({ type: SubmitBatchReplyDto, description: 'The batch and its task ids, in submit order.' })
  @ApiErrors(...JSON_BODY_ERRORS, 'BATCH_TOO_LARGE', 'UNKNOWN_TASK_TYPE', 'INVALID_TASK_DATA', 'IDEMPOTENCY_CONFLICT')
  submitBatch(@Body() body: SubmitBatchBody, @FairnessKey() fairnessKey: string): Promise<SubmitBatchReply> {
    const request: SubmitBatchRequest = { tasks: body.tasks, fairness_key: fairnessKey, max_cost_usd: body.max_cost_usd };
    return this.rpc.request<SubmitBatchReply>(BRAIN_SUBMIT_BATCH, request, { timeoutMs: this.env.APIARY_BATCH_RPC_TIMEOUT_MS });
  }

  /**
   * `GET /tasks/{task_id}` and seed 001's `GET /task/{task_id}` ("Get Task
   * Status"): the task's current `TaskView`.
   * @throws ApiaryError `VALIDATION_FAILED` (400) naming `task_id` when it is not a
   *   UUID; `TASK_NOT_FOUND` (404) from the brain for an unknown id
   */
  @Get(['tasks/:task_id', 'task/:task_id'])
  @ApiOperation({ summary: 'Get a task', description: '`GET /task/{task_id}` is the same route (seed 001 name).' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiErrors('VALIDATION_FAILED', 'TASK_NOT_FOUND')
  get(@Param() params: GetTaskRequest): Promise<TaskView> {
    return this.rpc.request<TaskView>(BRAIN_GET_TASK, { task_id: params.task_id } satisfies GetTaskRequest);
  }

  /**
   * `GET /tasks?batch_id=&status=&limit=&cursor=`: a batch's tasks, or the tasks
   * in a final failure status (`status=dead` is the dead-letter list), newest first.
   */
  @Get('tasks')
  @ApiOperation({ summary: 'List tasks of a batch, or dead / failed / cancelled / timed-out tasks' })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListTasksRequest): Promise<TaskPage> {
    return this.rpc.request<TaskPage>(BRAIN_LIST_TASKS, query);
  }

  /**
   * `POST /tasks/{task_id}/retry`: re-drive a dead, failed, cancelled or timed-out
   * task (back to `queued` with a fresh set of attempts).
   * @throws ApiaryError `TASK_NOT_RETRYABLE` (409) for any other status
   */
  @Post('tasks/:task_id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-drive a dead or failed task' })
  @ApiOkResponse({ type: TaskViewDto, description: 'The task, queued again.' })
  @ApiErrors('VALIDATION_FAILED', 'TASK_NOT_FOUND', 'TASK_NOT_RETRYABLE')
  retry(@Param() params: GetTaskRequest): Promise<TaskView> {
    return this.rpc.request<TaskView>(BRAIN_RETRY_TASK, { task_id: params.task_id });
  }

  /** `POST /prioritize` (seed 002): scores and orders tasks without running them. */
  @Post('prioritize')
  @HttpCode(200)
  @ApiOperation({ summary: 'Score and order tasks (level × type multiplier × tier weight)' })
  @ApiOkResponse({ type: PrioritizeReplyDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  prioritize(@Body() body: PrioritizeRequest): Promise<PrioritizeReply> {
    return this.rpc.request<PrioritizeReply>(BRAIN_PRIORITIZE, body);
  }
}
