// A fresh PostgreSQL database for one bench run, so a figure does not depend on
// what earlier runs left behind: created on the server of TEST_DATABASE_ADMIN_URL
// (default the local server, trust auth) and dropped afterwards. When no server
// answers there, the bench falls back to the launcher's default (DATABASE_URL or
// embedded PostgreSQL) and says so.
import crypto from 'node:crypto';
import pg from 'pg';

/** @returns {string} the admin URL databases are created with */
export function adminUrl() {
  return process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/**
 * Creates `apiary_bench_<name>_<random>` and points DATABASE_URL at it for the suite.
 * @param {string} name bench name (part of the database name)
 * @param {(msg: string) => void} progress progress line writer
 * @returns {Promise<{ url: string | null, drop: () => Promise<void> }>} `url` null when no admin server answered
 */
export async function freshDatabase(name, progress) {
  if (process.env.DATABASE_URL) {
    progress(`DATABASE_URL is set: using it (not a fresh database)`);
    return { url: process.env.DATABASE_URL, drop: async () => undefined };
  }
  const db = `apiary_bench_${name.replace(/[^a-z0-9]/gi, '')}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
  } catch (err) {
    progress(`no PostgreSQL at ${adminUrl()} (${/** @type {Error} */ (err).message}); using the launcher's database`);
    await admin.end().catch(() => undefined);
    return { url: null, drop: async () => undefined };
  }
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${db}`;
  process.env.DATABASE_URL = url.toString();
  progress(`fresh database ${db}`);
  return {
    url: url.toString(),
    drop: async () => {
      delete process.env.DATABASE_URL;
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
