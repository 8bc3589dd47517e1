import { ApiaryError, ListModulesRequest, ModuleHealthSummary, ModulesByCategory, ModuleView } from '@apiary/contracts';
import type { ModuleRow, RouterModuleRepository } from '@apiary/persistence';
import { assertDependenciesEnabled, assertNoEnabledDependents, graphOf } from '../registry/service-registry';
import { toModuleView } from '../registry/views';
import { enabledDependents } from './dependency-rules';

/** Category of the built-in bot-runtime handlers. */
export const BUILTIN_CATEGORY = 'builtin';

/** The module manager's storage (PostgreSQL: {@link RouterModuleRepository}). */
export type ModuleStore = Pick<RouterModuleRepository, 'all' | 'changeTopology' | 'seedBuiltins'>;

/**
 * Module manager (seed 002 component 5 `get_all_modules`, `enable_module`,
 * `disable_module`, `get_module_status`, `get_health_summary`,
 * `get_modules_by_category`). Modules are the registered services and the built-in
 * handlers this router knows; their enabled flags are persisted. A disabled module
 * receives no tasks: routing leaves disabled services out, and the brain refuses
 * submissions of a disabled built-in's type (`disabled` in route-types).
 */
export class ModuleManager {
  private readonly builtins: Set<string>;

  /**
   * @param store module rows
   * @param builtinNames built-in handlers of this build (rows of others are ignored)
   * @param afterWrite reloads the routing snapshot (awaited before replying)
   */
  constructor(
    private readonly store: ModuleStore,
    builtinNames: readonly string[],
    private readonly afterWrite: () => Promise<void>,
  ) {
    this.builtins = new Set(builtinNames);
  }

  /** Stores the built-in handlers not stored yet (enabled); others keep their flag. @returns names added */
  seedBuiltins(): Promise<string[]> {
    return this.store.seedBuiltins([...this.builtins], BUILTIN_CATEGORY);
  }

  /** @returns modules by name, filtered by category and `enabled_only=true` */
  async list(req: ListModulesRequest = {}): Promise<{ modules: ModuleView[] }> {
    const views = await this.views();
    return {
      modules: views.filter(
        (m) => (req.category === undefined || m.category === req.category) && (req.enabled_only !== 'true' || m.enabled),
      ),
    };
  }

  /** @throws ApiaryError `MODULE_NOT_FOUND` */
  async get(name: string): Promise<ModuleView> {
    const view = (await this.views()).find((m) => m.name === name);
    if (!view) throw notFound(name);
    return view;
  }

  /**
   * Enables a module (no-op when enabled).
   * @throws ApiaryError `MODULE_NOT_FOUND`; `MODULE_DEPENDENCY_DISABLED` naming every
   *   disabled or missing dependency
   */
  async enable(name: string): Promise<ModuleView> {
    return this.setEnabled(name, true);
  }

  /**
   * Disables a module (no-op when disabled).
   * @throws ApiaryError `MODULE_NOT_FOUND`; `MODULE_HAS_DEPENDENTS` ("Required by
   *   email-ai, finance-ai", `details.dependents`) naming every enabled dependent
   */
  async disable(name: string): Promise<ModuleView> {
    return this.setEnabled(name, false);
  }

  /**
   * @returns counts over all modules: `healthy`, `degraded` and `unhealthy` count
   *   enabled modules (they add up to `enabled`); `disabled` = total − enabled
   */
  async health(): Promise<ModuleHealthSummary> {
    const views = await this.views();
    const enabled = views.filter((m) => m.enabled);
    return {
      total_modules: views.length,
      enabled: enabled.length,
      healthy: enabled.filter((m) => m.health === 'healthy').length,
      degraded: enabled.filter((m) => m.health === 'degraded').length,
      unhealthy: enabled.filter((m) => m.health === 'unhealthy').length,
      disabled: views.length - enabled.length,
    };
  }

  /** @returns modules grouped by category (categories and modules by name) */
  async byCategory(): Promise<ModulesByCategory> {
    const categories: Record<string, ModuleView[]> = {};
    const views = await this.views();
    for (const category of [...new Set(views.map((m) => m.category))].sort()) {
      categories[category] = views.filter((m) => m.category === category);
    }
    return { categories };
  }

  private async setEnabled(name: string, enabled: boolean): Promise<ModuleView> {
    await this.store.changeTopology(async (graph) => {
      const nodes = graphOf((await graph.all()).filter((r) => this.known(r)));
      const row = nodes.get(name);
      if (!row) throw notFound(name);
      if (row.enabled === enabled) return;
      if (enabled) assertDependenciesEnabled(name, row.depends_on, nodes);
      else assertNoEnabledDependents(name, nodes);
      await graph.setEnabled(name, enabled);
    });
    await this.afterWrite();
    return this.get(name);
  }

  private known(row: ModuleRow): boolean {
    return row.kind === 'service' || this.builtins.has(row.name);
  }

  private async views(): Promise<ModuleView[]> {
    const rows = (await this.store.all()).filter((r) => this.known(r));
    const graph = graphOf(rows);
    return rows.map((r) => toModuleView(r, enabledDependents(r.name, graph)));
  }
}

function notFound(name: string): ApiaryError {
  return new ApiaryError('MODULE_NOT_FOUND', `Module ${name} not found`, { name });
}
