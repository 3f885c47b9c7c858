// Rate limits shared by every process: two Floe apps on one database count one caller's requests
// together and answer 429 with Retry-After past the limit; the counters themselves (PostgreSQL, and
// Redis when one answers on 6379) count concurrent hits from two clients exactly.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { clock } from '../../src/kit/clock.js';
import { openDatabase } from '../../src/kit/db.js';
import { postgresRateLimitStore, RATE_LIMITS, redisRateLimitStore, type RateLimitStore } from '../../src/kit/rate-limit.js';
import { startTestApp } from '../helpers/app.js';

const floe = await startTestApp({ FLOE_RATE_LIMITS: 'true' });

/** A second Floe process's app on the same database. */
async function secondApp() {
  const handle = openDatabase(floe.config.databaseUrl!, { max: 4 });
  const { app } = await buildApp(floe.config, handle);
  await app.listen({ port: 0, host: '127.0.0.1' });
  after(async () => {
    await app.close();
    await handle.close();
  });
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

const redisAvailable = await new Promise<boolean>((resolve) => {
  const socket = new Socket();
  socket.setTimeout(500);
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
  socket.once('timeout', () => (socket.destroy(), resolve(false)));
  socket.connect(6379, '127.0.0.1');
});

/** Moves Floe's clock to just after a window starts, so a test's requests all fall in one window. */
function startOfWindow(windowMs: number): void {
  const now = clock.now().getTime();
  clock.advance(windowMs - (now % windowMs) + 50);
}

describe('rate limits', () => {
  test('checkout confirmations: the limit is shared by two processes, then 429 with Retry-After', async () => {
    startOfWindow(RATE_LIMITS.checkoutConfirm.windowMs);
    const other = await secondApp();
    const confirm = (base: string) =>
      fetch(`${base}/v1/checkouts/custom/client/polar_c_doesnotexist/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirmation_token_id: 'tok_visa' }) });
    const statuses: number[] = [];
    for (let index = 0; index < RATE_LIMITS.checkoutConfirm.limit; index += 1) statuses.push((await confirm(index % 2 ? other : floe.baseUrl)).status);
    assert.deepEqual([...new Set(statuses)], [404]);
    for (const base of [floe.baseUrl, other]) {
      const limited = await confirm(base);
      assert.equal(limited.status, 429);
      assert.deepEqual(await limited.json(), { error: 'TooManyRequests', detail: 'Too many requests: try again later.' });
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
    }
    // Another rule's counter is its own.
    const validate = await fetch(`${floe.baseUrl}/v1/customer-portal/license-keys/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'nope', organization_id: randomUUID() }) });
    assert.equal(validate.status, 404);
  });

  test('sign-in code requests are limited per address of the client too', async () => {
    const organization = await floe.createMerchant();
    startOfWindow(RATE_LIMITS.signInCodes.windowMs);
    const request = () =>
      fetch(`${floe.baseUrl}/v1/customer-portal/customer-session/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${randomUUID()}@example.com`, organization_id: organization.organizationId }) });
    const answers = await Promise.all(Array.from({ length: RATE_LIMITS.signInCodes.limit + 2 }, request));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [...Array(RATE_LIMITS.signInCodes.limit).fill(202), 429, 429]);
  });

  const stores: [string, () => RateLimitStore, string | false][] = [
    ['PostgreSQL', () => postgresRateLimitStore(floe.db), false],
    ['Redis', () => redisRateLimitStore('redis://127.0.0.1:6379'), redisAvailable ? false : 'no Redis on 127.0.0.1:6379'],
  ];
  for (const [name, open, skip] of stores) {
    test(`${name} counters count concurrent hits from two clients exactly`, { skip }, async () => {
      const [first, second] = [open(), open()];
      try {
        const key = `test:${randomUUID()}`;
        const window = Date.now() - (Date.now() % 60_000);
        const counts = await Promise.all(Array.from({ length: 50 }, (_, index) => (index % 2 ? first : second).hit(key, window, 60_000)));
        assert.deepEqual(counts.sort((a, b) => a - b), Array.from({ length: 50 }, (_, index) => index + 1));
        assert.equal(await first.hit(key, window + 60_000, 60_000), 1, 'a new window starts again');
      } finally {
        await first.close();
        await second.close();
      }
    });
  }
});
