import { connect, NatsConnection } from 'nats';
import { NatsRpcClient } from '@apiary/service-kit';
import { startNatsServer, TestNats } from '@apiary/testing';
import { HandlerError } from '../handlers/task-handler';
import { MemoryDatasetSource } from './dataset-source';

// A real nats-server with no memory service on it: reading a dataset must fail
// with a retryable error (the brain retries the attempt later), not a final one.
describe('MemoryDatasetSource without memory (real NATS)', () => {
  let nats: TestNats;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('reports MEMORY_UNAVAILABLE, retryable', async () => {
    const source = new MemoryDatasetSource(new NatsRpcClient(nc, 500), 500);
    let error: unknown;
    try {
      for await (const page of source.pages('seattle-weather.csv', 0)) void page;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ code: 'MEMORY_UNAVAILABLE', retryable: true });
  });
});
