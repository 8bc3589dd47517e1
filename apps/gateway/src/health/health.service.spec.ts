import { HealthReply, healthSubject, ServiceName } from '@apiary/contracts';
import { checkHealth, DOWNSTREAM_SERVICES, HealthProbes } from './health.service';

const NOW = new Date('2026-01-01T00:00:00.000Z');

function reply(service: ServiceName, status: HealthReply['status'], checks: HealthReply['checks'] = {}): HealthReply {
  return { service, status, checks, instance: 'h:1', uptime_s: 1, timestamp: NOW.toISOString() };
}

function probes(replies: Partial<Record<string, HealthReply>>, natsUp = true): HealthProbes & { timeouts: number[] } {
  const timeouts: number[] = [];
  return {
    timeouts,
    pingNats: async () => {
      if (!natsUp) throw new Error('down');
    },
    requestHealth: async (subject, timeoutMs) => {
      timeouts.push(timeoutMs);
      const r = replies[subject];
      if (!r) throw new Error('no responders');
      return r;
    },
  };
}

const allHealthy = Object.fromEntries(
  DOWNSTREAM_SERVICES.map((s) => [
    healthSubject(s),
    reply(s, 'healthy', s === 'orchestrator-brain' ? { nats: 'connected', database: 'connected' } : { nats: 'connected' }),
  ]),
);

describe('checkHealth', () => {
  it('is healthy when NATS, the database and all six services are', async () => {
    const p = probes(allHealthy);
    await expect(checkHealth(p, () => NOW)).resolves.toEqual({
      status: 'healthy',
      service: 'gateway',
      nats: 'connected',
      database: 'connected',
      services: {
        'orchestrator-brain': 'healthy',
        'task-router': 'healthy',
        memory: 'healthy',
        'self-improvement': 'healthy',
        scaler: 'healthy',
        'bot-runtime': 'healthy',
      },
      timestamp: NOW.toISOString(),
    });
    expect(p.timeouts).toEqual(Array(6).fill(2000));
  });

  it('reports unreachable services, and the database as disconnected without the brain', async () => {
    const health = await checkHealth(probes({}), () => NOW);
    expect(health.status).toBe('unhealthy');
    expect(health.database).toBe('disconnected');
    expect(Object.values(health.services)).toEqual(Array(6).fill('unreachable'));
  });

  it('takes the database state from the brain and marks unhealthy services', async () => {
    const health = await checkHealth(
      probes({
        ...allHealthy,
        [healthSubject('orchestrator-brain')]: reply('orchestrator-brain', 'unhealthy', { database: 'disconnected' }),
        [healthSubject('scaler')]: reply('scaler', 'unhealthy'),
      }),
      () => NOW,
    );
    expect(health.status).toBe('unhealthy');
    expect(health.database).toBe('disconnected');
    expect(health.services['orchestrator-brain']).toBe('unhealthy');
    expect(health.services.scaler).toBe('unhealthy');
    expect(health.services.memory).toBe('healthy');
  });

  it('is unhealthy when NATS does not answer', async () => {
    const health = await checkHealth(probes(allHealthy, false), () => NOW);
    expect(health.nats).toBe('disconnected');
    expect(health.status).toBe('unhealthy');
  });
});
