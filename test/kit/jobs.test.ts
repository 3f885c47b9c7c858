import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { clock } from '../../src/kit/clock.js';
import { transaction } from '../../src/kit/db.js';
import { enqueueJob, type JobPayload } from '../../src/kit/jobs.js';
import type { FloeModule } from '../../src/kit/module.js';
import { startTestApp } from '../helpers/app.js';

const seen: JobPayload[] = [];
let failuresLeft = 2;
/** The test's own jobs, run by its workers next to Floe's. */
const testModule: FloeModule = {
  name: 'test',
  jobs: {
    'test.record': async (_context, payload) => {
      seen.push(payload);
    },
    'test.flaky': async (_context, payload) => {
      if (failuresLeft-- > 0) throw new Error('receiver unavailable');
      seen.push(payload);
    },
  },
};

const floe = await startTestApp();
const worker = floe.startWorker([testModule]);
after(() => worker.stop());

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a job enqueued in a committed transaction runs; one in a rolled-back transaction never exists', async () => {
  await transaction(floe.db, (trx) => enqueueJob(trx, 'test.record', { n: 1 }));
  await transaction(floe.db, async (trx) => {
    await enqueueJob(trx, 'test.record', { n: 2 });
    throw new Error('rollback');
  }).catch(() => {});
  await until(() => seen.some((payload) => payload.n === 1));
  await until(async () => Boolean((await floe.db.selectFrom('jobs').select('done_at').where('name', '=', 'test.record').executeTakeFirstOrThrow()).done_at));
  const rows = await floe.db.selectFrom('jobs').select(['name', 'payload', 'done_at']).where('name', '=', 'test.record').execute();
  assert.equal(rows.length, 1);
  assert.ok(rows[0]?.done_at);
  assert.ok(!seen.some((payload) => payload.n === 2));
});

test('a failing job is retried with backoff until it succeeds, its error kept meanwhile', async () => {
  await transaction(floe.db, (trx) => enqueueJob(trx, 'test.flaky', { n: 3 }));
  await until(async () => {
    const row = await floe.db.selectFrom('jobs').select(['attempts', 'last_error', 'run_at']).where('name', '=', 'test.flaky').executeTakeFirstOrThrow();
    return row.attempts === 1 && row.last_error === 'receiver unavailable';
  });
  // Move past the backoffs instead of waiting for them.
  for (let step = 0; step < 2 && !seen.some((payload) => payload.n === 3); step++) {
    clock.advance(5_000);
    await until(async () => seen.some((payload) => payload.n === 3) || (await floe.db.selectFrom('jobs').select('attempts').where('name', '=', 'test.flaky').executeTakeFirstOrThrow()).attempts > step + 1);
  }
  await until(() => seen.some((payload) => payload.n === 3));
  // The handler has run; the runner records it done just after.
  await until(async () => Boolean((await floe.db.selectFrom('jobs').select('done_at').where('name', '=', 'test.flaky').executeTakeFirstOrThrow()).done_at));
  const row = await floe.db.selectFrom('jobs').select(['attempts', 'done_at', 'last_error']).where('name', '=', 'test.flaky').executeTakeFirstOrThrow();
  assert.equal(row.attempts, 3);
  assert.ok(row.done_at);
  assert.equal(row.last_error, null);
});

test('a job claimed by a worker that died runs again once its lease has passed; an unknown job fails for good', async () => {
  await worker.stop();
  await transaction(floe.db, (trx) => enqueueJob(trx, 'test.record', { n: 4 }));
  // A worker claimed it and died: the lease is taken, the job not done.
  await floe.db.updateTable('jobs').set({ locked_until: new Date(clock.now().getTime() + 60_000), attempts: 1 }).where('name', '=', 'test.record').where('done_at', 'is', null).execute();
  await transaction(floe.db, (trx) => enqueueJob(trx, 'test.unknown', {}, { maxAttempts: 1 }));
  const second = floe.startWorker([testModule]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!seen.some((payload) => payload.n === 4), 'a leased job is not taken by another worker');
    clock.advance(61_000);
    await until(() => seen.some((payload) => payload.n === 4));
    await until(async () => Boolean((await floe.db.selectFrom('jobs').select('failed_at').where('name', '=', 'test.unknown').executeTakeFirstOrThrow()).failed_at));
  } finally {
    await second.stop();
  }
});
