/**
 * Dependency rules of the module manager (seed 002 component 5, "Safety
 * Mechanisms: Dependency Management"): a module can be enabled only while every
 * module it depends on is, and disabled (or deregistered) only while no enabled
 * module depends on it. Pure functions over the module graph.
 */

/** What the rules need of a module. */
export interface GraphNode {
  name: string;
  enabled: boolean;
  depends_on: string[];
}

/** Dependencies that stop a module from being enabled. */
export interface BlockingDependencies {
  /** Registered but disabled. */
  disabled: string[];
  /** Not registered at all. */
  missing: string[];
}

/**
 * @param dependsOn the module's dependencies
 * @param graph every module by name
 * @returns its dependencies that are disabled or missing, each list sorted
 */
export function blockingDependencies(dependsOn: string[], graph: Map<string, GraphNode>): BlockingDependencies {
  const disabled: string[] = [];
  const missing: string[] = [];
  for (const dep of new Set(dependsOn)) {
    const node = graph.get(dep);
    if (!node) missing.push(dep);
    else if (!node.enabled) disabled.push(dep);
  }
  return { disabled: disabled.sort(), missing: missing.sort() };
}

/**
 * @param name a module
 * @param graph every module by name
 * @returns the enabled modules (other than itself) that depend on it, sorted
 */
export function enabledDependents(name: string, graph: Map<string, GraphNode>): string[] {
  const out: string[] = [];
  for (const node of graph.values()) {
    if (node.name !== name && node.enabled && node.depends_on.includes(name)) out.push(node.name);
  }
  return out.sort();
}

/**
 * @param name a module (new or changed)
 * @param dependsOn its dependencies after the change
 * @param graph every module by name (its own entry, if any, is ignored)
 * @returns a dependency cycle through it, e.g. `['a', 'b', 'a']`, or undefined
 */
export function dependencyCycle(name: string, dependsOn: string[], graph: Map<string, GraphNode>): string[] | undefined {
  const depsOf = (n: string) => (n === name ? dependsOn : graph.get(n)?.depends_on ?? []);
  const onPath = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (onPath.has(n)) return [...path.slice(path.indexOf(n)), n];
    if (done.has(n)) return undefined;
    onPath.add(n);
    path.push(n);
    for (const d of depsOf(n)) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(n);
    done.add(n);
    return undefined;
  };
  const cycle = visit(name);
  return cycle && cycle.includes(name) ? cycle : undefined;
}
