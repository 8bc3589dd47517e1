import {
  ApiaryError,
  LLM_CHAT_TASK_TYPE,
  normaliseModels,
  ServiceUsage,
  ListServicesReply,
  ListServicesRequest,
  RegisterServiceRequest,
  ServiceView,
  SetServiceHealthRequest,
} from '@apiary/contracts';
import type { ModuleRow, RouterModuleRepository } from '@apiary/persistence';
import { blockingDependencies, dependencyCycle, enabledDependents, GraphNode } from '../modules/dependency-rules';
import { toServiceView } from './views';

/** Category of a service registered without one. */
export const DEFAULT_SERVICE_CATEGORY = 'ai-service';
/** Path probed when a registration gives none. */
export const DEFAULT_HEALTH_PATH = '/health';
/** Path probed on an `openai` service whose health check is enabled (relative to its API base URL): the models list. */
export const OPENAI_HEALTH_PATH = '/models';

/** The registry's storage (PostgreSQL: {@link RouterModuleRepository}). */
export type RegistryStore = Pick<RouterModuleRepository, 'changeTopology' | 'list' | 'get' | 'setHealthManually'>;

/** @throws ApiaryError `VALIDATION_FAILED` naming the field */
function invalid(field: string, message: string): never {
  throw new ApiaryError('VALIDATION_FAILED', `${field}: ${message}`, [{ field, constraints: [message] }]);
}

/**
 * @param name the module to enable (or register enabled)
 * @param dependsOn its dependencies
 * @param graph every module
 * @throws ApiaryError `MODULE_DEPENDENCY_DISABLED` naming every disabled or missing dependency
 */
export function assertDependenciesEnabled(name: string, dependsOn: string[], graph: Map<string, GraphNode>): void {
  const { disabled, missing } = blockingDependencies(dependsOn, graph);
  if (disabled.length === 0 && missing.length === 0) return;
  const parts = [];
  if (disabled.length) parts.push(`disabled: ${disabled.join(', ')}`);
  if (missing.length) parts.push(`not registered: ${missing.join(', ')}`);
  throw new ApiaryError('MODULE_DEPENDENCY_DISABLED', `${name} depends on modules that are not enabled (${parts.join('; ')})`, {
    module: name,
    dependencies: [...disabled, ...missing],
    disabled,
    missing,
  });
}

/**
 * @param name the module to disable or deregister
 * @param graph every module
 * @throws ApiaryError `MODULE_HAS_DEPENDENTS` "Required by a, b" naming every enabled dependent
 */
export function assertNoEnabledDependents(name: string, graph: Map<string, GraphNode>): void {
  const dependents = enabledDependents(name, graph);
  if (dependents.length) {
    throw new ApiaryError('MODULE_HAS_DEPENDENTS', `Required by ${dependents.join(', ')}`, { module: name, dependents });
  }
}

/** @returns the rows by name */
export function graphOf(rows: ModuleRow[]): Map<string, ModuleRow> {
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Service registry of the task-router (docs/architecture.md "Routing to AI
 * services": `register_service`, `update_service_health`), kept in PostgreSQL. Changes
 * of the module graph run under one lock so dependency checks hold across replicas;
 * after each write the replica's routing snapshot is reloaded before replying.
 */
export class ServiceRegistry {
  /**
   * @param store registry rows
   * @param afterWrite reloads the routing snapshot (awaited before replying)
   * @param inFlight in-flight routed calls of a service on this replica
   */
  constructor(
    private readonly store: RegistryStore,
    private readonly afterWrite: () => Promise<void>,
    private readonly inFlight: (service: string) => number,
    private readonly usage: (services: string[]) => Promise<Map<string, ServiceUsage>> = async () => new Map(),
  ) {}

  /**
   * Registers a service, or updates a registered one (upsert by name): endpoint,
   * capabilities, category (default `ai-service`), dependencies and health check
   * (default enabled, `/health`) are replaced; the enabled flag is kept; health is
   * reset to `healthy` when the endpoint changes. A new service is enabled and
   * probed at once.
   * An `openai` service (docs/ai-work.md "LLM providers") serves `llm.chat` with
   * each of its `models`; `pricing` may only name those models. Only the name of the
   * API key's variable is stored.
   * @throws ApiaryError `VALIDATION_FAILED` when the name is a built-in module's, the
   *   service depends on itself or the dependencies form a cycle, a `process` service
   *   lists `llm.chat` or models, or `pricing` names a model the service does not list;
   *   `MODULE_DEPENDENCY_DISABLED` when it would be enabled while a dependency is disabled or missing
   */
  async register(req: RegisterServiceRequest): Promise<ServiceView> {
    const name = req.service_name;
    const dependsOn = [...new Set(req.depends_on ?? [])];
    const protocol = req.protocol ?? 'process';
    const models = normaliseModels(req.models);
    const capabilities = [...new Set(req.capabilities ?? [])];
    if (protocol === 'openai') {
      if (!capabilities.includes(LLM_CHAT_TASK_TYPE)) capabilities.unshift(LLM_CHAT_TASK_TYPE);
    } else {
      if (capabilities.includes(LLM_CHAT_TASK_TYPE)) invalid('capabilities', `${LLM_CHAT_TASK_TYPE} is served by protocol "openai" services only`);
      if (models.length > 0) invalid('models', 'models are for protocol "openai" services');
    }
    const known = new Set(models.map((m) => m.name));
    for (const model of Object.keys(req.pricing ?? {})) {
      if (!known.has(model)) invalid(`pricing.${model}`, `"${model}" is not one of the service's models`);
    }
    if (dependsOn.includes(name)) invalid('depends_on', `${name} cannot depend on itself`);
    const row = await this.store.changeTopology(async (graph) => {
      const nodes = graphOf(await graph.all());
      const existing = nodes.get(name);
      if (existing?.kind === 'builtin') invalid('service_name', `"${name}" is the name of a built-in module`);
      const cycle = dependencyCycle(name, dependsOn, nodes);
      if (cycle) invalid('depends_on', `dependency cycle ${cycle.join(' → ')}`);
      if (existing?.enabled !== false) assertDependenciesEnabled(name, dependsOn, nodes);
      const result = await graph.upsertService({
        name,
        endpoint: req.endpoint.replace(/\/+$/, ''),
        capabilities,
        category: req.category ?? DEFAULT_SERVICE_CATEGORY,
        depends_on: dependsOn,
        // A provider's API needs the key, which only bot-runtime holds: its health comes
        // from call outcomes and breakers unless a check is asked for (docs/ai-work.md).
        health_check_enabled: req.health_check?.enabled ?? (protocol === 'openai' ? req.health_check?.path !== undefined : true),
        health_check_path: req.health_check?.path ?? (protocol === 'openai' ? OPENAI_HEALTH_PATH : DEFAULT_HEALTH_PATH),
        protocol,
        models,
        api_key_env: req.api_key_env ?? null,
        pricing: req.pricing ?? {},
        limits: { ...(req.limits ?? {}) },
      });
      if (!result) invalid('service_name', `"${name}" is the name of a built-in module`);
      return result.row;
    });
    await this.afterWrite();
    return this.view(row);
  }

  /** @returns registered services, by name, filtered by capability and health, with the live use of their limits */
  async list(req: ListServicesRequest): Promise<ListServicesReply> {
    const rows = await this.store.list({ kind: 'service', capability: req.capability, status: req.status });
    const usage = await this.usage(rows.map((r) => r.name));
    return { services: rows.map((r) => toServiceView(r, this.inFlight(r.name), usage.get(r.name) ?? null)) };
  }

  /** @returns the service with `limits` and live `usage: { rpm, tpm, in_flight, throttled_until }`. @throws ApiaryError `SERVICE_NOT_FOUND` */
  async get(name: string): Promise<ServiceView> {
    const row = await this.store.get(name);
    if (!row || row.kind !== 'service') throw notFound(name);
    return this.view(row);
  }

  private async view(row: ModuleRow): Promise<ServiceView> {
    const usage = await this.usage([row.name]);
    return toServiceView(row, this.inFlight(row.name), usage.get(row.name) ?? null);
  }

  /**
   * Sets a service's health by hand (`status_source: manual`; probe streaks reset).
   * Active health checks go on: a manual status holds until the probe thresholds are
   * crossed the other way (disable the service's health check to keep it).
   * @throws ApiaryError `SERVICE_NOT_FOUND`
   */
  async setHealth(req: SetServiceHealthRequest): Promise<ServiceView> {
    const row = await this.store.setHealthManually(req.service_name, req.status);
    if (!row) throw notFound(req.service_name);
    await this.afterWrite();
    return this.view(row);
  }

  /**
   * Deregisters a service.
   * @throws ApiaryError `SERVICE_NOT_FOUND`; `MODULE_HAS_DEPENDENTS` while enabled modules depend on it
   */
  async deregister(name: string): Promise<{ service_name: string; deleted: true }> {
    await this.store.changeTopology(async (graph) => {
      const nodes = graphOf(await graph.all());
      if (nodes.get(name)?.kind !== 'service') throw notFound(name);
      assertNoEnabledDependents(name, nodes);
      await graph.deleteService(name);
    });
    await this.afterWrite();
    return { service_name: name, deleted: true };
  }
}

function notFound(name: string): ApiaryError {
  return new ApiaryError('SERVICE_NOT_FOUND', `Service ${name} is not registered`, { service_name: name });
}
