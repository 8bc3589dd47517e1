import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ListModulesRequest,
  ModuleHealthSummary,
  ModulesByCategory,
  ModuleView,
  ROUTER_MODULE_BY_CATEGORY,
  ROUTER_MODULE_DISABLE,
  ROUTER_MODULE_ENABLE,
  ROUTER_MODULE_GET,
  ROUTER_MODULE_HEALTH,
  ROUTER_MODULE_LIST,
} from '@apiary/contracts';
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors } from '../openapi/api-docs.decorators';
import { ModuleHealthSummaryDto, ModuleListDto, ModulesByCategoryDto, ModuleViewDto } from '../openapi/routing-responses.dto';
import { ModuleNameParams } from './routing.dto';

/**
 * Seed 002 component 5 "Module Manager": AI services and built-in handlers with
 * category, enabled flag, dependencies and health. A disabled module receives no tasks.
 */
@Controller('modules')
@ApiTags('modules')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class ModulesController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `GET /modules?category=&enabled_only=` (seed `get_all_modules`). */
  @Get()
  @ApiOperation({ summary: 'List modules' })
  @ApiOkResponse({ type: ModuleListDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListModulesRequest): Promise<{ modules: ModuleView[] }> {
    return this.rpc.request(ROUTER_MODULE_LIST, query);
  }

  /** `GET /modules/health` (seed `get_health_summary`). */
  @Get('health')
  @ApiOperation({ summary: 'Module health summary' })
  @ApiOkResponse({ type: ModuleHealthSummaryDto })
  health(): Promise<ModuleHealthSummary> {
    return this.rpc.request<ModuleHealthSummary>(ROUTER_MODULE_HEALTH, {});
  }

  /** `GET /modules/by-category` (seed `get_modules_by_category`). */
  @Get('by-category')
  @ApiOperation({ summary: 'Modules grouped by category' })
  @ApiOkResponse({ type: ModulesByCategoryDto })
  byCategory(): Promise<ModulesByCategory> {
    return this.rpc.request<ModulesByCategory>(ROUTER_MODULE_BY_CATEGORY, {});
  }

  /** `GET /modules/{name}` (seed `get_module_status`). @throws 404 `MODULE_NOT_FOUND` */
  @Get(':name')
  @ApiOperation({ summary: 'Get a module' })
  @ApiOkResponse({ type: ModuleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'MODULE_NOT_FOUND')
  get(@Param() params: ModuleNameParams): Promise<ModuleView> {
    return this.rpc.request<ModuleView>(ROUTER_MODULE_GET, { name: params.name });
  }

  /** `POST /modules/{name}/enable`. @throws 409 `MODULE_DEPENDENCY_DISABLED` naming every disabled dependency */
  @Post(':name/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a module', description: 'Refused while a module it depends on is disabled.' })
  @ApiOkResponse({ type: ModuleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'MODULE_NOT_FOUND', 'MODULE_DEPENDENCY_DISABLED')
  enable(@Param() params: ModuleNameParams): Promise<ModuleView> {
    return this.rpc.request<ModuleView>(ROUTER_MODULE_ENABLE, { name: params.name });
  }

  /** `POST /modules/{name}/disable`. @throws 409 `MODULE_HAS_DEPENDENTS` ("Required by …") */
  @Post(':name/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a module', description: 'Refused while an enabled module depends on it ("Required by email-ai, finance-ai"). A disabled module receives no tasks.' })
  @ApiOkResponse({ type: ModuleViewDto })
  @ApiErrors('VALIDATION_FAILED', 'MODULE_NOT_FOUND', 'MODULE_HAS_DEPENDENTS')
  disable(@Param() params: ModuleNameParams): Promise<ModuleView> {
    return this.rpc.request<ModuleView>(ROUTER_MODULE_DISABLE, { name: params.name });
  }
}
