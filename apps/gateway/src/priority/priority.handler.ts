import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BRAIN_PRIORITY_GET, BRAIN_PRIORITY_SET_MULTIPLIERS, PriorityConfigView, SetMultipliersRequest } from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { PriorityConfigDto } from '../openapi/responses.dto';

/** Seed 002 "Task Prioritization": the rules in force, and type multipliers set through the API (persisted). */
@Controller('priority')
@ApiTags('tasks')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class PriorityController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `GET /priority`: levels, effective type multipliers, tier weights, aging. */
  @Get()
  @ApiOperation({ summary: 'Priority rules in force' })
  @ApiOkResponse({ type: PriorityConfigDto })
  get(): Promise<PriorityConfigView> {
    return this.rpc.request<PriorityConfigView>(BRAIN_PRIORITY_GET, {});
  }

  /**
   * `PUT /priority/multipliers` `{ type_multipliers: { type: m | null } }`: sets
   * (0 < m ≤ 100) or removes multipliers; applies to tasks scored from now on.
   */
  @Put('multipliers')
  @ApiOperation({ summary: 'Set or remove task type priority multipliers (persisted)' })
  @ApiOkResponse({ type: PriorityConfigDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  set(@Body() body: SetMultipliersRequest): Promise<PriorityConfigView> {
    return this.rpc.request<PriorityConfigView>(BRAIN_PRIORITY_SET_MULTIPLIERS, body);
  }
}
