import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { commitWith, insertBeforeCommit, transaction, type Transaction, type Writer } from '../../src/kit/db.js';
import { recordEvents } from '../../src/kit/events.js';
import { enqueueJob } from '../../src/kit/jobs.js';
import { APPLICATION_NAME } from '../../src/kit/listen.js';
import { startTestApp } from '../helpers/app.js';
import { until } from '../helpers/purchase.js';

const floe = await startTestApp();

async function countOf(organizationId: string, jobName: string) {
  const events = await floe.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('count')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  const jobs = await floe.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('count')).where('name', '=', jobName).executeTakeFirstOrThrow();
  return { events: events.count, jobs: jobs.count };
}

test('outbox rows written before commit: all of them with the change, none without it, any number', async () => {
  const { organizationId } = await floe.createMerchant({ keepEvents: true });
  const job = `test.outbox.${organizationId}`;
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, organizationId, [{ type: 'product.created', data: () => ({ n: 1 }) }, { type: 'product.updated', data: () => ({ n: 2 }) }]);
    await enqueueJob(trx, job, { n: 1 });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await recordEvents(trx, organizationId, [{ type: 'product.updated', data: () => ({}) }]);
      await enqueueJob(trx, job, { n: 2 });
      throw new Error('the change fails');
    }),
    /the change fails/,
  );
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  // Past one statement's worth of parameters: written in slices, still all of them.
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, organizationId, Array.from({ length: 2500 }, (_, n) => ({ type: 'benefit.created', data: () => ({ n }) })));
    for (let n = 0; n < 1500; n++) await enqueueJob(trx, job, { n });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2502, jobs: 1501 });
});

test('a transaction begins with its first statement, whatever that statement is and however it ends', async () => {
  const { organizationId } = await floe.createMerchant();
  const job = `test.begin.${organizationId}`;
  const jobs = () => countOf(organizationId, job).then((count) => count.jobs);
  const insertJob = (trx: Transaction, n: number) => trx.insertInto('jobs').values({ name: job, payload: JSON.stringify({ n }), run_at: new Date(), max_attempts: 1, created_at: new Date() }).execute();
  // The first statement (parameterized, so it carries the BEGIN) is inside the transaction: rolled back with it.
  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await insertJob(trx, 1);
      throw new Error('the change fails');
    }),
    /the change fails/,
  );
  assert.equal(await jobs(), 0);
  // A first statement without parameters, too.
  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await insertJob(trx, 2);
      throw new Error('the change fails');
    }),
    /the change fails/,
  );
  assert.equal(await jobs(), 0);
  // A failing first statement fails the transaction, and the connection serves the next one (all ten of the pool's, in turn).
  for (let round = 0; round < 12; round++) {
    await assert.rejects(transaction(floe.db, (trx) => sql`SELECT 1 / ${0}::int`.execute(trx)), /division by zero/);
    await transaction(floe.db, async (trx) => {
      await insertJob(trx, round);
      await insertJob(trx, round);
    });
  }
  assert.equal(await jobs(), 24);
  // A first statement that cannot even be prepared (its table is not there yet) is prepared again
  // once it can be, on every connection that tried.
  const later = (trx: Transaction) => sql`SELECT count(*)::int AS count FROM test_made_later WHERE id > ${0}`.execute(trx);
  for (let round = 0; round < 12; round++) await assert.rejects(transaction(floe.db, later), /does not exist/);
  await sql`CREATE TABLE test_made_later (id int)`.execute(floe.db);
  for (let round = 0; round < 12; round++) await transaction(floe.db, later);
  // A transaction that ran nothing.
  assert.equal(await transaction(floe.db, async () => 'nothing'), 'nothing');
  // What the first statement locks stays locked until the end: a second transaction waits for the first.
  const order: string[] = [];
  let release = () => {};
  const first = transaction(floe.db, async (trx) => {
    await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).forUpdate().execute();
    order.push('first locked');
    await new Promise<void>((resolve) => (release = resolve));
    order.push('first ends');
  });
  await until(async () => order.length > 0);
  const second = transaction(floe.db, async (trx) => {
    await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).forUpdate().execute();
    order.push('second locked');
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first locked', 'first ends', 'second locked']);
});

test('a transaction ended by commitWith: its last statement carries the deferred rows and the COMMIT, and nothing runs after it', async () => {
  const { organizationId } = await floe.createMerchant();
  const job = `test.commit-with.${organizationId}`;
  const jobs = () => countOf(organizationId, job).then((count) => count.jobs);
  const touch = (writer: Writer) => writer.updateTable('organizations').set({ modified_at: new Date() }).where('id', '=', organizationId);
  const value = await transaction(floe.db, async (trx) => {
    await enqueueJob(trx, job, { n: 1 });
    const { numAffectedRows } = await commitWith(trx, touch);
    assert.equal(numAffectedRows, 1n);
    assert.throws(() => insertBeforeCommit(trx, 'jobs', [{ name: job, payload: '{}', run_at: new Date(), max_attempts: 1, created_at: new Date() }]), /has committed/);
    await assert.rejects(trx.selectFrom('jobs').select('id').execute(), /has committed/);
    return 'done';
  });
  assert.equal(value, 'done');
  assert.equal(await jobs(), 1);

  // The statement fails: nothing of the transaction is written, the deferred rows included.
  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await enqueueJob(trx, job, { n: 2 });
      await commitWith(trx, (writer) => writer.updateTable('organizations').set({ slug: null as unknown as string }).where('id', '=', organizationId));
    }),
    /null value/,
  );
  assert.equal(await jobs(), 1);

  // The COMMIT fails (a constraint checked at commit): the error is the statement's, nothing is written.
  await sql`CREATE TABLE IF NOT EXISTS test_checked_at_commit (id int PRIMARY KEY, parent int REFERENCES test_checked_at_commit (id) DEFERRABLE INITIALLY DEFERRED)`.execute(floe.db);
  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await enqueueJob(trx, job, { n: 3 });
      await commitWith(trx, (writer) => writer.insertInto('test_checked_at_commit' as 'jobs').values({ id: 1, parent: 2 } as never));
    }),
    /foreign key/,
  );
  assert.equal(await jobs(), 1);
  assert.equal((await sql<{ count: number }>`SELECT count(*)::int AS count FROM test_checked_at_commit`.execute(floe.db)).rows[0]!.count, 0);
  // Every connection of the pool serves again.
  for (let round = 0; round < 12; round++) await transaction(floe.db, (trx) => commitWith(trx, touch));
  await transaction(floe.db, (trx) => enqueueJob(trx, job, { n: 4 }));
  assert.equal(await jobs(), 2);
});

test('an event is kept only when a webhook endpoint of its organization takes its type, as Polar', async () => {
  const quiet = await floe.createMerchant();
  const listening = await floe.createMerchant();
  // Only order.created: an endpoint for another type keeps nothing.
  const response = await fetch(`${floe.baseUrl}/v1/webhooks/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${listening.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://hooks.example.invalid/orders', format: 'raw', secret: 'test-secret', events: ['order.created'], organization_id: listening.organizationId }),
  });
  assert.equal(response.status, 201);
  const job = `test.kept.${listening.organizationId}`;
  // An event nobody takes is not even rendered.
  const rendered: string[] = [];
  const data = (name: string, value: unknown) => () => {
    rendered.push(name);
    return value;
  };
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, quiet.organizationId, [{ type: 'order.created', data: data('quiet order', {}) }]);
    await recordEvents(trx, listening.organizationId, [
      { type: 'order.created', data: data('order', { at: new Date('2024-12-20T10:00:00Z') }) },
      { type: 'product.created', data: data('product', {}) },
    ]);
    await enqueueJob(trx, job, {});
  });
  assert.deepEqual(rendered, ['order']);
  assert.deepEqual(await countOf(quiet.organizationId, job), { events: 0, jobs: 1 });
  const kept = await floe.db.selectFrom('events').select(['type', 'payload']).where('organization_id', '=', listening.organizationId).execute();
  assert.deepEqual(kept, [{ type: 'order.created', payload: { type: 'order.created', data: { at: '2024-12-20T10:00:00.000Z' } } }]);
});

/** Records one order.created event for the organization; answers whether it was kept. */
async function recordOrderCreated(organizationId: string): Promise<boolean> {
  const before = (await countOf(organizationId, '-')).events;
  await transaction(floe.db, (trx) => recordEvents(trx, organizationId, [{ type: 'order.created', data: () => ({}) }]));
  return (await countOf(organizationId, '-')).events > before;
}

/** An endpoint written straight into the database, as another process (or psql) would. */
async function insertEndpointElsewhere(organizationId: string) {
  await floe.db
    .insertInto('webhook_endpoints')
    .values({ id: randomUUID(), created_at: new Date(), organization_id: organizationId, url: 'https://hooks.example.invalid/elsewhere', format: 'raw', secret: 'test-secret', events: ['order.created'] })
    .execute();
}

test('endpoints changed by another process count from the moment their change is announced, across a lost connection too', async () => {
  const { organizationId } = await floe.createMerchant();
  // Until Floe listens for endpoint changes it asks the database every time; then it remembers.
  await until(async () => {
    assert.equal(await recordOrderCreated(organizationId), false);
    return floe.context.notifications.isListening('floe_webhook_endpoints');
  });
  assert.equal(await recordOrderCreated(organizationId), false);
  await insertEndpointElsewhere(organizationId);
  await until(() => recordOrderCreated(organizationId), 5_000);

  // The listening connection is cut and an endpoint made meanwhile: its notice is lost, what was remembered is forgotten.
  const other = await floe.createMerchant();
  assert.equal(await recordOrderCreated(other.organizationId), false);
  const listening = sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = ${APPLICATION_NAME}`;
  const [backend] = (await listening.execute(floe.db)).rows;
  assert.ok(backend, 'a connection listens');
  await sql`SELECT pg_terminate_backend(${backend.pid})`.execute(floe.db);
  await insertEndpointElsewhere(other.organizationId);
  await until(() => recordOrderCreated(other.organizationId), 5_000);
});
