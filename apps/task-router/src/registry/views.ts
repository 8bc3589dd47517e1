import type { ModuleView, ServiceUsage, ServiceView } from '@apiary/contracts';
import type { ModuleRow } from '@apiary/persistence';

const iso = (d: Date | string): string => new Date(d).toISOString();

/**
 * @param row a service row of `router_modules`
 * @param inFlight calls routed to it by this replica and not yet reported finished
 * @param usage live use of its limits (null: none)
 * @returns its {@link ServiceView}; never the API key, only the name of its variable
 */
export function toServiceView(row: ModuleRow, inFlight: number, usage: ServiceUsage | null = null): ServiceView {
  return {
    service_name: row.name,
    endpoint: row.endpoint ?? '',
    capabilities: row.capabilities,
    protocol: row.protocol ?? 'process',
    models: row.models ?? [],
    api_key_env: row.api_key_env ?? null,
    pricing: row.pricing ?? {},
    limits: row.limits ?? {},
    usage,
    category: row.category,
    enabled: row.enabled,
    depends_on: row.depends_on,
    status: row.status,
    status_source: row.status_source,
    health_check: { enabled: row.health_check_enabled, path: row.health_check_path },
    consecutive_failures: row.consecutive_failures,
    in_flight: inFlight,
    last_checked_at: row.last_checked_at === null ? null : iso(row.last_checked_at),
    registered_at: iso(row.registered_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * @param row a module row (service or built-in)
 * @param requiredBy enabled modules depending on it
 * @returns its {@link ModuleView}; a built-in's health is `healthy` (it runs inside
 *   bot-runtime, which has no per-handler probe; the suite's `/health` covers it)
 */
export function toModuleView(row: ModuleRow, requiredBy: string[]): ModuleView {
  return {
    name: row.name,
    kind: row.kind,
    category: row.category,
    enabled: row.enabled,
    depends_on: row.depends_on,
    required_by: requiredBy,
    health: row.kind === 'builtin' ? 'healthy' : row.status,
    capabilities: row.capabilities,
    endpoint: row.kind === 'builtin' ? null : row.endpoint,
  };
}
