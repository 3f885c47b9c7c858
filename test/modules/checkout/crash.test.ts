// Floe killed with SIGKILL during a burst of confirmations, then restarted: every checkout that
// reports `succeeded` has exactly one order, no order lacks its checkout, and every confirmed
// checkout gets its order once Floe is back (its success job survives the crash).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Polar } from '@polar-sh/sdk';
import { startTestApp } from '../../helpers/app.js';

const floe = await startTestApp();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function startServe(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/floe.js', 'serve'], {
    env: { ...process.env, DATABASE_URL: floe.config.databaseUrl, PORT: String(port), FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-crash-')), FLOE_SECRET: floe.config.secret, FLOE_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('floe serve did not start');
}

test('a crash mid-burst leaves one order per succeeded checkout and none without its checkout', { timeout: 90_000 }, async () => {
  const { sdk, organizationId } = await floe.createMerchant();
  const product = await sdk.products.create({ name: 'Burst', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
  const checkouts = await Promise.all(Array.from({ length: 60 }, () => sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id })));
  // Below the kernel's ephemeral range (32768 and up), so no outgoing connection holds it.
  const port = 20000 + Math.floor(Math.random() * 12000);
  const serve = await startServe(port);
  const client = new Polar({ serverURL: `http://127.0.0.1:${port}` });
  const burst = Promise.allSettled(
    checkouts.map((checkout) =>
      client.checkouts.custom.clientConfirm({
        clientSecret: checkout.clientSecret,
        checkoutConfirmStripe: { customerEmail: 'burst@example.com', customerName: 'Burst', customerBillingAddress: { country: 'US' }, confirmationTokenId: 'tok_visa' },
      }),
    ),
  );
  // Kill it once some confirmations have gone through and others are still coming.
  for (let attempt = 0; attempt < 200; attempt++) {
    const done = await floe.db.selectFrom('checkouts').select('id').where('organization_id', '=', organizationId).where('status', '!=', 'open').execute();
    if (done.length >= 5) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const exited = new Promise((resolve) => serve.once('exit', resolve));
  serve.kill('SIGKILL');
  await burst;
  await exited;

  const invariants = async () => {
    const rows = await floe.db
      .selectFrom('checkouts')
      .leftJoin('orders', 'orders.checkout_id', 'checkouts.id')
      .select(['checkouts.id', 'checkouts.status', 'orders.id as order_id'])
      .where('checkouts.organization_id', '=', organizationId)
      .execute();
    const orders = await floe.db.selectFrom('orders').select(['id', 'checkout_id']).where('organization_id', '=', organizationId).execute();
    for (const row of rows) if (row.status === 'succeeded') assert.ok(row.order_id, `succeeded checkout ${row.id} has an order`);
    assert.ok(orders.every((order) => order.checkout_id && rows.some((row) => row.id === order.checkout_id)));
    assert.equal(new Set(orders.map((order) => order.checkout_id)).size, orders.length, 'one order per checkout');
    return rows;
  };
  await invariants();

  // Back up: every confirmed checkout's success job runs, once.
  await startServe(port);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await invariants();
    if (!rows.some((row) => row.status === 'confirmed')) break;
    if (Date.now() > deadline) throw new Error('confirmed checkouts left without their order');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rows = await invariants();
  assert.ok(rows.filter((row) => row.status === 'succeeded').length > 0);
});
