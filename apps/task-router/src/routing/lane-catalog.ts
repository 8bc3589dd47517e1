import { BUILTIN_TASK_TYPES, laneOf, RouteTypesReply, TypeRoute, workSubject } from '@apiary/contracts';

/**
 * Capability → lane resolution (DESIGN.md "task-router": capability matching).
 * A task type is a capability; the built-in bot-runtime handlers serve their own
 * types, each on its own JetStream lane so a slow capability cannot block another.
 * Registered external services (issue "router") will add capabilities here.
 */
export class LaneCatalog {
  private readonly handlers: Map<string, string>;

  /** @param builtinTypes capabilities served by bot-runtime handlers (default: all built-ins) */
  constructor(builtinTypes: string[] = Object.keys(BUILTIN_TASK_TYPES)) {
    this.handlers = new Map(builtinTypes.map((t) => [t, t]));
  }

  /** @returns the route of one type, or undefined when no handler serves it */
  route(taskType: string): TypeRoute | undefined {
    const handler = this.handlers.get(taskType);
    if (!handler) return undefined;
    const lane = laneOf(taskType);
    return { task_type: taskType, lane, subject: workSubject(lane), handler, kind: 'builtin' };
  }

  /** Routes several types at once. */
  routeAll(taskTypes: string[]): RouteTypesReply {
    const routes: TypeRoute[] = [];
    const unknown: string[] = [];
    for (const type of new Set(taskTypes)) {
      const r = this.route(type);
      if (r) routes.push(r);
      else unknown.push(type);
    }
    return { routes, unknown };
  }
}
