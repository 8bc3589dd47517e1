import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BRAIN_SCHEDULES_CREATE,
  BRAIN_SCHEDULES_DELETE,
  BRAIN_SCHEDULES_GET,
  BRAIN_SCHEDULES_LIST,
  BRAIN_SCHEDULES_PAUSE,
  BRAIN_SCHEDULES_RESUME,
  BRAIN_SCHEDULES_RUNS,
  CreateScheduleRequest,
  ListScheduleRunsRequest,
  ScheduleIdRequest,
  ScheduleList,
  ScheduleRunPage,
  ScheduleView,
} from '@apiary/contracts';
import { ScheduleService } from './schedule.service';

/** NATS entry of cron schedules (`apiary.brain.schedules.*`; seed 004 `schedule_workflow`). */
@Controller()
export class SchedulesHandler {
  constructor(private readonly schedules: ScheduleService) {}

  /** @throws ApiaryError INVALID_SCHEDULE (422), SCHEDULE_EXISTS (409), or the workflow's / task's submit errors */
  @MessagePattern(BRAIN_SCHEDULES_CREATE)
  create(@Payload() req: CreateScheduleRequest): Promise<ScheduleView> {
    return this.schedules.create(req);
  }

  /** Every schedule. */
  @MessagePattern(BRAIN_SCHEDULES_LIST)
  list(): Promise<ScheduleList> {
    return this.schedules.list();
  }

  /** @throws ApiaryError SCHEDULE_NOT_FOUND */
  @MessagePattern(BRAIN_SCHEDULES_GET)
  get(@Payload() req: ScheduleIdRequest): Promise<ScheduleView> {
    return this.schedules.get(req.schedule_id);
  }

  /** @throws ApiaryError SCHEDULE_NOT_FOUND */
  @MessagePattern(BRAIN_SCHEDULES_DELETE)
  delete(@Payload() req: ScheduleIdRequest): Promise<ScheduleView> {
    return this.schedules.delete(req.schedule_id);
  }

  /** @throws ApiaryError SCHEDULE_NOT_FOUND */
  @MessagePattern(BRAIN_SCHEDULES_PAUSE)
  pause(@Payload() req: ScheduleIdRequest): Promise<ScheduleView> {
    return this.schedules.pause(req.schedule_id);
  }

  /** @throws ApiaryError SCHEDULE_NOT_FOUND */
  @MessagePattern(BRAIN_SCHEDULES_RESUME)
  resume(@Payload() req: ScheduleIdRequest): Promise<ScheduleView> {
    return this.schedules.resume(req.schedule_id);
  }

  /** @throws ApiaryError SCHEDULE_NOT_FOUND */
  @MessagePattern(BRAIN_SCHEDULES_RUNS)
  runs(@Payload() req: ListScheduleRunsRequest): Promise<ScheduleRunPage> {
    return this.schedules.runs(req);
  }
}
