import { blockingDependencies, dependencyCycle, enabledDependents, GraphNode } from './dependency-rules';

function graph(nodes: GraphNode[]): Map<string, GraphNode> {
  return new Map(nodes.map((n) => [n.name, n]));
}

describe('dependency rules', () => {
  const g = graph([
    { name: 'database-connector', enabled: true, depends_on: [] },
    { name: 'email-ai', enabled: true, depends_on: ['database-connector'] },
    { name: 'finance-ai', enabled: true, depends_on: ['database-connector', 'noop'] },
    { name: 'archive-ai', enabled: false, depends_on: ['database-connector'] },
    { name: 'noop', enabled: false, depends_on: [] },
  ]);

  it('names every enabled dependent, not disabled ones (seed: "Required by email-ai, finance-ai")', () => {
    expect(enabledDependents('database-connector', g)).toEqual(['email-ai', 'finance-ai']);
    expect(enabledDependents('email-ai', g)).toEqual([]);
  });

  it('names every disabled and every missing dependency', () => {
    expect(blockingDependencies(['noop', 'database-connector', 'ghost', 'archive-ai'], g)).toEqual({
      disabled: ['archive-ai', 'noop'],
      missing: ['ghost'],
    });
    expect(blockingDependencies(['database-connector'], g)).toEqual({ disabled: [], missing: [] });
  });

  it('finds a cycle through the changed module only', () => {
    expect(dependencyCycle('database-connector', ['email-ai'], g)).toEqual(['database-connector', 'email-ai', 'database-connector']);
    expect(dependencyCycle('x', ['x'], g)).toEqual(['x', 'x']);
    expect(dependencyCycle('new-ai', ['email-ai', 'finance-ai'], g)).toBeUndefined();
  });

  it('ignores cycles that do not pass through the module', () => {
    const cyclic = graph([
      { name: 'a', enabled: true, depends_on: ['b'] },
      { name: 'b', enabled: true, depends_on: ['a'] },
    ]);
    expect(dependencyCycle('c', ['a'], cyclic)).toBeUndefined();
  });
});
