// Where tests find PostgreSQL: TEST_DATABASE_URL or DATABASE_URL when set, else the local server on
// 127.0.0.1:5432 when it answers, else an embedded one. Every test file gets a fresh database copied
// from a migrated template (scripts/test.ts makes the template once per run).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';

export const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A URL to a server where tests may create and drop databases, and a way to stop it if started here. */
export async function findTestServer(): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) return { url: given };
  if (await answers(LOCAL_URL)) return { url: LOCAL_URL };
  const dataDir = mkdtempSync(join(tmpdir(), 'floe-test-'));
  const embedded = await startEmbeddedPostgres(dataDir, () => {});
  return { url: embedded.url, embedded };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file, from the template when the runner made one. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.FLOE_TEST_SERVER_URL;
  const template = process.env.FLOE_TEST_TEMPLATE;
  if (!serverUrl || !template) throw new Error('run tests with `npm test` (scripts/test.ts prepares the database server)');
  const name = `floe_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
