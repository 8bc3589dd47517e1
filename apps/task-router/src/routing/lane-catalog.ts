import { BUILTIN_TASK_TYPES, laneOf, LLM_CHAT_TASK_TYPE, RouteTypesReply, SERVICE_LANE, TASK_TYPE_ALIASES, TypeRoute, workSubject } from '@apiary/contracts';

/** Adds the type's result cache TTL (when the directory knows policies and it is set). */
function withPolicy(route: TypeRoute, directory: ModuleDirectory): TypeRoute {
  const ttl = directory.cacheTtlS?.(route.task_type) ?? 0;
  return ttl > 0 ? { ...route, cache_ttl_s: ttl } : route;
}

/** What lane resolution needs to know of the modules (the registry snapshot). */
export interface ModuleDirectory {
  /** @returns whether a built-in handler is enabled; undefined when no built-in has that name */
  builtinEnabled(name: string): boolean | undefined;
  /**
   * @returns `enabled` when an enabled registered service offers the capability,
   *   `disabled` when services offer it but all are disabled, undefined when none does
   */
  capabilityState(taskType: string): 'enabled' | 'disabled' | undefined;
  /** @returns the result cache TTL of the type's routing policy, seconds (0: off; absent: no policies known) */
  cacheTtlS?(taskType: string): number;
}

/** A directory with every built-in enabled and no registered service. */
class BuiltinsOnly implements ModuleDirectory {
  constructor(private readonly names: Set<string>) {}
  builtinEnabled(name: string): boolean | undefined {
    return this.names.has(name) ? true : undefined;
  }
  capabilityState(): undefined {
    return undefined;
  }
}

/**
 * Capability → lane resolution (DESIGN.md "task-router": capability matching;
 * `apiary.router.route-types`, the brain's lane resolution). A task type is a capability:
 * - a built-in bot-runtime handler serves its own type on its own JetStream lane
 *   (`kind: 'builtin'`), so a slow capability cannot block another;
 * - a capability of an enabled registered service runs on {@link SERVICE_LANE} with
 *   bot-runtime's `http` handler, which asks the router for a route per attempt
 *   (`kind: 'service'`);
 * - a type whose module is disabled (a disabled built-in, or a capability whose every
 *   service is disabled) is listed in `disabled`; anything else in `unknown`.
 * Built-in handler names take precedence over service capabilities of the same name:
 * a service offering `noop` never receives `noop` tasks submitted to the brain (and a
 * disabled `noop` built-in makes `noop` disabled even if a service offers it).
 */
export class LaneCatalog {
  private readonly builtins: Set<string>;

  /** @param builtinTypes capabilities served by bot-runtime handlers (default: all built-ins) */
  constructor(builtinTypes: string[] = Object.keys(BUILTIN_TASK_TYPES)) {
    this.builtins = new Set(builtinTypes);
  }

  /**
   * @param taskType a task type
   * @param directory module states (default: every built-in enabled, no services)
   * @returns its route, `disabled`, or undefined when nothing serves it
   */
  route(taskType: string, directory: ModuleDirectory = new BuiltinsOnly(this.builtins)): TypeRoute | 'disabled' | undefined {
    // An alias (e.g. `data_processing`) runs on its built-in's lane and handler.
    const builtin = this.builtins.has(taskType) ? taskType : TASK_TYPE_ALIASES[taskType];
    if (builtin !== undefined && this.builtins.has(builtin)) {
      if (directory.builtinEnabled(builtin) === false) return 'disabled';
      const lane = laneOf(builtin);
      return withPolicy(
        { task_type: taskType, lane, subject: workSubject(lane), handler: builtin, kind: 'builtin', ...(builtin === LLM_CHAT_TASK_TYPE ? { routed: true } : {}) },
        directory,
      );
    }
    const state = directory.capabilityState(taskType);
    if (state === 'enabled') {
      return withPolicy(
        { task_type: taskType, lane: SERVICE_LANE, subject: workSubject(SERVICE_LANE), handler: 'http', kind: 'service', routed: true },
        directory,
      );
    }
    return state;
  }

  /** Routes several types at once; each distinct type appears once in the reply. */
  routeAll(taskTypes: string[], directory: ModuleDirectory = new BuiltinsOnly(this.builtins)): RouteTypesReply {
    const routes: TypeRoute[] = [];
    const unknown: string[] = [];
    const disabled: string[] = [];
    for (const type of new Set(taskTypes)) {
      const r = this.route(type, directory);
      if (r === 'disabled') disabled.push(type);
      else if (r) routes.push(r);
      else unknown.push(type);
    }
    return { routes, unknown, disabled };
  }
}
