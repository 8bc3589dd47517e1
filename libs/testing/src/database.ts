import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A PostgreSQL database owned by one test suite, migrated. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Runs one query on a short-lived connection. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Drops the database (terminating its connections). */
  drop(): Promise<void>;
}

/** Server URL used to create test databases (`TEST_DATABASE_ADMIN_URL`, default local trust auth). */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/**
 * Creates a fresh database `apiary_test_<random>`.
 * @param migrate optional schema set-up run on the new database's URL (e.g. the
 *   committed migrations); services that migrate at start-up need none
 */
export async function createTestDatabase(migrate?: (url: string) => Promise<unknown>): Promise<TestDatabase> {
  const name = `apiary_test_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const base = new URL(adminDatabaseUrl());
  base.pathname = `/${name}`;
  const url = base.toString();
  if (migrate) await migrate(url);
  return {
    url,
    name,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new Client({ connectionString: adminDatabaseUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
