import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../src/kit/db.js';
import { recordEvents } from '../../src/kit/events.js';
import { enqueueJob } from '../../src/kit/jobs.js';
import { startTestApp } from '../helpers/app.js';

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
    await recordEvents(trx, organizationId, [{ type: 'product.created', data: { n: 1 } }, { type: 'product.updated', data: { n: 2 } }]);
    await enqueueJob(trx, job, { n: 1 });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await recordEvents(trx, organizationId, [{ type: 'product.updated', data: {} }]);
      await enqueueJob(trx, job, { n: 2 });
      throw new Error('the change fails');
    }),
    /the change fails/,
  );
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  // Past one statement's worth of parameters: written in slices, still all of them.
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, organizationId, Array.from({ length: 2500 }, (_, n) => ({ type: 'benefit.created', data: { n } })));
    for (let n = 0; n < 1500; n++) await enqueueJob(trx, job, { n });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2502, jobs: 1501 });
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
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, quiet.organizationId, [{ type: 'order.created', data: {} }]);
    await recordEvents(trx, listening.organizationId, [{ type: 'order.created', data: { at: new Date('2024-12-20T10:00:00Z') } }, { type: 'product.created', data: {} }]);
    await enqueueJob(trx, job, {});
  });
  assert.deepEqual(await countOf(quiet.organizationId, job), { events: 0, jobs: 1 });
  const kept = await floe.db.selectFrom('events').select(['type', 'payload']).where('organization_id', '=', listening.organizationId).execute();
  assert.deepEqual(kept, [{ type: 'order.created', payload: { type: 'order.created', data: { at: '2024-12-20T10:00:00.000Z' } } }]);
});
