import { LLM_CHAT_TASK_TYPE, RoutingStrategy } from '@apiary/contracts';
import type { ModuleRow, PolicyRow } from '@apiary/persistence';
import { PolicyBook } from '../routing/policy-book';
import type { Candidate } from '../routing/route-planner';
import type { ModuleDirectory } from '../routing/lane-catalog';

/** A registered service as routing sees it. */
export type ServiceEntry = Candidate;

/**
 * An immutable in-memory copy of the registry (services, built-in modules) and
 * the routing policies at one config version, indexed for routing: a decision
 * reads no database. Built by {@link SnapshotStore} after every change.
 */
export class RouterSnapshot implements ModuleDirectory {
  /** Policies in force. */
  readonly policies: PolicyBook;
  private readonly byCapability = new Map<string, ServiceEntry[]>();
  private readonly byName = new Map<string, ServiceEntry>();
  private readonly builtins = new Map<string, boolean>();

  /**
   * @param version config version the rows were read at
   * @param modules every row of `router_modules`
   * @param policies every row of `router_policies`
   * @param builtinNames built-in handlers this build of the router knows (others are ignored)
   * @param envStrategy default strategy when none is stored
   */
  constructor(
    readonly version: string,
    modules: ModuleRow[],
    policies: PolicyRow[],
    builtinNames: readonly string[],
    envStrategy: RoutingStrategy,
  ) {
    this.policies = new PolicyBook(policies, envStrategy);
    const known = new Set(builtinNames);
    for (const name of builtinNames) this.builtins.set(name, true);
    const sorted = [...modules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const m of sorted) {
      if (m.kind === 'builtin') {
        if (known.has(m.name)) this.builtins.set(m.name, m.enabled);
        continue;
      }
      const entry: ServiceEntry = {
        service_name: m.name,
        endpoint: m.endpoint ?? '',
        status: m.status,
        enabled: m.enabled,
        protocol: m.protocol ?? 'process',
        models: m.models ?? [],
        pricing: m.pricing ?? {},
        limits: m.limits ?? {},
        api_key_env: m.api_key_env ?? null,
      };
      this.byName.set(m.name, entry);
      // An OpenAI-compatible provider serves `llm.chat` whatever else it lists
      // (docs/ai-work.md "LLM providers"); `llm.chat` is served by nothing else.
      const caps = new Set(m.capabilities);
      if (entry.protocol === 'openai') caps.add(LLM_CHAT_TASK_TYPE);
      else caps.delete(LLM_CHAT_TASK_TYPE);
      for (const cap of caps) {
        const list = this.byCapability.get(cap);
        if (list) list.push(entry);
        else this.byCapability.set(cap, [entry]);
      }
    }
  }

  /** An empty snapshot (before the first load). */
  static empty(builtinNames: readonly string[], envStrategy: RoutingStrategy): RouterSnapshot {
    return new RouterSnapshot('0', [], [], builtinNames, envStrategy);
  }

  /** @returns services offering the capability (enabled or not), by name */
  capable(taskType: string): readonly ServiceEntry[] {
    return this.byCapability.get(taskType) ?? [];
  }

  builtinEnabled(name: string): boolean | undefined {
    return this.builtins.get(name);
  }

  capabilityState(taskType: string): 'enabled' | 'disabled' | undefined {
    const services = this.byCapability.get(taskType);
    if (!services) return undefined;
    return services.some((s) => s.enabled) ? 'enabled' : 'disabled';
  }

  /** @returns the result cache TTL of a task type's policy, seconds (0: off) */
  cacheTtlS(taskType: string): number {
    return this.policies.resolve(taskType).cache_ttl_s;
  }

  /** @returns every registered service, by name */
  services(): ServiceEntry[] {
    return [...this.byName.values()];
  }

  /** @returns the registered service of that name, or undefined */
  service(name: string): ServiceEntry | undefined {
    return this.byName.get(name);
  }

  /** @returns every capability some service offers (with `llm.chat` when an `openai` service is registered) */
  capabilities(): string[] {
    return [...this.byCapability.keys()].sort();
  }
}
