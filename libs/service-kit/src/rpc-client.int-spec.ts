import { connect, JSONCodec, NatsConnection } from 'nats';
import { ApiaryError } from '@apiary/contracts';
import { startNatsServer, TestNats } from '@apiary/testing';
import { NatsRpcClient } from './rpc-client';

// Real nats-server of its own for this suite.
describe('NatsRpcClient (NATS)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  const codec = JSONCodec<any>();

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('tells "no responders" (503) from "timeout" (504)', async () => {
    const client = new NatsRpcClient(nc, 300);
    await expect(client.request('apiary.nobody.here', {})).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const silent = nc.subscribe('apiary.silent.verb');
    await expect(client.request('apiary.silent.verb', {})).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    silent.unsubscribe();
  });

  it("speaks Nest's wire format: response and error replies", async () => {
    const sub = nc.subscribe('apiary.echo.verb', {
      callback: (_err, msg) => {
        const req = codec.decode(msg.data);
        if (req.data.fail) msg.respond(codec.encode({ err: { code: 'TASK_NOT_FOUND', message: 'nope' }, isDisposed: true, id: req.id }));
        else msg.respond(codec.encode({ response: { echoed: req.data, pattern: req.pattern }, isDisposed: true, id: req.id }));
      },
    });
    const client = new NatsRpcClient(nc, 2000);
    await expect(client.request('apiary.echo.verb', { a: 1 })).resolves.toEqual({ echoed: { a: 1 }, pattern: 'apiary.echo.verb' });
    const error = await client.request('apiary.echo.verb', { fail: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiaryError);
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', message: 'nope' });
    sub.unsubscribe();
  });
});
