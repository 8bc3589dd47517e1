import { LaneCatalog } from './lane-catalog';

describe('LaneCatalog', () => {
  const catalog = new LaneCatalog();

  it('routes built-in types to their own lanes', () => {
    expect(catalog.route('text.sentiment')).toEqual({
      task_type: 'text.sentiment',
      lane: 'text_sentiment',
      subject: 'apiary.work.text_sentiment',
      handler: 'text.sentiment',
      kind: 'builtin',
    });
  });

  it('reports unknown types once each', () => {
    const reply = catalog.routeAll(['noop', 'mystery', 'mystery', 'sleep']);
    expect(reply.routes.map((r) => r.task_type)).toEqual(['noop', 'sleep']);
    expect(reply.unknown).toEqual(['mystery']);
  });
});
