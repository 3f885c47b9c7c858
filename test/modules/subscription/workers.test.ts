// Renewals with several `floe worker` processes on one due set, and with a worker killed by SIGKILL
// mid-sweep and started again: every due subscription renews exactly once (one order per
// subscription and period), none is missed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startTestApp } from '../../helpers/app.js';
import { purchase, until } from '../../helpers/purchase.js';

// No in-process worker: the renewals here are the worker processes' alone.
const floe = await startTestApp();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['bin/floe.js', 'worker'], {
    env: { ...process.env, DATABASE_URL: floe.config.databaseUrl, FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-worker-')), FLOE_SECRET: floe.config.secret, FLOE_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/** Stops the workers (before the test database goes away under them). */
async function stopWorkers(): Promise<void> {
  await Promise.all(children.splice(0).map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  })));
}

/** `count` subscriptions like a purchased one, all due a minute ago; answers their organization and the due instant. */
async function dueSubscriptions(count: number): Promise<{ organizationId: string; dueAt: Date }> {
  const merchant = await floe.createMerchant();
  const product = await merchant.sdk.products.create({ name: 'Seat', organizationId: merchant.organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 900, priceCurrency: 'usd' }] });
  // The purchase's own success job needs a worker: one runs until the order is there.
  const helper = floe.startWorker();
  const { order } = await purchase(floe, merchant.sdk, product.prices[0]!.id, 'seat@example.com');
  await helper.stop();
  const dueAt = new Date(Date.now() - 60_000);
  const start = new Date(dueAt.getTime() - 30 * 86_400_000);
  await sql`
    INSERT INTO subscriptions (id, created_at, organization_id, customer_id, product_id, price_id, amount, currency, recurring_interval, status,
      current_period_start, current_period_end, started_at, custom_field_data, metadata, payment_method_id, due_at, billing_cycle_anchor)
    SELECT gen_random_uuid(), ${start}, organization_id, customer_id, product_id, price_id, amount, currency, recurring_interval, 'active',
      ${start}, ${dueAt}, ${start}, custom_field_data, metadata, payment_method_id, ${dueAt}, ${start}
    FROM subscriptions, generate_series(1, ${count - 1})
    WHERE id = ${order.subscription_id}`.execute(floe.db);
  await floe.db.updateTable('subscriptions').set({ current_period_start: start, current_period_end: dueAt, due_at: dueAt, billing_cycle_anchor: start }).where('id', '=', order.subscription_id).execute();
  return { organizationId: merchant.organizationId, dueAt };
}

async function renewed(organizationId: string): Promise<{ orders: number; subscriptions: number; doubled: number; stillDue: number }> {
  const { rows } = await sql<{ orders: number; subscriptions: number; doubled: number; still_due: number }>`
    SELECT
      (SELECT count(*) FROM orders WHERE organization_id = ${organizationId} AND billing_reason = 'subscription_cycle') AS orders,
      (SELECT count(DISTINCT subscription_id) FROM orders WHERE organization_id = ${organizationId} AND billing_reason = 'subscription_cycle') AS subscriptions,
      (SELECT count(*) FROM (SELECT subscription_id FROM orders WHERE organization_id = ${organizationId} AND billing_reason = 'subscription_cycle' GROUP BY subscription_id HAVING count(*) > 1) d) AS doubled,
      (SELECT count(*) FROM subscriptions WHERE organization_id = ${organizationId} AND due_at <= now()) AS still_due`.execute(floe.db);
  const row = rows[0]!;
  return { orders: row.orders, subscriptions: row.subscriptions, doubled: row.doubled, stillDue: row.still_due };
}

describe('renewals across worker processes', { timeout: 180_000 }, () => {
  test('two workers renewing the same due set: no duplicate, none missing', async () => {
    const count = 3000;
    const { organizationId } = await dueSubscriptions(count);
    startWorker();
    startWorker();
    await until(async () => (await renewed(organizationId)).stillDue === 0, 120_000);
    assert.deepEqual(await renewed(organizationId), { orders: count, subscriptions: count, doubled: 0, stillDue: 0 });
    await stopWorkers();
  });

  test('a worker killed with SIGKILL mid-sweep: after a restart nothing is lost or doubled', async () => {
    const count = 20_000;
    const { organizationId } = await dueSubscriptions(count);
    const first = startWorker();
    await until(async () => (await renewed(organizationId)).orders > 0, 60_000);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    children.splice(children.indexOf(first), 1);
    const atKill = await renewed(organizationId);
    assert.ok(atKill.orders < count, `killed mid-sweep (${atKill.orders} of ${count} renewed)`);
    assert.equal(atKill.doubled, 0);
    startWorker();
    await until(async () => (await renewed(organizationId)).stillDue === 0, 120_000);
    assert.deepEqual(await renewed(organizationId), { orders: count, subscriptions: count, doubled: 0, stillDue: 0 });
    await stopWorkers();
  });
});
