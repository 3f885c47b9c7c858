import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Polar } from '@polar-sh/sdk';
import { HTTPValidationError } from '@polar-sh/sdk/models/errors/index.js';
import { RFCDate } from '@polar-sh/sdk/types/index.js';
import { sql } from 'kysely';
import { transaction } from '../../../src/kit/db.js';
import { compactMetrics } from '../../../src/modules/metrics/service.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { advanceClock, clockNow, jobsDone, purchase } from '../../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

type Interval = 'hour' | 'day' | 'week' | 'month' | 'year';
const STEPS: Record<Interval, string> = { hour: '1 hour', day: '1 day', week: '1 week', month: '1 month', year: '1 year' };
const METRIC_KEYS = [
  'orders', 'revenue', 'averageOrderValue', 'oneTimeProducts', 'oneTimeProductsRevenue', 'newSubscriptions',
  'newSubscriptionsRevenue', 'renewedSubscriptions', 'renewedSubscriptionsRevenue', 'activeSubscriptions', 'monthlyRecurringRevenue',
] as const;
type Period = { timestamp: string } & Record<(typeof METRIC_KEYS)[number], number>;

interface Filters {
  organizationId?: string[];
  productId?: string[];
  productPriceType?: ('one_time' | 'recurring')[];
}

/**
 * The metrics as plain SQL over the raw tables, shaped as Polar's own query: a generated series of
 * timestamps, each joined to the orders and subscriptions of its bucket. Independent of Floe's code.
 */
async function metricsBySql(organizationIds: string[], interval: Interval, startDate: string, endDate: string, filters: Filters) {
  const orderFilters = sql.join([
    sql`o.organization_id = ANY(${organizationIds}::uuid[])`,
    filters.organizationId ? sql`o.organization_id = ANY(${filters.organizationId}::uuid[])` : sql`true`,
    filters.productId ? sql`o.product_id = ANY(${filters.productId}::uuid[])` : sql`true`,
    filters.productPriceType ? sql`op.type = ANY(${filters.productPriceType}::text[])` : sql`true`,
  ], sql` AND `);
  const subscriptionFilters = sql.join([
    sql`s.organization_id = ANY(${organizationIds}::uuid[])`,
    filters.organizationId ? sql`s.organization_id = ANY(${filters.organizationId}::uuid[])` : sql`true`,
    filters.productId ? sql`s.product_id = ANY(${filters.productId}::uuid[])` : sql`true`,
    filters.productPriceType ? sql`sp.type = ANY(${filters.productPriceType}::text[])` : sql`true`,
  ], sql` AND `);
  const trunc = (column: string) => sql`date_trunc(${interval}, ${sql.raw(column)} AT TIME ZONE 'UTC')`;
  const bucket = sql`date_trunc(${interval}, series.t)`;
  const { rows } = await sql<Record<string, string | number>>`
    WITH series AS (
      SELECT generate_series(${startDate}::timestamp, ${endDate}::timestamp + interval '1 day' - interval '1 microsecond', ${STEPS[interval]}::interval) AS t
    ), order_metrics AS (
      SELECT series.t,
        count(o.id) AS "orders", coalesce(sum(o.amount), 0) AS "revenue", coalesce(ceil(avg(o.amount)), 0) AS "averageOrderValue",
        count(o.id) FILTER (WHERE o.subscription_id IS NULL) AS "oneTimeProducts",
        coalesce(sum(o.amount) FILTER (WHERE o.subscription_id IS NULL), 0) AS "oneTimeProductsRevenue",
        coalesce(sum(o.amount) FILTER (WHERE ${trunc('o_s.started_at')} = ${bucket}), 0) AS "newSubscriptionsRevenue",
        count(DISTINCT o_s.id) FILTER (WHERE ${trunc('o_s.started_at')} <> ${bucket}) AS "renewedSubscriptions",
        coalesce(sum(o.amount) FILTER (WHERE ${trunc('o_s.started_at')} <> ${bucket}), 0) AS "renewedSubscriptionsRevenue"
      FROM series
      LEFT JOIN (orders o JOIN product_prices op ON op.id = o.product_price_id LEFT JOIN subscriptions o_s ON o_s.id = o.subscription_id)
        ON ${trunc('o.created_at')} = ${bucket} AND ${orderFilters}
      GROUP BY series.t
    ), subscription_metrics AS (
      SELECT series.t,
        count(s.id) FILTER (WHERE ${trunc('s.started_at')} = ${bucket}) AS "newSubscriptions",
        count(s.id) AS "activeSubscriptions",
        coalesce(sum(CASE WHEN s.recurring_interval = 'year' THEN round(s.amount::numeric / 12) ELSE s.amount END), 0) AS "monthlyRecurringRevenue"
      FROM series
      LEFT JOIN (subscriptions s JOIN product_prices sp ON sp.id = s.price_id)
        ON (s.started_at IS NULL OR ${trunc('s.started_at')} <= ${bucket}) AND (s.ended_at IS NULL OR ${trunc('s.ended_at')} >= ${bucket}) AND ${subscriptionFilters}
      GROUP BY series.t
    )
    SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS') AS timestamp, * FROM order_metrics JOIN subscription_metrics USING (t) ORDER BY t`.execute(floe.db);
  return rows.map((row) => ({ timestamp: `${row.timestamp}.000Z`, ...Object.fromEntries(METRIC_KEYS.map((key) => [key, Number(row[key])])) }) as Period);
}

async function metricsByApi(sdk: Polar, interval: Interval, startDate: string, endDate: string, filters: Filters) {
  const response = await sdk.metrics.get({ startDate: new RFCDate(startDate), endDate: new RFCDate(endDate), interval, ...filters });
  return response.periods.map((period) => ({ timestamp: period.timestamp.toISOString(), ...Object.fromEntries(METRIC_KEYS.map((key) => [key, period[key]])) }) as Period);
}

/** A seeded random source, so a failure can be replayed (the seed is in the test's name). */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const DAY_MS = 86_400_000;
const HISTORY_START = Date.parse('2023-03-01T00:00:00Z');
const HISTORY_DAYS = 800;

/**
 * Random history for an organization, written through the tables (with every trigger): one-time
 * orders, monthly and yearly subscriptions (some free, some never started, some ended), renewals
 * on varied days, plan changes that move a subscription to another product, orders written one by
 * one, in batches, and concurrently for the same subscription.
 */
async function fillRandomHistory(sdk: Polar, organizationId: string, seed: number) {
  const random = randomSource(seed);
  const oneTime = await sdk.products.create({ name: 'E-book', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1500, priceCurrency: 'usd' }] });
  const monthly = await sdk.products.create({ name: 'Basic', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 900, priceCurrency: 'usd' }] });
  const pro = await sdk.products.create({ name: 'Pro', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 2900, priceCurrency: 'usd' }] });
  const yearly = await sdk.products.create({ name: 'Annual', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 9999, priceCurrency: 'usd' }] });
  const customers: string[] = [];
  for (let index = 0; index < 4; index += 1) customers.push((await sdk.customers.create({ email: `buyer-${seed}-${index}@example.com`, organizationId })).id);
  const at = (day: number, hour = random.int(0, 23)) => new Date(HISTORY_START + day * DAY_MS + hour * 3_600_000 + random.int(0, 3_599_999));
  type OrderRow = { id: string; created_at: Date; organization_id: string; customer_id: string; product_id: string; product_price_id: string; subscription_id: string | null; amount: number; currency: string; billing_reason: 'purchase' | 'subscription_cycle' };
  const orders: OrderRow[] = [];
  const order = (product: { id: string; prices: { id: string }[] }, amount: number, createdAt: Date, subscriptionId: string | null): OrderRow => ({
    id: randomUUID(), created_at: createdAt, organization_id: organizationId, customer_id: random.pick(customers), product_id: product.id,
    product_price_id: product.prices[0]!.id, subscription_id: subscriptionId, amount, currency: 'usd', billing_reason: subscriptionId ? 'subscription_cycle' : 'purchase',
  });
  for (let index = 0; index < 150; index += 1) orders.push(order(oneTime, random.pick([1500, 1200, 0, 999]), at(random.int(0, HISTORY_DAYS)), null));

  const changes: { id: string; product: typeof pro; amount: number }[] = [];
  const endings: { id: string; endedAt: Date }[] = [];
  for (let index = 0; index < 40; index += 1) {
    const plan = random.pick([monthly, monthly, yearly]);
    const interval = plan === yearly ? 'year' : 'month';
    const startDay = random.int(0, HISTORY_DAYS - 30);
    const startedAt = random.chance(0.05) ? null : at(startDay);
    const amount = random.chance(0.1) ? null : random.pick([900, 1100, 9999, 12001, 6]);
    const id = randomUUID();
    await floe.db.insertInto('subscriptions').values({
      id, organization_id: organizationId, customer_id: random.pick(customers), product_id: plan.id, price_id: plan.prices[0]!.id, amount, currency: 'usd',
      recurring_interval: interval, status: 'active', current_period_start: startedAt ?? at(startDay), billing_cycle_anchor: startedAt ?? at(startDay), started_at: startedAt,
    }).execute();
    if (!startedAt) continue;
    const lastDay = random.chance(0.4) ? random.int(startDay, HISTORY_DAYS) : HISTORY_DAYS;
    let product = plan;
    for (let day = startDay, cycle = 0; day <= lastDay; day += interval === 'year' ? 365 : random.int(28, 31), cycle += 1) {
      const createdAt = cycle === 0 ? startedAt : at(day);
      if (plan === monthly && cycle === 3 && random.chance(0.5)) {
        // A plan change: an order on the new product the same day, and the subscription moves.
        product = pro;
        orders.push(order(pro, 2000, new Date(createdAt.getTime() + 1000), id));
        changes.push({ id, product: pro, amount: 2900 });
      }
      orders.push(order(product, amount ?? 0, createdAt, id));
    }
    if (lastDay < HISTORY_DAYS) endings.push({ id, endedAt: new Date(Math.max(startedAt.getTime(), at(lastDay).getTime())) });
  }

  // Orders one by one, in batches of varied sizes, and five at once for the same subscription.
  // Five renewals at once of one subscription, 40 days after it started: one renewed subscription.
  const concurrentSubscription = orders.find((row) => row.subscription_id)!;
  const racers = [1, 2, 3, 4, 5].map(() => ({ ...order(monthly, 100, new Date(concurrentSubscription.created_at.getTime() + 40 * DAY_MS), concurrentSubscription.subscription_id) }));
  await Promise.all(racers.map((row) => transaction(floe.db, async (trx) => {
    await trx.insertInto('orders').values(row).execute();
    await sql`SELECT pg_sleep(0.05)`.execute(trx);
  })));
  for (let index = 0; index < orders.length;) {
    const size = random.pick([1, 1, 7, 40]);
    await floe.db.insertInto('orders').values(orders.slice(index, index + size)).execute();
    index += size;
  }
  for (const change of changes) {
    await floe.db.updateTable('subscriptions').set({ product_id: change.product.id, price_id: change.product.prices[0]!.id, amount: change.amount }).where('id', '=', change.id).execute();
  }
  // Several ended in one statement, the others one by one.
  const [together, alone] = [endings.slice(0, 5), endings.slice(5)];
  if (together.length > 0) {
    await sql`UPDATE subscriptions SET ended_at = e.ended_at, status = 'canceled' FROM (VALUES ${sql.join(together.map((e) => sql`(${e.id}::uuid, ${e.endedAt}::timestamptz)`))}) AS e (id, ended_at) WHERE subscriptions.id = e.id`.execute(floe.db);
  }
  for (const ending of alone) await floe.db.updateTable('subscriptions').set({ ended_at: ending.endedAt, status: 'canceled' }).where('id', '=', ending.id).execute();
  return { oneTime, monthly, pro, yearly };
}

describe('metrics', () => {
  test('agree with plain SQL over the raw tables on random data, for every interval and filter, before and after compaction', async () => {
    const seed = Number(process.env.FLOE_METRICS_SEED ?? Date.now() % 1_000_000);
    const first = await floe.createMerchant();
    const second = await transaction(floe.db, async (trx) => {
      const { findOrCreateOrganization } = await import('../../../src/modules/organization/service.js');
      return findOrCreateOrganization(trx, first.userId, { name: 'Second', slug: `second-${seed}` });
    });
    // The user's token was issued before the second organization: a new one sees both.
    const products = await fillRandomHistory(first.sdk, first.organizationId, seed);
    await fillRandomHistory(first.sdk, second.id, seed + 1);
    const user = await floe.createMerchant();
    const organizations = [first.organizationId, second.id];

    const ranges: [Interval, string, string][] = [
      ['hour', '2024-02-26', '2024-03-04'],
      ['day', '2024-01-01', '2024-12-31'],
      ['day', '2023-03-01', '2023-04-15'],
      ['week', '2023-03-01', '2024-02-29'],
      ['month', '2023-01-31', '2025-06-30'],
      ['year', '2023-01-01', '2025-12-31'],
      ['day', '2024-05-10', '2024-05-09'],
    ];
    const filterSets: Filters[] = [
      {},
      { organizationId: [first.organizationId] },
      { productId: [products.monthly.id] },
      { productId: [products.monthly.id, products.pro.id] },
      { productPriceType: ['one_time'] },
      { productPriceType: ['recurring'], organizationId: organizations },
    ];
    const check = async (stage: string) => {
      for (const [interval, startDate, endDate] of ranges) {
        for (const filters of filterSets) {
          const expected = await metricsBySql(organizations, interval, startDate, endDate, filters);
          const actual = await metricsByApi(first.sdk, interval, startDate, endDate, filters);
          assert.deepEqual(actual, expected, `seed ${seed}, ${stage}: ${interval} ${startDate}..${endDate} ${JSON.stringify(filters)}`);
        }
      }
    };
    assert.ok((await metricsByApi(first.sdk, 'year', '2023-01-01', '2025-12-31', {})).some((period) => period.renewedSubscriptions > 0));
    await check('as written');
    // The worker compacts every few seconds too, and may hold the compaction's lock: compact until
    // no delta row is left, whoever folds them.
    const uncompacted = async () =>
      Number((await sql<{ count: string }>`SELECT (SELECT count(*) FROM metric_order_days WHERE NOT is_compacted) + (SELECT count(*) FROM metric_subscription_days WHERE NOT is_compacted) AS count`.execute(floe.db)).rows[0]!.count);
    for (let attempt = 0; (await uncompacted()) > 0; attempt += 1) {
      assert.ok(attempt < 100, 'the rollups were never compacted');
      await compactMetrics(floe.db);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await check('compacted');
    // Another merchant sees nothing of it, even naming the organization.
    const foreign = await metricsByApi(user.sdk, 'month', '2024-01-01', '2024-12-31', { organizationId: [first.organizationId] });
    assert.ok(foreign.every((period) => METRIC_KEYS.every((key) => period[key] === 0)));
  });

  test('a purchase and its renewal under the test clock: a new, then a renewed subscription; MRR of a monthly and a yearly plan', async () => {
    const { sdk, organizationId, token } = await floe.createMerchant();
    const monthly = await sdk.products.create({ name: 'Monthly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 10000, priceCurrency: 'usd' }] });
    const yearly = await sdk.products.create({ name: 'Yearly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 100000, priceCurrency: 'usd' }] });
    await purchase(floe, sdk, monthly.prices[0]!.id, 'monthly@example.com');
    await purchase(floe, sdk, yearly.prices[0]!.id, 'yearly@example.com');
    const start = await clockNow(floe, token, organizationId);
    const day = (date: Date) => date.toISOString().slice(0, 10);
    const before = await sdk.metrics.get({ startDate: new RFCDate(day(start)), endDate: new RFCDate(day(start)), interval: 'day', organizationId });
    assert.deepEqual(
      { orders: before.periods[0]!.orders, revenue: before.periods[0]!.revenue, newSubscriptions: before.periods[0]!.newSubscriptions, newRevenue: before.periods[0]!.newSubscriptionsRevenue, active: before.periods[0]!.activeSubscriptions, mrr: before.periods[0]!.monthlyRecurringRevenue },
      { orders: 2, revenue: 110000, newSubscriptions: 2, newRevenue: 110000, active: 2, mrr: 18333 },
    );
    assert.equal((await advanceClock(floe, token, { organization_id: organizationId, advance_by: 'P1M' })).status, 200);
    await jobsDone(floe);
    const later = await clockNow(floe, token, organizationId);
    const months = await sdk.metrics.get({ startDate: new RFCDate(day(start)), endDate: new RFCDate(day(later)), interval: 'month', organizationId });
    const renewal = months.periods.at(-1)!;
    assert.equal(renewal.renewedSubscriptions, 1);
    assert.equal(renewal.renewedSubscriptionsRevenue, 10000);
    assert.equal(renewal.newSubscriptions, 0);
    assert.equal(renewal.activeSubscriptions, 2);
    assert.equal(renewal.monthlyRecurringRevenue, 18333);
  });

  test('limits; dates before 2023, ranges over the limit and bad values are refused as Polar refuses them', async () => {
    const { sdk, token } = await floe.createMerchant();
    const limits = await sdk.metrics.limits();
    assert.equal(limits.minDate.toString(), '2023-01-01');
    assert.deepEqual(limits.intervals, { hour: { maxDays: 7 }, day: { maxDays: 366 }, week: { maxDays: 365 }, month: { maxDays: 1460 }, year: { maxDays: 3650 } });

    const early = await expectError(sdk.metrics.get({ startDate: new RFCDate('2022-12-31'), endDate: new RFCDate('2023-01-31'), interval: 'day' }), HTTPValidationError);
    assert.deepEqual(early.detail?.[0]?.loc, ['query', 'start_date']);
    for (const [interval, endDate] of [['hour', '2024-01-09'], ['day', '2025-01-02'], ['week', '2025-01-01'], ['month', '2028-01-01'], ['year', '2034-01-01']] as const) {
      const tooBig = await expectError(sdk.metrics.get({ startDate: new RFCDate('2024-01-01'), endDate: new RFCDate(endDate), interval }), HTTPValidationError);
      assert.deepEqual(tooBig.detail?.map((error) => [error.loc, error.msg]), [[['query'], 'The interval is too big. Try to change the interval or reduce the date range.']]);
    }
    // At the limit it answers: 2024 by day is 366 days.
    assert.equal((await sdk.metrics.get({ startDate: new RFCDate('2024-01-01'), endDate: new RFCDate('2025-01-01'), interval: 'day' })).periods.length, 367);
    const year = await sdk.metrics.get({ startDate: new RFCDate('2024-01-01'), endDate: new RFCDate('2024-12-31'), interval: 'week' });
    assert.equal(year.periods.length, 53);
    assert.deepEqual(Object.keys(year.metrics).length, 11);
    assert.deepEqual(year.metrics.monthlyRecurringRevenue, { slug: 'monthly_recurring_revenue', displayName: 'Monthly Recurring Revenue', type: 'currency' });

    for (const query of ['start_date=2024-13-01&end_date=2024-12-31&interval=day', 'start_date=2024-01-01&end_date=2024-12-31&interval=minute', 'start_date=2024-01-01&interval=day', 'start_date=2024-01-01&end_date=2024-01-02&interval=day&product_id=nope', 'start_date=2024-01-01&end_date=2024-01-02&interval=day&product_price_type=free']) {
      const response = await fetch(`${floe.baseUrl}/v1/metrics/?${query}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 422, query);
      assert.ok(Array.isArray(((await response.json()) as { detail: unknown }).detail));
    }
    assert.equal((await fetch(`${floe.baseUrl}/v1/metrics/?start_date=2024-01-01&end_date=2024-01-02&interval=day`)).status, 401);
    const { organizationId } = await floe.createMerchant();
    const noScope = await floe.createOrganizationToken(organizationId, ['orders:read']);
    assert.equal((await fetch(`${floe.baseUrl}/v1/metrics/limits`, { headers: { authorization: `Bearer ${noScope}` } })).status, 403);
    const withScope = await floe.createOrganizationToken(organizationId, ['metrics:read']);
    assert.equal((await fetch(`${floe.baseUrl}/v1/metrics/limits`, { headers: { authorization: `Bearer ${withScope}` } })).status, 200);
  });
});
