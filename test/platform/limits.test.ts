// Every route has a time limit: a request still unanswered after it (here a product update waiting
// on a row another transaction holds) gets 503 in Polar's error shape instead of holding its caller,
// and the process goes on serving; the work it started still commits or rolls back whole. (Body
// limits: test/platform/conventions.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startTestApp } from '../helpers/app.js';

const floe = await startTestApp({ FLOE_REQUEST_TIME_LIMIT_MS: '400' });

test('a request past the time limit is answered 503, and the next one is served', async () => {
  const merchant = await floe.createMerchant();
  const product = await merchant.sdk.products.create({ name: 'Held', organizationId: merchant.organizationId, prices: [{ amountType: 'free' }] });
  const client = await floe.context.db.connection().execute(async (connection) => {
    await sql`BEGIN`.execute(connection);
    await sql`SELECT id FROM products WHERE id = ${product.id} FOR UPDATE`.execute(connection);
    try {
      const response = await fetch(`${floe.baseUrl}/v1/products/${product.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Renamed' }),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
    } finally {
      await sql`ROLLBACK`.execute(connection);
    }
  });
  assert.equal(client.status, 503);
  assert.deepEqual(client.body, { error: 'ServiceUnavailable', detail: 'The request took too long: try again.' });
  assert.equal(client.retryAfter, '1');
  assert.equal((await merchant.sdk.products.get({ id: product.id })).id, product.id);
});
