import { IsBooleanString, IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';
import { HealthState } from './services';

/**
 * Module manager (seed 002 component 5): the AI services (registered in the
 * router) and the built-in bot-runtime handlers, each with a category, an
 * enabled flag, dependencies and a health state. A disabled module receives no
 * tasks: the router leaves it out of routes, and a disabled built-in handler's
 * type is refused at submit (409 `MODULE_DISABLED`).
 */

/** Subject: list modules. {@link ListModulesRequest} → `{ modules: ModuleView[] }`. */
export const ROUTER_MODULE_LIST = 'apiary.router.modules.list';
/** Subject: one module. {@link ModuleNameRequest} → {@link ModuleView}; `MODULE_NOT_FOUND`. */
export const ROUTER_MODULE_GET = 'apiary.router.modules.get';
/** Subject: enable. {@link ModuleNameRequest} → {@link ModuleView}; `MODULE_DEPENDENCY_DISABLED` naming every disabled dependency. */
export const ROUTER_MODULE_ENABLE = 'apiary.router.modules.enable';
/** Subject: disable. {@link ModuleNameRequest} → {@link ModuleView}; `MODULE_HAS_DEPENDENTS` naming every enabled dependent. */
export const ROUTER_MODULE_DISABLE = 'apiary.router.modules.disable';
/** Subject: health summary. `{}` → {@link ModuleHealthSummary}. */
export const ROUTER_MODULE_HEALTH = 'apiary.router.modules.health';
/** Subject: modules grouped by category. `{}` → {@link ModulesByCategory}. */
export const ROUTER_MODULE_BY_CATEGORY = 'apiary.router.modules.by-category';

/** `GET /modules` query (seed `get_all_modules(category=, enabled_only=)`). */
export class ListModulesRequest {
  @IsOptional() @IsString() @MaxLength(64)
  category?: string;
  /** `"true"` or `"false"` (query strings). */
  @IsOptional() @IsBooleanString()
  enabled_only?: string;
}

/** A module name. */
export class ModuleNameRequest {
  @IsDefined() @IsString() @MaxLength(64)
  name!: string;
}

/** A module (seed `get_module_status`). */
export interface ModuleView {
  name: string;
  /** `service` (registered HTTP service) or `builtin` (bot-runtime handler). */
  kind: 'service' | 'builtin';
  category: string;
  enabled: boolean;
  depends_on: string[];
  /** Enabled modules that depend on this one. */
  required_by: string[];
  health: HealthState;
  capabilities: string[];
  /** Base URL of a service module; null for a built-in. */
  endpoint: string | null;
}

/** Reply of {@link ROUTER_MODULE_HEALTH} (seed `get_health_summary`). */
export interface ModuleHealthSummary {
  total_modules: number;
  enabled: number;
  /** Enabled and healthy. */
  healthy: number;
  degraded: number;
  unhealthy: number;
  disabled: number;
}

/** Reply of {@link ROUTER_MODULE_BY_CATEGORY} (seed `get_modules_by_category`). */
export interface ModulesByCategory {
  categories: Record<string, ModuleView[]>;
}
