import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ContextDeleted,
  ContextView,
  MEMORY_CONTEXT_DELETE,
  MEMORY_CONTEXT_GET,
  MEMORY_CONTEXT_PATCH,
  MEMORY_CONTEXT_PUT,
  MEMORY_PATTERNS,
  MEMORY_RELEVANT,
  MEMORY_RUNNER_STATS,
  MEMORY_SERVICE_STATS,
  MEMORY_SHORT_TERM,
  MEMORY_SUMMARY,
  MemorySummary,
  PatchContextRequest,
  PatternsRequest,
  PutContextRequest,
  RelevantReply,
  RelevantRequest,
  RunnerStatsReply,
  ServiceStatsReply,
  ServiceStatsRequest,
  ShortTermReply,
  TaskPatterns,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import {
  ContextDeletedDto,
  ContextViewDto,
  MemorySummaryDto,
  RelevantReplyDto,
  RunnerStatsReplyDto,
  ServiceStatsReplyDto,
  ShortTermReplyDto,
  TaskPatternsDto,
} from './memory-responses.dto';
import {
  ContextIdParams,
  MemoryStatsQuery,
  PatchContextBody,
  PatternsParams,
  PatternsQuery,
  PutContextBody,
  RelevantQuery,
  RunnerStatsQuery,
  ShortTermQuery,
} from './memory.dto';

/**
 * Seed 002 component 3 "Memory System": success patterns, contexts, relevant
 * memories, short-term memory, summary and learned statistics. Each route makes
 * one request to memory.
 */
@Controller('memory')
@ApiTags('memory')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class MemoryController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `GET /memory/patterns/{task_type}?window_s=` (seed 002 `get_success_patterns`). */
  @Get('patterns/:task_type')
  @ApiOperation({
    summary: 'Success patterns of a task type',
    description:
      'Which services (success rate, latency quantiles), which parameters (features of the task data that go with success or failure, from the newest 2,000 results) and which hours of the day (UTC) succeed, over `window_s` (default 7 days).',
  })
  @ApiOkResponse({ type: TaskPatternsDto })
  @ApiErrors('VALIDATION_FAILED')
  patterns(@Param() params: PatternsParams, @Query() query: PatternsQuery): Promise<TaskPatterns> {
    const request: PatternsRequest = { task_type: params.task_type, window_s: query.window_s };
    return this.rpc.request<TaskPatterns>(MEMORY_PATTERNS, request);
  }

  /** `POST /memory/contexts` `{ context_id, data, ttl_s? }` → 201 (seed 002 `create_context`); re-POSTing replaces. */
  @Post('contexts')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create or replace a context',
    description: 'Tasks naming `context_id` hand it to their handler. POSTing an existing id replaces it (data, creation time, expiry). Expires after `ttl_s` (default 7 days).',
  })
  @ApiCreatedResponse({ type: ContextViewDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  putContext(@Body() body: PutContextBody): Promise<ContextView> {
    const request: PutContextRequest = { context_id: body.context_id, data: body.data, ttl_s: body.ttl_s };
    return this.rpc.request<ContextView>(MEMORY_CONTEXT_PUT, request);
  }

  /** `GET /memory/contexts/{context_id}` (seed 002 `get_context`). @throws 404 `CONTEXT_NOT_FOUND` (absent or expired) */
  @Get('contexts/:context_id')
  @ApiOperation({ summary: 'Get a context' })
  @ApiOkResponse({ type: ContextViewDto })
  @ApiErrors('VALIDATION_FAILED', 'CONTEXT_NOT_FOUND')
  getContext(@Param() params: ContextIdParams): Promise<ContextView> {
    return this.rpc.request<ContextView>(MEMORY_CONTEXT_GET, { context_id: params.context_id });
  }

  /** `PATCH /memory/contexts/{context_id}` `{ data?, ttl_s? }`: shallow merge. @throws 404 `CONTEXT_NOT_FOUND` */
  @Patch('contexts/:context_id')
  @ApiOperation({
    summary: 'Merge into a context',
    description: 'Each top-level key of `data` replaces that key of the context (nested objects are replaced whole). The expiry changes only when `ttl_s` is given (now + `ttl_s`).',
  })
  @ApiOkResponse({ type: ContextViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'CONTEXT_NOT_FOUND')
  patchContext(@Param() params: ContextIdParams, @Body() body: PatchContextBody): Promise<ContextView> {
    const request: PatchContextRequest = { context_id: params.context_id, data: body.data, ttl_s: body.ttl_s };
    return this.rpc.request<ContextView>(MEMORY_CONTEXT_PATCH, request);
  }

  /** `DELETE /memory/contexts/{context_id}`. @throws 404 `CONTEXT_NOT_FOUND` */
  @Delete('contexts/:context_id')
  @ApiOperation({ summary: 'Delete a context' })
  @ApiOkResponse({ type: ContextDeletedDto })
  @ApiErrors('VALIDATION_FAILED', 'CONTEXT_NOT_FOUND')
  deleteContext(@Param() params: ContextIdParams): Promise<ContextDeleted> {
    return this.rpc.request<ContextDeleted>(MEMORY_CONTEXT_DELETE, { context_id: params.context_id });
  }

  /** `GET /memory/relevant?task_type=&limit=&window_s=&context_id=` (seed 002 `get_relevant_memories`). */
  @Get('relevant')
  @ApiOperation({
    summary: 'Most relevant past results of a task type',
    description:
      'Among the 1,000 newest results of the type within `window_s` (default one day): results of `context_id` first (when given), then successful before failed, then newest. Result bodies over 16 KiB come as null with `result_truncated`.',
  })
  @ApiOkResponse({ type: RelevantReplyDto })
  @ApiErrors('VALIDATION_FAILED')
  relevant(@Query() query: RelevantQuery): Promise<RelevantReply> {
    const request: RelevantRequest = { task_type: query.task_type, limit: query.limit, window_s: query.window_s, context_id: query.context_id };
    return this.rpc.request<RelevantReply>(MEMORY_RELEVANT, request);
  }

  /** `GET /memory/short-term?limit=`: the last N results (seed 002 "Short-term: last 100 tasks"). */
  @Get('short-term')
  @ApiOperation({ summary: 'Short-term memory: the last N results, newest first' })
  @ApiOkResponse({ type: ShortTermReplyDto })
  @ApiErrors('VALIDATION_FAILED')
  shortTerm(@Query() query: ShortTermQuery): Promise<ShortTermReply> {
    return this.rpc.request<ShortTermReply>(MEMORY_SHORT_TERM, { limit: query.limit });
  }

  /** `GET /memory/summary` (seed 002 `get_memory_summary`). */
  @Get('summary')
  @ApiOperation({ summary: 'Memory summary: short-term count, long-term types, learned patterns, contexts' })
  @ApiOkResponse({ type: MemorySummaryDto })
  summary(): Promise<MemorySummary> {
    return this.rpc.request<MemorySummary>(MEMORY_SUMMARY, {});
  }

  /** `GET /memory/stats?task_type=&window_s=&group_by=`: learned statistics with quantiles and error patterns. */
  @Get('stats')
  @ApiOperation({
    summary: 'Learned statistics with latency quantiles and error patterns',
    description:
      'Per (task type, service) (one sample per routed call or handler run), or per task type with `group_by=task_type` (one per result, `service` `*`), over `window_s` (default 3,600 s): counts, mean and p50/p95/p99 latency (HDR histograms), top 5 error patterns.',
  })
  @ApiOkResponse({ type: ServiceStatsReplyDto })
  @ApiErrors('VALIDATION_FAILED')
  stats(@Query() query: MemoryStatsQuery): Promise<ServiceStatsReply> {
    const request: ServiceStatsRequest = {
      task_types: query.task_type === undefined ? undefined : [query.task_type],
      window_s: query.window_s,
      group_by: query.group_by,
      detail: true,
    };
    return this.rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, request);
  }

  /** `GET /memory/runners?window_s=`: results and busy time per bot-runtime replica. */
  @Get('runners')
  @ApiOperation({ summary: 'Load per bot-runtime replica (results, busy time)', description: 'Over `window_s` (default 3,600 s).' })
  @ApiOkResponse({ type: RunnerStatsReplyDto })
  @ApiErrors('VALIDATION_FAILED')
  runners(@Query() query: RunnerStatsQuery): Promise<RunnerStatsReply> {
    return this.rpc.request<RunnerStatsReply>(MEMORY_RUNNER_STATS, { window_s: query.window_s });
  }
}
