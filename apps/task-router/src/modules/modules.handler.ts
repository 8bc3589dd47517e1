import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ListModulesRequest,
  ModuleHealthSummary,
  ModuleNameRequest,
  ModulesByCategory,
  ModuleView,
  ROUTER_MODULE_BY_CATEGORY,
  ROUTER_MODULE_DISABLE,
  ROUTER_MODULE_ENABLE,
  ROUTER_MODULE_GET,
  ROUTER_MODULE_HEALTH,
  ROUTER_MODULE_LIST,
} from '@apiary/contracts';
import { ModuleManager } from './module-manager';

/** NATS entry of the module manager (`apiary.router.modules.*`). */
@Controller()
export class ModulesHandler {
  constructor(private readonly modules: ModuleManager) {}

  /** Modules by name, `category` and `enabled_only` filters. */
  @MessagePattern(ROUTER_MODULE_LIST)
  list(@Payload() req: ListModulesRequest): Promise<{ modules: ModuleView[] }> {
    return this.modules.list(req);
  }

  /** @throws ApiaryError MODULE_NOT_FOUND */
  @MessagePattern(ROUTER_MODULE_GET)
  get(@Payload() req: ModuleNameRequest): Promise<ModuleView> {
    return this.modules.get(req.name);
  }

  /** @throws ApiaryError MODULE_NOT_FOUND, MODULE_DEPENDENCY_DISABLED */
  @MessagePattern(ROUTER_MODULE_ENABLE)
  enable(@Payload() req: ModuleNameRequest): Promise<ModuleView> {
    return this.modules.enable(req.name);
  }

  /** @throws ApiaryError MODULE_NOT_FOUND, MODULE_HAS_DEPENDENTS */
  @MessagePattern(ROUTER_MODULE_DISABLE)
  disable(@Payload() req: ModuleNameRequest): Promise<ModuleView> {
    return this.modules.disable(req.name);
  }

  /** Health summary over all modules. */
  @MessagePattern(ROUTER_MODULE_HEALTH)
  health(): Promise<ModuleHealthSummary> {
    return this.modules.health();
  }

  /** Modules grouped by category. */
  @MessagePattern(ROUTER_MODULE_BY_CATEGORY)
  byCategory(): Promise<ModulesByCategory> {
    return this.modules.byCategory();
  }
}
