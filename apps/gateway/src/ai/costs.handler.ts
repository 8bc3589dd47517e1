import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BRAIN_CACHE_STATS, CacheStatsReply, CostsReply, CostsRequest, MEMORY_COSTS } from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors } from '../openapi/api-docs.decorators';

/**
 * Spend and the result cache (docs/ai-work.md "Costs", "Result cache"): each route
 * makes one request, to memory or to the brain.
 */
@Controller()
@ApiTags('ai')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class CostsController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `GET /costs?group_by=service|model|task_type|swarm|bot|api_key&window_s=` → spend per group, summed in SQL over stored results. */
  @Get('costs')
  @ApiOperation({
    summary: 'Spend by service, model, task type, swarm, bot or API key',
    description: 'Tokens and USD of the results stored over the last `window_s` seconds (default 86,400), highest spend first.',
  })
  @ApiOkResponse({ type: CostsReply })
  @ApiErrors('VALIDATION_FAILED')
  costs(@Query() query: CostsRequest): Promise<CostsReply> {
    return this.rpc.request<CostsReply>(MEMORY_COSTS, query);
  }

  /** `GET /cache/stats` → `{ hits, misses, entries }`. */
  @Get('cache/stats')
  @ApiOperation({ summary: 'Result cache counters', description: 'Tasks served from the cache, cacheable tasks that ran, live entries.' })
  @ApiOkResponse({ type: CacheStatsReply })
  cacheStats(): Promise<CacheStatsReply> {
    return this.rpc.request<CacheStatsReply>(BRAIN_CACHE_STATS, {});
  }
}
