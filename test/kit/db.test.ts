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
  const { organizationId } = await floe.createMerchant();
  const job = `test.outbox.${organizationId}`;
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, organizationId, [{ type: 'test.one', data: { n: 1 } }, { type: 'test.two', data: { n: 2 } }]);
    await enqueueJob(trx, job, { n: 1 });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  await assert.rejects(
    transaction(floe.db, async (trx) => {
      await recordEvents(trx, organizationId, [{ type: 'test.three', data: {} }]);
      await enqueueJob(trx, job, { n: 2 });
      throw new Error('the change fails');
    }),
    /the change fails/,
  );
  assert.deepEqual(await countOf(organizationId, job), { events: 2, jobs: 1 });

  // Past one statement's worth of parameters: written in slices, still all of them.
  await transaction(floe.db, async (trx) => {
    await recordEvents(trx, organizationId, Array.from({ length: 2500 }, (_, n) => ({ type: 'test.many', data: { n } })));
    for (let n = 0; n < 1500; n++) await enqueueJob(trx, job, { n });
  });
  assert.deepEqual(await countOf(organizationId, job), { events: 2502, jobs: 1501 });
});
