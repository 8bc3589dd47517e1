import type { ModuleRow } from '@apiary/persistence';
import { RouterSnapshot } from '../registry/router-snapshot';
import { LaneCatalog } from './lane-catalog';

function row(name: string, fields: Partial<ModuleRow>): ModuleRow {
  const t = new Date(0);
  return {
    name, kind: 'service', category: 'ai-service', enabled: true, depends_on: [], capabilities: [], endpoint: `http://${name}`,
    status: 'healthy', status_source: 'registration', health_check_enabled: false, health_check_path: '/health',
    consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
    protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, ...fields,
  };
}

describe('LaneCatalog', () => {
  const catalog = new LaneCatalog();
  const builtins = ['text.sentiment', 'http', 'noop', 'sleep'];

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
    expect(reply.disabled).toEqual([]);
  });

  it('routes capabilities of enabled services to the service lane and lists disabled modules', () => {
    const snapshot = new RouterSnapshot(
      '7',
      [
        row('email-ai', { capabilities: ['email_campaign', 'email_automation'] }),
        row('marketing-ai', { capabilities: ['email_campaign'], enabled: false }),
        row('archive-ai', { capabilities: ['archive'], enabled: false }),
        row('noop-ai', { capabilities: ['noop'] }),
        row('sleep', { kind: 'builtin', capabilities: ['sleep'], endpoint: null, enabled: false }),
      ],
      [],
      builtins,
      'learned',
    );
    const reply = catalog.routeAll(['email_campaign', 'archive', 'sleep', 'noop', 'mystery'], snapshot);
    expect(reply.routes).toEqual([
      { task_type: 'email_campaign', lane: 'service', subject: 'apiary.work.service', handler: 'http', kind: 'service', routed: true },
      { task_type: 'noop', lane: 'noop', subject: 'apiary.work.noop', handler: 'noop', kind: 'builtin' },
    ]);
    expect(reply.disabled).toEqual(['archive', 'sleep']);
    expect(reply.unknown).toEqual(['mystery']);
  });
});
