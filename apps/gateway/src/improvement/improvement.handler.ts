import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AnalysisReply,
  AnalyzeRequest,
  IMPROVEMENT_ANALYZE,
  IMPROVEMENT_REPORT,
  IMPROVEMENT_SUGGESTIONS_APPROVE,
  IMPROVEMENT_SUGGESTIONS_GET,
  IMPROVEMENT_SUGGESTIONS_IMPLEMENTED,
  IMPROVEMENT_SUGGESTIONS_LIST,
  IMPROVEMENT_SUGGESTIONS_REJECT,
  ImprovementReport,
  ListSuggestionsRequest,
  RejectSuggestionRequest,
  SuggestionDecisionRequest,
  SuggestionIdRequest,
  SuggestionPage,
  SuggestionView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import type { GatewayEnv } from '../config/gateway.env';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { AnalysisReplyDto, ImprovementReportDto, SuggestionPageDto, SuggestionViewDto } from './improvement-responses.dto';
import { AnalyzeBody, ListSuggestionsQuery, RejectSuggestionBody, SuggestionIdParams } from './improvement.dto';

/**
 * Least reply timeout of the routes that make self-improvement ask other services
 * (analyze; report and get, which measure due impacts), ms: it asks memory,
 * task-router and the brain with their own timeouts (`APIARY_ANALYSIS_RPC_TIMEOUT_MS`,
 * default 10 s), so it may take longer than the default RPC timeout.
 */
export const IMPROVEMENT_RPC_TIMEOUT_MS = 30_000;

/**
 * Seed 002 component 4 "Self-Improvement" and "Suggestions Only": performance
 * analysis, suggestions a human approves or rejects (nothing is ever applied),
 * impact tracking and the improvement report. Each route makes one request to
 * self-improvement; decisions record the caller's API key id.
 */
@Controller()
@ApiTags('improvement')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class ImprovementController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  private get slowTimeout(): { timeoutMs: number } {
    return { timeoutMs: Math.max(this.env.APIARY_RPC_TIMEOUT_MS, IMPROVEMENT_RPC_TIMEOUT_MS) };
  }

  /**
   * `POST /improvement/analyze` `{ time_window_hours }` → 200 the run and the suggestions it created or updated.
   * @throws 503 `SERVICE_UNAVAILABLE` when no statistics source answered
   */
  @Post('improvement/analyze')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Analyse performance now',
    description:
      'Reads memory (latency quantiles, error patterns, per-replica load), task-router (health, breakers) and the brain (backlog) over the window, ' +
      'runs every rule and upserts each finding as a suggestion: the same open or approved finding is updated, not suggested twice. Nothing is applied.',
  })
  @ApiOkResponse({ type: AnalysisReplyDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  analyze(@Body() body: AnalyzeBody): Promise<AnalysisReply> {
    const request: AnalyzeRequest = { time_window_hours: body.time_window_hours };
    return this.rpc.request<AnalysisReply>(IMPROVEMENT_ANALYZE, request, this.slowTimeout);
  }

  /** `GET /improvement/report`: suggestions by status and priority, measured improvements, last analysis. */
  @Get('improvement/report')
  @ApiOperation({ summary: 'Improvement report', description: 'Impacts that are due are measured first.' })
  @ApiOkResponse({ type: ImprovementReportDto })
  report(): Promise<ImprovementReport> {
    return this.rpc.request<ImprovementReport>(IMPROVEMENT_REPORT, {}, this.slowTimeout);
  }

  /** `GET /suggestions?status=&priority=&limit=&cursor=`: newest first. */
  @Get('suggestions')
  @ApiOperation({ summary: 'List suggestions', description: 'Filter by status and priority; newest first, keyset-paginated.' })
  @ApiOkResponse({ type: SuggestionPageDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListSuggestionsQuery): Promise<SuggestionPage> {
    const request: ListSuggestionsRequest = { status: query.status, priority: query.priority, limit: query.limit, cursor: query.cursor };
    return this.rpc.request<SuggestionPage>(IMPROVEMENT_SUGGESTIONS_LIST, request);
  }

  /** `GET /suggestions/{id}` (its impact measured first if due). @throws 404 `SUGGESTION_NOT_FOUND` */
  @Get('suggestions/:id')
  @ApiOperation({ summary: 'Get a suggestion' })
  @ApiOkResponse({ type: SuggestionViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SUGGESTION_NOT_FOUND')
  get(@Param() params: SuggestionIdParams): Promise<SuggestionView> {
    const request: SuggestionIdRequest = { id: params.id };
    return this.rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_GET, request, this.slowTimeout);
  }

  /** `POST /suggestions/{id}/approve`: records the approval of an open suggestion. @throws 404, 409 `SUGGESTION_INVALID_TRANSITION` */
  @Post('suggestions/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a suggestion', description: 'Records the decision only: nothing in the system changes. Open suggestions only.' })
  @ApiOkResponse({ type: SuggestionViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SUGGESTION_NOT_FOUND', 'SUGGESTION_INVALID_TRANSITION')
  approve(@Param() params: SuggestionIdParams, @FairnessKey() actor: string): Promise<SuggestionView> {
    const request: SuggestionDecisionRequest = { id: params.id, actor };
    return this.rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_APPROVE, request);
  }

  /** `POST /suggestions/{id}/reject` `{ reason }`: open or approved suggestions. @throws 404, 409 `SUGGESTION_INVALID_TRANSITION` */
  @Post('suggestions/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a suggestion', description: 'Open or approved suggestions. The same finding is not suggested again for `APIARY_REJECTED_SNOOZE_S`.' })
  @ApiOkResponse({ type: SuggestionViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'SUGGESTION_NOT_FOUND', 'SUGGESTION_INVALID_TRANSITION')
  reject(@Param() params: SuggestionIdParams, @Body() body: RejectSuggestionBody, @FairnessKey() actor: string): Promise<SuggestionView> {
    const request: RejectSuggestionRequest = { id: params.id, reason: body.reason, actor };
    return this.rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_REJECT, request);
  }

  /** `POST /suggestions/{id}/implemented`: approved suggestions; starts impact tracking. @throws 404, 409 `SUGGESTION_INVALID_TRANSITION` */
  @Post('suggestions/:id/implemented')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark a suggestion implemented',
    description:
      'Approved suggestions only. The evidence metric is measured again over a window of the evidence window\'s length (at least a minute) from the next whole minute; ' +
      'the impact `{ before, after, improvement }` appears once that window has passed.',
  })
  @ApiOkResponse({ type: SuggestionViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SUGGESTION_NOT_FOUND', 'SUGGESTION_INVALID_TRANSITION')
  implemented(@Param() params: SuggestionIdParams, @FairnessKey() actor: string): Promise<SuggestionView> {
    const request: SuggestionDecisionRequest = { id: params.id, actor };
    return this.rpc.request<SuggestionView>(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED, request);
  }
}
