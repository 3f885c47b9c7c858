// The `floe` command as a newcomer uses it: bootstrap, migrations racing, settings checked at start,
// and the embedded PostgreSQL shared by `serve` and `bootstrap` on one data dir.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Polar } from '@polar-sh/sdk';
import pg from 'pg';
import { ConfigError, readConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase } from '../helpers/database.js';
import { runFloe } from '../helpers/cli.js';


const database = await createTestDatabase();
after(() => database.drop());

describe('floe bootstrap', () => {
  test('prints exactly one JSON object and reuses the user and organization', async () => {
    const environment = { DATABASE_URL: database.url, FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-cli-')), FLOE_SECRET: 'cli-test-secret-0123456789' };
    const args = ['bootstrap', '--email', 'dev@example.com', '--org-name', 'Dev Org', '--org-slug', 'dev-org', '--json'];
    const first = await runFloe(args, environment);
    assert.equal(first.code, 0, first.stderr);
    const firstResult = JSON.parse(first.stdout) as { user_id: string; organization_id: string; token: string };
    assert.deepEqual(Object.keys(firstResult).sort(), ['organization_id', 'token', 'user_id']);
    assert.match(firstResult.token, /^polar_pat_/);

    const second = await runFloe(args, environment);
    const secondResult = JSON.parse(second.stdout) as typeof firstResult;
    assert.equal(secondResult.user_id, firstResult.user_id);
    assert.equal(secondResult.organization_id, firstResult.organization_id);
    assert.notEqual(secondResult.token, firstResult.token);
  });

  test('a missing option or a bad setting exits 1 with a message naming it', async () => {
    const missing = await runFloe(['bootstrap', '--email', 'x@example.com'], { DATABASE_URL: database.url });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--org-name is required/);
    const badPort = await runFloe(['migrate'], { DATABASE_URL: database.url, PORT: 'eighty' });
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /PORT must be an integer/);
    const badUrl = await runFloe(['migrate'], { DATABASE_URL: 'mysql://nope' });
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.stderr, /DATABASE_URL/);
  });
});

describe('floe clock', () => {
  test('shows and advances an organization\'s test clock; a bad duration or slug exits 1', async () => {
    const environment = { DATABASE_URL: database.url, FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-cli-')), FLOE_SECRET: 'cli-test-secret-0123456789' };
    await runFloe(['bootstrap', '--email', 'clock@example.com', '--org-name', 'Clock Org', '--org-slug', 'clock-org', '--json'], environment);
    const shown = await runFloe(['clock', 'show', '--org-slug', 'clock-org', '--json'], environment);
    assert.equal(shown.code, 0, shown.stderr);
    const before = JSON.parse(shown.stdout) as { now: string; offset_seconds: number };
    assert.ok(before.offset_seconds < 5);
    const advanced = await runFloe(['clock', 'advance', '1M', '--org-slug', 'clock-org', '--json'], environment);
    assert.equal(advanced.code, 0, advanced.stderr);
    const after = JSON.parse(advanced.stdout) as { now: string; offset_seconds: number };
    const days = (new Date(after.now).getTime() - new Date(before.now).getTime()) / 86_400_000;
    assert.ok(days >= 28 && days <= 31.1, `a month ahead, got ${days} days`);
    const text = await runFloe(['clock', 'show', '--org-slug', 'clock-org'], environment);
    assert.match(text.stdout, /^clock-org: \d{4}-\d{2}-\d{2}T.* ahead of the real time\)\n$/);
    const bad = await runFloe(['clock', 'advance', '1X', '--org-slug', 'clock-org'], environment);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ISO 8601 duration/);
    const unknown = await runFloe(['clock', 'show', '--org-slug', 'nobody'], environment);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no organization with slug "nobody"/);
  });
});

describe('configuration', () => {
  test('defaults, and values checked once', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-config-'));
    const config = readConfig({ FLOE_DATA_DIR: dataDir });
    assert.equal(config.port, 8000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.baseUrl, 'http://127.0.0.1:8000');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.databasePoolSize, 10);
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir, FLOE_DATABASE_POOL_SIZE: '4' }).databasePoolSize, 4);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_DATABASE_POOL_SIZE: '0' }), /FLOE_DATABASE_POOL_SIZE/);
    // The generated secret is kept in the data dir and reused.
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir }).secret, config.secret);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, PORT: '70000' }), ConfigError);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_BASE_URL: 'not a url' }), /FLOE_BASE_URL/);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_SECRET: 'short' }), /FLOE_SECRET/);
    // Test mode: on for a local URL, off (and refused) for a public one; the dunning schedule.
    assert.equal(config.testMode, true);
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir, FLOE_BASE_URL: 'https://billing.example.com' }).testMode, false);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_BASE_URL: 'https://billing.example.com', FLOE_TEST_MODE: 'true' }), /FLOE_TEST_MODE/);
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir, FLOE_TEST_MODE: 'false' }).testMode, false);
    assert.deepEqual(config.dunningRetryDays, [3, 5, 7]);
    assert.deepEqual(readConfig({ FLOE_DATA_DIR: dataDir, FLOE_DUNNING_RETRY_DAYS: '1, 2' }).dunningRetryDays, [1, 2]);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_DUNNING_RETRY_DAYS: '3,x' }), /FLOE_DUNNING_RETRY_DAYS/);
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir, FLOE_BASE_URL: 'https://billing.example.com/' }).baseUrl, 'https://billing.example.com');
  });
});

describe('migrations', () => {
  test('several processes migrating one empty database at once apply each migration once', async () => {
    const empty = await createTestDatabase();
    try {
      // The template is already migrated: start from a truly empty schema.
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await client.end();
      const results = await Promise.all([1, 2, 3, 4].map(() => migrate(empty.url)));
      assert.equal(results.filter((applied) => applied.length > 0).length, 1);
      const check = new pg.Client({ connectionString: empty.url });
      await check.connect();
      const { rows } = await check.query<{ name: string; count: number }>('SELECT name, count(*)::int AS count FROM floe_migrations GROUP BY name');
      await check.end();
      assert.ok(rows.length >= 2);
      assert.ok(rows.every((row) => row.count === 1));
    } finally {
      await empty.drop();
    }
  });
});

describe('embedded PostgreSQL', () => {
  test('serve runs it with no DATABASE_URL; bootstrap on the same data dir uses it; data survives a restart', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-embedded-'));
    // Below the kernel's ephemeral range (32768 and up), so no outgoing connection holds it.
    const port = 20000 + Math.floor(Math.random() * 12000);
    const environment = { DATABASE_URL: undefined, TEST_DATABASE_URL: undefined, FLOE_DATA_DIR: dataDir, PORT: String(port) };
    const startServer = async () => {
      const server = spawn(process.execPath, ['bin/floe.js', 'serve'], { env: { ...process.env, FLOE_LOG_LEVEL: 'warn', ...environment, DATABASE_URL: '' }, stdio: 'ignore' });
      for (let attempt = 0; attempt < 300; attempt++) {
        const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
        if (healthy) return server;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      server.kill('SIGKILL');
      throw new Error('floe serve did not become healthy');
    };
    const stopServer = (server: ReturnType<typeof spawn>) =>
      new Promise<number | null>((resolve) => {
        server.once('exit', (code) => resolve(code));
        server.kill('SIGTERM');
      });

    let server = await startServer();
    let organizationId: string;
    let token: string;
    try {
      const run = await runFloe(['bootstrap', '--email', 'e@example.com', '--org-name', 'Embedded', '--org-slug', 'embedded', '--json'], { ...environment, DATABASE_URL: '' });
      assert.equal(run.code, 0, run.stderr);
      ({ organization_id: organizationId, token } = JSON.parse(run.stdout) as { organization_id: string; token: string });
      const sdk = new Polar({ accessToken: token, serverURL: `http://127.0.0.1:${port}` });
      assert.equal((await sdk.organizations.get({ id: organizationId })).slug, 'embedded');
    } finally {
      assert.equal(await stopServer(server), 0);
    }
    server = await startServer();
    try {
      const sdk = new Polar({ accessToken: token, serverURL: `http://127.0.0.1:${port}` });
      assert.equal((await sdk.organizations.get({ id: organizationId })).id, organizationId);
    } finally {
      await stopServer(server);
    }
  });
});
