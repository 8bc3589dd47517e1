import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import pino from 'pino';
import {
  ApiaryError,
  DatasetDeleted,
  DatasetDetail,
  DatasetList,
  DatasetRowsPage,
  MEMORY_DATASET_APPEND,
  MEMORY_DATASET_BEGIN,
  MEMORY_DATASET_DELETE,
  MEMORY_DATASET_GET,
  MEMORY_DATASET_LIST,
  MEMORY_DATASET_READ,
} from '@apiary/contracts';
import { parseCsvText, rpcDatasetSink, uploadCsv } from '@apiary/datasets';
import { createDataSource, DatasetRepository, migrateDatabase } from '@apiary/persistence';
import { applyRpcGlobals, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { MemoryEnv } from '../env';
import { MemoryModule } from '../memory.module';

const SEATTLE = readFileSync(join(__dirname, '../../../../node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8');

// memory booted in-process as in production (Nest NATS transport, validation)
// against a private nats-server and its own PostgreSQL database; uploads go
// through the same CSV uploader and NATS sink the gateway uses.
describe('memory: dataset storage (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let app: INestMicroservice;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    const env = loadEnv(MemoryEnv, { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4' });
    const logger = pino({ level: process.env.SPEC_LOG ?? 'silent' });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(rootModule({ service: 'memory', imports: [MemoryModule], env, logger }), {
      ...natsTransportOptions('memory', env),
      logger: false,
    });
    applyRpcGlobals(app, logger);
    await app.listen();
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000);
    await waitFor('memory to answer', () => rpc.request(MEMORY_DATASET_LIST, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await db?.drop();
    await nats?.stop();
  });

  const sink = () => rpcDatasetSink(rpc);
  const upload = (name: string, csv: string | Buffer, maxBytes = 268_435_456, blockRows?: number) =>
    uploadCsv(Readable.from([Buffer.from(csv)]), name, sink(), { maxBytes, blockRows });
  async function rejection(p: Promise<unknown>): Promise<ApiaryError> {
    try {
      await p;
    } catch (e) {
      return e as ApiaryError;
    }
    throw new Error('did not reject');
  }
  async function storedDatasets(): Promise<{ status: string; n: number }[]> {
    return db.query(`SELECT status, count(*)::int AS n FROM datasets GROUP BY status ORDER BY status`);
  }

  it('stores an upload in row blocks and infers its column types', async () => {
    const view = await upload('seattle-weather.csv', SEATTLE, 268_435_456, 100);
    expect(view).toMatchObject({ name: 'seattle-weather.csv', rows: 1461, bytes: Buffer.byteLength(SEATTLE) });
    expect(view.columns).toEqual([
      { name: 'date', type: 'date', nulls: 0 },
      { name: 'precipitation', type: 'number', nulls: 0 },
      { name: 'temp_max', type: 'number', nulls: 0 },
      { name: 'temp_min', type: 'number', nulls: 0 },
      { name: 'wind', type: 'number', nulls: 0 },
      { name: 'weather', type: 'string', nulls: 0 },
    ]);
    const blocks = await db.query<{ block_no: number; first_row: string; row_count: number }>(
      `SELECT block_no, first_row, row_count FROM dataset_blocks WHERE dataset_id = $1 ORDER BY block_no`,
      [view.dataset_id],
    );
    expect(blocks).toHaveLength(15);
    expect(blocks.every((b, i) => b.block_no === i && Number(b.first_row) === i * 100)).toBe(true);
    expect(blocks.reduce((s, b) => s + b.row_count, 0)).toBe(1461);
  });

  it('reads any row range back in pages under the byte budget', async () => {
    const expected = parseCsvText(SEATTLE).rows;
    for (const [start, end] of [[0, 1461], [95, 105], [1400, 5000], [250, 251]]) {
      const rows: string[][] = [];
      let next: number | null = start;
      let pages = 0;
      while (next !== null) {
        const page: DatasetRowsPage = await rpc.request(MEMORY_DATASET_READ, { dataset: 'seattle-weather.csv', start: next, end, max_bytes: 16_384 });
        expect(page.start).toBe(next);
        expect(page.rows_total).toBe(1461);
        expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(64 * 1024);
        rows.push(...page.rows);
        next = page.next;
        pages++;
      }
      expect(rows).toEqual(expected.slice(start, Math.min(end, 1461)));
      if (Math.min(end, 1461) - start > 500) expect(pages).toBeGreaterThan(3);
    }
    const empty: DatasetRowsPage = await rpc.request(MEMORY_DATASET_READ, { dataset: 'seattle-weather.csv', start: 2000 });
    expect(empty).toMatchObject({ rows: [], next: null });
  });

  it('gets a dataset by name or id with its first rows typed, lists newest first with a cursor', async () => {
    const byName: DatasetDetail = await rpc.request(MEMORY_DATASET_GET, { dataset: 'seattle-weather.csv', sample_rows: 3 });
    expect(byName.preview).toEqual([
      { date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7, weather: 'drizzle' },
      { date: '2012-01-02', precipitation: 10.9, temp_max: 10.6, temp_min: 2.8, wind: 4.5, weather: 'rain' },
      { date: '2012-01-03', precipitation: 0.8, temp_max: 11.7, temp_min: 7.2, wind: 2.3, weather: 'rain' },
    ]);
    const byId: DatasetDetail = await rpc.request(MEMORY_DATASET_GET, { dataset: byName.dataset_id });
    expect(byId.preview).toHaveLength(10);
    await upload('b.csv', 'x\n1\n');
    await upload('c.csv', 'x\n2\n');
    const first: DatasetList = await rpc.request(MEMORY_DATASET_LIST, { limit: 2 });
    expect(first.datasets.map((d) => d.name)).toEqual(['c.csv', 'b.csv']);
    const second: DatasetList = await rpc.request(MEMORY_DATASET_LIST, { limit: 2, cursor: first.next_cursor });
    expect(second.datasets.map((d) => d.name)).toEqual(['seattle-weather.csv']);
    expect(second.next_cursor).toBeNull();
  });

  it('refuses a taken name, malformed CSV and an oversize body, storing nothing', async () => {
    const before = await storedDatasets();
    expect(await rejection(upload('b.csv', 'x\n3\n'))).toMatchObject({ code: 'DATASET_EXISTS' });
    const bad = await rejection(upload('bad.csv', 'a,b\n1,2\n3,4\n5\n6,7\n', 268_435_456, 1));
    expect(bad).toMatchObject({ code: 'INVALID_CSV', message: 'line 4: expected 2 fields like the header, got 1' });
    const big = 'a,b\n' + '1,2\n'.repeat(50_000);
    expect(await rejection(upload('big.csv', big, 100_000, 100))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await rejection(upload('empty.csv', ''))).toMatchObject({ code: 'INVALID_CSV', message: 'line 1: the body is empty: a header row is required' });
    // A body that stops early (the client went away) is aborted too.
    const early = new Readable({ read: () => undefined });
    const pending = uploadCsv(early, 'early.csv', sink(), { maxBytes: 1_000_000, blockRows: 1 });
    early.push('a,b\n1,2\n3,4\n5,6\n'); // csv-parse holds the last record until more input arrives
    await waitFor('a block of the early upload to be stored', async () => (await db.query(`SELECT 1 FROM dataset_blocks JOIN datasets d ON d.id = dataset_id WHERE d.name = 'early.csv'`)).length > 0, 5000, 20);
    early.destroy();
    expect(await rejection(pending)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await storedDatasets()).toEqual(before);
    expect(await db.query(`SELECT 1 FROM dataset_blocks b JOIN datasets d ON d.id = b.dataset_id WHERE d.status = 'pending'`)).toEqual([]);
  });

  it('refuses blocks of an unknown upload and rows of the wrong width', async () => {
    const unknown = '6f1c1a6e-3c1b-4d53-9a43-5b3f2a0c9e11';
    expect(await rejection(rpc.request(MEMORY_DATASET_APPEND, { dataset_id: unknown, block_no: 0, first_row: 0, rows: [['1']] }))).toMatchObject({ code: 'DATASET_NOT_FOUND' });
    const { dataset_id } = await rpc.request<{ dataset_id: string }>(MEMORY_DATASET_BEGIN, { name: 'wide.csv', header: ['a', 'b'] });
    expect(await rejection(rpc.request(MEMORY_DATASET_APPEND, { dataset_id, block_no: 0, first_row: 0, rows: [['1', '2'], ['3']] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'rows.1: must be an array of 2 strings (the header\'s width)',
    });
    expect(await rejection(rpc.request(MEMORY_DATASET_BEGIN, { name: 'bad name!', header: ['a'] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('purges pending uploads abandoned for an hour, with their blocks', async () => {
    const { dataset_id } = await rpc.request<{ dataset_id: string }>(MEMORY_DATASET_BEGIN, { name: 'abandoned.csv', header: ['a'] });
    await rpc.request(MEMORY_DATASET_APPEND, { dataset_id, block_no: 0, first_row: 0, rows: [['1'], ['2']] });
    const ds = createDataSource(db.url, 2);
    await ds.initialize();
    try {
      const repo = new DatasetRepository(ds);
      expect(await repo.purgeStalePending(3600)).toBe(0);
      await db.query(`UPDATE datasets SET touched_at = now() - interval '2 hours' WHERE id = $1`, [dataset_id]);
      expect(await repo.purgeStalePending(3600)).toBeGreaterThanOrEqual(1);
    } finally {
      await ds.destroy();
    }
    expect(await db.query(`SELECT 1 FROM datasets WHERE id = $1`, [dataset_id])).toEqual([]);
    expect(await db.query(`SELECT 1 FROM dataset_blocks WHERE dataset_id = $1`, [dataset_id])).toEqual([]);
  });

  it('deletes a dataset and its blocks', async () => {
    const deleted: DatasetDeleted = await rpc.request(MEMORY_DATASET_DELETE, { dataset: 'c.csv' });
    expect(deleted.deleted).toBe(true);
    expect(await db.query(`SELECT 1 FROM dataset_blocks WHERE dataset_id = $1`, [deleted.dataset_id])).toEqual([]);
    expect(await rejection(rpc.request(MEMORY_DATASET_GET, { dataset: 'c.csv' }))).toMatchObject({ code: 'DATASET_NOT_FOUND' });
    expect(await rejection(rpc.request(MEMORY_DATASET_DELETE, { dataset: 'c.csv' }))).toMatchObject({ code: 'DATASET_NOT_FOUND' });
  });
});
