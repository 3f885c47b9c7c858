// Demo data: `floe demo` fills an organization with a store's history on its test clock, through
// Floe's own services; what it reports is what the API then lists. fillDemo, as the bench calls it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Polar } from '@polar-sh/sdk';
import { fillDemo, type DemoProgress, type DemoReport } from '../../../src/modules/demo/service.js';
import { runFloe } from '../../helpers/cli.js';
import { startTestApp } from '../../helpers/app.js';

const floe = await startTestApp();

function floeCommand(args: string[]) {
  // Piped, not a terminal: progress comes as plain lines.
  return runFloe(args, { DATABASE_URL: floe.config.databaseUrl ?? '', FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-demo-')), FLOE_SECRET: 'demo-test-secret-0123456789' });
}

/** Every item of a list, page after page (the SDK's page iterator), with its total count. */
async function listAll<T>(pages: AsyncIterable<{ result: { items: T[]; pagination: { totalCount: number } } }>): Promise<{ items: T[]; totalCount: number }> {
  const items: T[] = [];
  let totalCount = 0;
  for await (const page of pages) {
    items.push(...page.result.items);
    totalCount = page.result.pagination.totalCount;
  }
  return { items, totalCount };
}

const count = (values: (string | null | undefined)[]) => values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [String(value)]: (counts[String(value)] ?? 0) + 1 }), {});

describe('floe demo', () => {
  test('fills an organization with products, customers, one-time and renewal orders, active and canceled subscriptions, as reported', async () => {
    const merchant = await floe.createMerchant({ slug: 'demo-store' });
    const run = await floeCommand(['demo', '--org-slug', 'demo-store', '--orders', '300', '--months', '6', '--seed', '7', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as DemoReport & { seconds: number };

    // Progress on a pipe: one plain line per month, the last at the end.
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('floe: demo month'));
    assert.deepEqual(lines.map((line) => /month (\d+)\/6/.exec(line)?.[1]), ['1', '2', '3', '4', '5', '6']);
    assert.match(lines.at(-1) ?? '', /300 of 300 orders, 30 subscriptions/);
    assert.doesNotMatch(run.stderr, /\r/);

    const sdk: Polar = merchant.sdk;
    const organizationId = merchant.organizationId;
    const products = await listAll(await sdk.products.list({ organizationId, limit: 100 }));
    assert.equal(products.totalCount, report.products);
    assert.deepEqual(count(products.items.map((product) => String(product.isRecurring))), { true: 3, false: 4 });

    const customers = await listAll(await sdk.customers.list({ organizationId, limit: 100 }));
    assert.equal(customers.totalCount, report.customers);
    assert.ok(report.customers > 30, `${report.customers} customers`);

    const orders = await listAll(await sdk.orders.list({ organizationId, limit: 100 }));
    assert.equal(orders.totalCount, 300);
    assert.equal(report.orders.total, 300);
    const reasons = count(orders.items.map((order) => order.billingReason));
    for (const reason of ['purchase', 'subscription_create', 'subscription_cycle']) assert.equal(reasons[reason], report.orders[reason], reason);
    assert.equal(reasons.subscription_create, 30);
    assert.ok((reasons.subscription_cycle ?? 0) > 0 && (reasons.purchase ?? 0) > 0, JSON.stringify(reasons));
    // One-time orders have no subscription; a subscription's orders name it, each at its own time.
    for (const order of orders.items) assert.equal(order.subscriptionId === null, order.billingReason === 'purchase', order.id);
    const renewals = orders.items.filter((order) => order.billingReason === 'subscription_cycle');
    assert.ok(renewals.every((order) => order.createdAt > new Date(report.started_at)));

    const subscriptions = await listAll(await sdk.subscriptions.list({ organizationId, limit: 100 }));
    assert.equal(subscriptions.totalCount, 30);
    assert.equal(report.subscriptions.total, 30);
    const statuses = count(subscriptions.items.map((subscription) => subscription.status));
    assert.deepEqual(statuses, Object.fromEntries(Object.entries(report.subscriptions).filter(([key]) => key !== 'total')));
    assert.ok((statuses.active ?? 0) > 0 && (statuses.canceled ?? 0) > 0, JSON.stringify(statuses));
    const active = await sdk.subscriptions.list({ organizationId, active: true, limit: 1 });
    assert.equal(active.result.pagination.totalCount, statuses.active);

    // Six months on the organization's test clock.
    const days = (new Date(report.ended_at).getTime() - new Date(report.started_at).getTime()) / 86_400_000;
    assert.ok(days > 180 && days < 186, `${days} days`);
  });

  test('fillDemo from code: progress day by day, and the same store from the same seed', async () => {
    const first = await floe.createMerchant();
    const second = await floe.createMerchant();
    const progress: DemoProgress[] = [];
    const options = { orders: 150, months: 3, seed: 42 };
    const a = await fillDemo(floe.context, { organizationId: first.organizationId, ...options, onProgress: (step) => progress.push(step) });
    const b = await fillDemo(floe.context, { organizationId: second.organizationId, ...options });
    assert.equal(progress.length, progress.at(-1)?.days);
    assert.deepEqual(progress.map((step) => step.day), progress.map((_, index) => index + 1));
    assert.deepEqual({ ...progress.at(-1), days: 0 }, { day: progress.length, days: 0, month: 3, months: 3, orders: 150, targetOrders: 150, subscriptions: 15, customers: a.customers });
    const shape = (report: DemoReport) => ({ ...report, organization_id: '', started_at: 0, ended_at: 0 });
    assert.deepEqual(shape(b), shape(a));
    assert.equal(a.orders.total, 150);
    assert.equal(a.subscriptions.total, 15);
  });

  test('refuses an unknown organization and bad numbers', async () => {
    const unknown = await floeCommand(['demo', '--org-slug', 'nobody-here', '--orders', '10', '--months', '1']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no organization with slug "nobody-here"/);
    const bad = await floeCommand(['demo', '--org-slug', 'demo-store', '--months', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--months must be a whole number of at least 1/);
  });
});
