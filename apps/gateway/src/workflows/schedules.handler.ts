import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BRAIN_SCHEDULES_CREATE,
  BRAIN_SCHEDULES_DELETE,
  BRAIN_SCHEDULES_GET,
  BRAIN_SCHEDULES_LIST,
  BRAIN_SCHEDULES_PAUSE,
  BRAIN_SCHEDULES_RESUME,
  BRAIN_SCHEDULES_RUNS,
  CreateScheduleRequest,
  ScheduleIdRequest,
  ScheduleList,
  ScheduleRunPage,
  ScheduleView,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { FairnessKey } from '../auth/api-key.guard';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { ScheduleListDto, ScheduleRunPageDto, ScheduleViewDto } from './workflow-responses.dto';
import { CreateScheduleBody, ScheduleRunsQuery } from './workflows.dto';

/** Seed 004 `schedule_workflow(cron_expression, ...)`: cron schedules of workflows or tasks. */
@Controller('schedules')
@ApiTags('schedules')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class SchedulesController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `POST /schedules` → 201. @throws 422 `INVALID_SCHEDULE`, 409 `SCHEDULE_EXISTS` */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a cron schedule',
    description:
      'Starts `workflow` (inline or `{ definition, parameters }`) or submits `task` at each occurrence of `cron` (5 fields, or 6 with seconds first) in `timezone` ' +
      '(IANA, default UTC). Each occurrence fires once across brain replicas. An occurrence missed while no brain ran is run once on start with `catch_up: true`, ' +
      'and skipped otherwise (recorded as `skipped`).',
  })
  @ApiCreatedResponse({ type: ScheduleViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'INVALID_SCHEDULE', 'SCHEDULE_EXISTS', 'INVALID_WORKFLOW', 'UNKNOWN_TASK_TYPE', 'INVALID_TASK_DATA', 'WORKFLOW_NOT_FOUND')
  create(@Body() body: CreateScheduleBody, @FairnessKey() fairnessKey: string): Promise<ScheduleView> {
    const request: CreateScheduleRequest = { ...body, fairness_key: fairnessKey };
    return this.rpc.request<ScheduleView>(BRAIN_SCHEDULES_CREATE, request);
  }

  /** `GET /schedules`. */
  @Get()
  @ApiOperation({ summary: 'List schedules' })
  @ApiOkResponse({ type: ScheduleListDto })
  list(): Promise<ScheduleList> {
    return this.rpc.request<ScheduleList>(BRAIN_SCHEDULES_LIST, {});
  }

  /** `GET /schedules/{schedule_id}`. */
  @Get(':schedule_id')
  @ApiOperation({ summary: 'Get a schedule' })
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SCHEDULE_NOT_FOUND')
  get(@Param() params: ScheduleIdRequest): Promise<ScheduleView> {
    return this.rpc.request<ScheduleView>(BRAIN_SCHEDULES_GET, { schedule_id: params.schedule_id });
  }

  /** `DELETE /schedules/{schedule_id}` (its run history too). */
  @Delete(':schedule_id')
  @ApiOperation({ summary: 'Delete a schedule' })
  @ApiOkResponse({ type: ScheduleViewDto, description: 'The deleted schedule.' })
  @ApiErrors('VALIDATION_FAILED', 'SCHEDULE_NOT_FOUND')
  delete(@Param() params: ScheduleIdRequest): Promise<ScheduleView> {
    return this.rpc.request<ScheduleView>(BRAIN_SCHEDULES_DELETE, { schedule_id: params.schedule_id });
  }

  /** `POST /schedules/{schedule_id}/pause`. */
  @Post(':schedule_id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a schedule', description: 'Occurrences while paused are not run (not even with `catch_up`).' })
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SCHEDULE_NOT_FOUND')
  pause(@Param() params: ScheduleIdRequest): Promise<ScheduleView> {
    return this.rpc.request<ScheduleView>(BRAIN_SCHEDULES_PAUSE, { schedule_id: params.schedule_id });
  }

  /** `POST /schedules/{schedule_id}/resume`: from the first occurrence after now. */
  @Post(':schedule_id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a schedule', description: 'It fires again from its first occurrence after now.' })
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SCHEDULE_NOT_FOUND')
  resume(@Param() params: ScheduleIdRequest): Promise<ScheduleView> {
    return this.rpc.request<ScheduleView>(BRAIN_SCHEDULES_RESUME, { schedule_id: params.schedule_id });
  }

  /** `GET /schedules/{schedule_id}/runs?limit=&cursor=`: handled occurrences, newest first. */
  @Get(':schedule_id/runs')
  @ApiOperation({ summary: 'Runs of a schedule', description: 'One record per occurrence: `fired` (with its workflow or task), `skipped`, or `error`.' })
  @ApiOkResponse({ type: ScheduleRunPageDto })
  @ApiErrors('VALIDATION_FAILED', 'SCHEDULE_NOT_FOUND')
  runs(@Param() params: ScheduleIdRequest, @Query() query: ScheduleRunsQuery): Promise<ScheduleRunPage> {
    return this.rpc.request<ScheduleRunPage>(BRAIN_SCHEDULES_RUNS, { schedule_id: params.schedule_id, ...query });
  }
}
