// Recurring billing through the SDK and the test clock: renewals and their orders, calendar
// periods, discounts that end, failed payments and dunning, a replaced card, plan changes and
// their proration, cancellations at period end, and the clock's own rules.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Polar } from '@polar-sh/sdk';
import { startTestApp, type Merchant } from '../../helpers/app.js';
import { advanceClock, clockNow, jobsDone, purchase } from '../../helpers/purchase.js';
import { replacePaymentMethod } from '../../../src/modules/subscription/service.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

async function monthlyPlan(sdk: Polar, organizationId: string, amount = 1000) {
  const product = await sdk.products.create({ name: `Plan ${amount}`, organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: amount, priceCurrency: 'usd' }] });
  return product.prices[0]!.id;
}

async function advance(merchant: Merchant, body: Record<string, unknown>) {
  const moved = await advanceClock(floe, merchant.token, { organization_id: merchant.organizationId, ...body });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  return new Date(String(moved.body.now));
}

function ordersOf(subscriptionId: string) {
  return floe.db.selectFrom('orders').selectAll().where('subscription_id', '=', subscriptionId).orderBy('created_at').execute();
}

async function subscriptionOf(checkoutId: string) {
  return floe.db.selectFrom('subscriptions').selectAll().where('checkout_id', '=', checkoutId).executeTakeFirstOrThrow();
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** A subscription as the SDK reads it (0.21 has no get: the list, filtered to its customer). */
async function readSubscription(merchant: Merchant, id: string) {
  const listed = await merchant.sdk.subscriptions.list({ organizationId: merchant.organizationId, limit: 100 });
  const found = listed.result.items.find((item) => item.id === id);
  assert.ok(found, `subscription ${id} listed`);
  return found;
}

const statusOf = async (id: string) => (await floe.db.selectFrom('subscriptions').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('recurring billing', () => {
  test('a monthly subscription advanced a year: 13 orders, each at its own time, with its events and e-mails', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const priceId = await monthlyPlan(merchant.sdk, merchant.organizationId);
    const { checkout } = await purchase(floe, merchant.sdk, priceId, 'year@example.com');
    const started = await subscriptionOf(checkout.id);
    await advance(merchant, { advance_by: 'P1Y' });

    const orders = await ordersOf(started.id);
    assert.equal(orders.length, 13);
    assert.deepEqual(orders.map((order) => order.billing_reason), ['subscription_create', ...Array(12).fill('subscription_cycle')]);
    orders.forEach((order, index) => {
      assert.equal(order.amount, 1000);
      // Each renewal at its own simulated time: the start plus whole months.
      const expected = new Date(started.current_period_start);
      expected.setUTCMonth(expected.getUTCMonth() + index);
      assert.equal(day(order.created_at), day(expected), `order ${index}`);
    });
    const renewed = (await merchant.sdk.subscriptions.list({ organizationId: merchant.organizationId })).result.items[0]!;
    assert.equal(renewed.status, 'active');
    assert.equal(day(renewed.currentPeriodStart), day(orders[12]!.created_at));

    // Events are stamped with the simulated times, in the order they happened.
    const events = await floe.db.selectFrom('events').select(['type', 'created_at', 'sequence']).where('organization_id', '=', merchant.organizationId).where('type', 'in', ['order.created', 'subscription.updated', 'subscription.created', 'subscription.active']).orderBy('created_at').orderBy('sequence').execute();
    const orderEvents = events.filter((event) => event.type === 'order.created');
    assert.deepEqual(orderEvents.map((event) => event.created_at.getTime()), orders.map((order) => order.created_at.getTime()));
    assert.deepEqual(events.slice(0, 3).map((event) => event.type), ['order.created', 'subscription.created', 'subscription.active']);
    assert.equal(events.filter((event) => event.type === 'subscription.updated').length, 12);
    // The invoice of a renewal is a PDF, as a purchase's.
    const invoice = await merchant.sdk.orders.invoice({ id: orders[5]!.id });
    assert.equal((await fetch(invoice.url)).headers.get('content-type'), 'application/pdf');
    const emails = await floe.db.selectFrom('emails').select('subject').where('to_address', '=', 'year@example.com').execute();
    assert.equal(emails.filter((email) => /has renewed/.test(email.subject)).length, 12);
    assert.equal(emails.filter((email) => /is active/.test(email.subject)).length, 1);
  });

  test('periods keep their anchor: a 31st start renews on the last day of shorter months; a yearly one across a leap day', async () => {
    const merchant = await floe.createMerchant();
    const priceId = await monthlyPlan(merchant.sdk, merchant.organizationId);
    await advance(merchant, { advance_to: '2027-01-31T10:00:00Z' });
    const { checkout } = await purchase(floe, merchant.sdk, priceId, 'month-end@example.com');
    const subscription = await subscriptionOf(checkout.id);
    assert.equal(day(subscription.current_period_start), '2027-01-31');
    await advance(merchant, { advance_to: '2027-05-01T00:00:00Z' });
    assert.deepEqual((await ordersOf(subscription.id)).map((order) => day(order.created_at)), ['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);

    const yearly = await floe.createMerchant();
    const plan = await yearly.sdk.products.create({ name: 'Yearly', organizationId: yearly.organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 10000, priceCurrency: 'usd' }] });
    await advance(yearly, { advance_to: '2028-02-29T09:00:00Z' });
    const leap = await purchase(floe, yearly.sdk, plan.prices[0]!.id, 'leap@example.com');
    const leapSubscription = await subscriptionOf(leap.checkout.id);
    assert.equal(day(leapSubscription.current_period_end!), '2029-02-28');
    await advance(yearly, { advance_to: '2032-03-01T00:00:00Z' });
    assert.deepEqual((await ordersOf(leapSubscription.id)).map((order) => day(order.created_at)), ['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  test('a repeating discount ends after its months; a free subscription rolls with no order', async () => {
    const merchant = await floe.createMerchant();
    const priceId = await monthlyPlan(merchant.sdk, merchant.organizationId, 2000);
    // Over HTTP: the SDK drops `duration_in_months` of a repeating discount on the way out (see the discount tests).
    const created = await fetch(`${floe.baseUrl}/v1/discounts/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'percentage', basis_points: 2500, duration: 'repeating', duration_in_months: 3, name: 'Quarter off', organization_id: merchant.organizationId }),
    });
    const discount = (await created.json()) as { id: string };
    const { checkout } = await purchase(floe, merchant.sdk, priceId, 'discount@example.com', { discountId: discount.id });
    const subscription = await subscriptionOf(checkout.id);
    await advance(merchant, { advance_by: 'P5M' });
    const orders = await ordersOf(subscription.id);
    assert.deepEqual(orders.map((order) => order.amount), [1500, 1500, 1500, 2000, 2000, 2000]);
    assert.deepEqual(orders.map((order) => order.discount_id), [discount.id, discount.id, discount.id, null, null, null]);

    const free = await merchant.sdk.products.create({ name: 'Free tier', organizationId: merchant.organizationId, prices: [{ type: 'recurring', amountType: 'free', recurringInterval: 'month' }] });
    const freeCheckout = await merchant.sdk.checkouts.custom.create({ productPriceId: free.prices[0]!.id });
    await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: freeCheckout.clientSecret, checkoutConfirmStripe: { customerEmail: 'free@example.com' } });
    await jobsDone(floe);
    const freeSubscription = await subscriptionOf(freeCheckout.id);
    await advance(merchant, { advance_by: 'P2M' });
    const rolled = await floe.db.selectFrom('subscriptions').selectAll().where('id', '=', freeSubscription.id).executeTakeFirstOrThrow();
    assert.equal(rolled.status, 'active');
    assert.ok(rolled.current_period_start > freeSubscription.current_period_end!);
    assert.equal((await ordersOf(freeSubscription.id)).filter((order) => order.billing_reason === 'subscription_cycle').length, 0);
  });

  test('a failing card: past due (benefits revoked), e-mailed, card replaced, active again with its order', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const { sdk, organizationId } = merchant;
    const priceId = await monthlyPlan(sdk, organizationId);
    const benefit = await sdk.benefits.create({ type: 'custom', description: 'Support', organizationId, properties: {} });
    const product = (await sdk.products.list({ organizationId })).result.items[0]!;
    await sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefit.id] } });
    const bought = await purchase(floe, sdk, priceId, 'failing@example.com', { confirmationTokenId: 'tok_chargeCustomerFail' });
    const subscription = await subscriptionOf(bought.checkout.id);
    await advance(merchant, { advance_by: 'P1M' });
    await jobsDone(floe);
    const pastDue = await sdk.subscriptions.list({ organizationId });
    assert.equal(pastDue.result.items[0]!.status, 'past_due');
    assert.equal((await ordersOf(subscription.id)).length, 1);
    const grant = await floe.db.selectFrom('benefit_grants').selectAll().where('subscription_id', '=', subscription.id).executeTakeFirstOrThrow();
    assert.ok(grant.revoked_at, 'benefits revoked while past due');
    const failed = await floe.db.selectFrom('emails').select(['subject', 'body']).where('to_address', '=', 'failing@example.com').where('subject', 'like', 'Payment%failed').executeTakeFirstOrThrow();
    assert.match(failed.body, new RegExp(`/${(await sdk.organizations.get({ id: organizationId })).slug}/portal`));

    // A declined replacement changes nothing; a good card pays at once.
    const subject = { kind: 'customer' as const, customerId: subscription.customer_id, organizationId, scopes: new Set<string>() };
    await assert.rejects(replacePaymentMethod(floe.context, subject, subscription.id, 'tok_chargeDeclined'), /declined/);
    const replaced = await replacePaymentMethod(floe.context, subject, subscription.id, 'tok_visa');
    assert.equal(replaced.subscription.status, 'active');
    const orders = await ordersOf(subscription.id);
    assert.equal(orders.length, 2);
    assert.equal(orders[1]!.billing_reason, 'subscription_cycle');
    assert.equal(orders[1]!.subscription_period_start?.getTime(), replaced.subscription.current_period_start.getTime());
    await jobsDone(floe);
    const regranted = await floe.db.selectFrom('benefit_grants').selectAll().where('id', '=', grant.id).executeTakeFirstOrThrow();
    assert.ok(regranted.granted_at && !regranted.revoked_at, 'benefits granted back');
    const types = (await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).where('type', 'like', 'subscription.%').orderBy('created_at').orderBy('sequence').execute()).map((event) => event.type);
    assert.deepEqual(types, ['subscription.created', 'subscription.active', 'subscription.updated', 'subscription.revoked', 'subscription.updated', 'subscription.active']);
    // Later renewals charge the new card.
    await advance(merchant, { advance_by: 'P1M' });
    assert.equal((await ordersOf(subscription.id)).length, 3);
  });

  test('a failing card through the whole schedule: retried after 3, 5 and 7 days, then canceled and revoked', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const priceId = await monthlyPlan(merchant.sdk, merchant.organizationId);
    const bought = await purchase(floe, merchant.sdk, priceId, 'dunning@example.com', { confirmationTokenId: 'tok_chargeCustomerFail' });
    const subscription = await subscriptionOf(bought.checkout.id);
    await advance(merchant, { advance_by: 'P1M' });
    const failedAt = (await floe.db.selectFrom('subscriptions').select('current_period_start').where('id', '=', subscription.id).executeTakeFirstOrThrow()).current_period_start;
    await advance(merchant, { advance_by: 'P14D' });
    assert.equal((await statusOf(subscription.id)), 'past_due');
    await advance(merchant, { advance_by: 'P2D' });
    const ended = await readSubscription(merchant, subscription.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.endedAt?.getTime(), failedAt.getTime() + 15 * 86_400_000);
    const failures = await floe.db.selectFrom('emails').select('created_at').where('to_address', '=', 'dunning@example.com').where('subject', 'like', 'Payment%failed').orderBy('created_at').execute();
    assert.deepEqual(failures.map((email) => (email.created_at.getTime() - failedAt.getTime()) / 86_400_000), [0, 3, 8, 15]);
    const types = (await floe.db.selectFrom('events').select('type').where('organization_id', '=', merchant.organizationId).where('type', 'like', 'subscription.%').orderBy('created_at').orderBy('sequence').execute()).map((event) => event.type);
    assert.deepEqual(types.slice(-3), ['subscription.updated', 'subscription.canceled', 'subscription.revoked']);
    assert.equal((await ordersOf(subscription.id)).length, 1);
    // Nothing more falls due.
    await advance(merchant, { advance_by: 'P2M' });
    assert.equal((await ordersOf(subscription.id)).length, 1);
  });

  test('a plan change is prorated on the next renewal; a change of interval is charged at once', async () => {
    const merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const product = await sdk.products.create({
      name: 'Tiered',
      organizationId,
      prices: [
        { type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 1000, priceCurrency: 'usd' },
        { type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 10000, priceCurrency: 'usd' },
      ],
    });
    const pro = await sdk.products.create({ name: 'Pro', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 3000, priceCurrency: 'usd' }] });
    const monthly = product.prices.find((price) => 'recurringInterval' in price && price.recurringInterval === 'month')!;
    const yearly = product.prices.find((price) => 'recurringInterval' in price && price.recurringInterval === 'year')!;
    const bought = await purchase(floe, sdk, monthly.id, 'upgrade@example.com');
    const subscription = await subscriptionOf(bought.checkout.id);
    await advance(merchant, { advance_by: 'P10D' });
    const changedAt = await clockNow(floe, merchant.token, organizationId);
    const upgraded = await sdk.subscriptions.update({ id: subscription.id, subscriptionUpdate: { productPriceId: pro.prices[0]!.id } });
    assert.equal(upgraded.productId, pro.id);
    assert.equal(upgraded.amount, 3000);
    const start = subscription.current_period_start.getTime();
    const end = subscription.current_period_end!.getTime();
    const unused = (end - changedAt.getTime()) / (end - start);
    const proration = Math.round(3000 * unused) - Math.round(1000 * unused);
    await advance(merchant, { advance_to: new Date(end + 60_000).toISOString() });
    const orders = await ordersOf(subscription.id);
    assert.equal(orders.length, 2);
    // Within a second or so of the change: the clock ran on while the request was made.
    assert.ok(Math.abs(orders[1]!.amount - (3000 + proration)) <= 1, `${orders[1]!.amount} vs ${3000 + proration}`);
    assert.equal(orders[1]!.product_id, pro.id);

    // Month to year: a new period now, charged now, less the unused part of the month.
    const current = await floe.db.selectFrom('subscriptions').selectAll().where('id', '=', subscription.id).executeTakeFirstOrThrow();
    const moved = await sdk.subscriptions.update({ id: subscription.id, subscriptionUpdate: { productPriceId: yearly.id } });
    assert.equal(moved.recurringInterval, 'year');
    assert.ok(moved.currentPeriodStart >= current.current_period_start);
    assert.equal(day(moved.currentPeriodEnd!), `${moved.currentPeriodStart.getUTCFullYear() + 1}${day(moved.currentPeriodStart).slice(4)}`);
    const periodMs = current.current_period_end!.getTime() - current.current_period_start.getTime();
    const unusedMonth = (current.current_period_end!.getTime() - moved.currentPeriodStart.getTime()) / periodMs;
    const update = (await ordersOf(subscription.id)).find((order) => order.billing_reason === 'subscription_update');
    assert.ok(update && Math.abs(update.amount - (10000 - Math.round(3000 * unusedMonth))) <= 2, `update order ${update?.amount}`);
    assert.equal(update.product_price_id, yearly.id);
  });

  test('cancel at period end: no renewal, it ends at the period end; revoke ends it now', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const priceId = await monthlyPlan(merchant.sdk, merchant.organizationId);
    const bought = await purchase(floe, merchant.sdk, priceId, 'leaving@example.com');
    const subscription = await subscriptionOf(bought.checkout.id);
    await merchant.sdk.subscriptions.update({ id: subscription.id, subscriptionUpdate: { cancelAtPeriodEnd: true, revoke: null } });
    assert.ok(await floe.db.selectFrom('emails').select('id').where('to_address', '=', 'leaving@example.com').where('subject', 'like', '%canceled').executeTakeFirst(), 'cancellation e-mail');
    await advance(merchant, { advance_by: 'P3M' });
    const ended = await readSubscription(merchant, subscription.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.endedAt?.getTime(), subscription.current_period_end!.getTime());
    assert.equal((await ordersOf(subscription.id)).length, 1);

    const again = await purchase(floe, merchant.sdk, priceId, 'revoked@example.com');
    const second = await subscriptionOf(again.checkout.id);
    const revokedAt = await clockNow(floe, merchant.token, merchant.organizationId);
    const revoked = await merchant.sdk.subscriptions.revoke({ id: second.id });
    assert.equal(revoked.status, 'canceled');
    assert.ok(Math.abs(revoked.endedAt!.getTime() - revokedAt.getTime()) < 5_000, 'ended now, by the organization\'s time');
    await advance(merchant, { advance_by: 'P2M' });
    assert.equal((await ordersOf(second.id)).length, 1);
  });

  test('the clock also expires open checkouts and license keys, by the organization\'s time', async () => {
    const merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const license = await sdk.benefits.create({ type: 'license_keys', description: 'License', organizationId, properties: { expires: { ttl: 1, timeframe: 'month' } } });
    const app = await sdk.products.create({ name: 'App', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
    await sdk.products.updateBenefits({ id: app.id, productBenefitsUpdate: { benefits: [license.id] } });
    await purchase(floe, sdk, app.prices[0]!.id, 'licensed@example.com');
    const key = (await sdk.licenseKeys.list({ organizationId })).result.items[0]!;
    const open = await sdk.checkouts.custom.create({ productPriceId: app.prices[0]!.id });
    const client = floe.sdk();
    assert.equal((await client.customerPortal.licenseKeys.validate({ key: key.key, organizationId })).status, 'granted');
    await advance(merchant, { advance_by: 'PT1H' });
    assert.equal((await sdk.checkouts.custom.get({ id: open.id })).status, 'expired');
    await advance(merchant, { advance_by: 'P1M' });
    await assert.rejects(client.customerPortal.licenseKeys.validate({ key: key.key, organizationId }), /expired/);
    // Another organization's keys are judged by its own (real) time.
    const other = await floe.createMerchant();
    const otherLicense = await other.sdk.benefits.create({ type: 'license_keys', description: 'License', organizationId: other.organizationId, properties: { expires: { ttl: 1, timeframe: 'month' } } });
    const otherApp = await other.sdk.products.create({ name: 'App', organizationId: other.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
    await other.sdk.products.updateBenefits({ id: otherApp.id, productBenefitsUpdate: { benefits: [otherLicense.id] } });
    await purchase(floe, other.sdk, otherApp.prices[0]!.id, 'licensed@example.com');
    const otherKey = (await other.sdk.licenseKeys.list({ organizationId: other.organizationId })).result.items[0]!;
    assert.equal((await client.customerPortal.licenseKeys.validate({ key: otherKey.key, organizationId: other.organizationId })).status, 'granted');
  });

  test('the clock: per organization, forward only; bad input is a clear 4xx and changes nothing', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const start = await clockNow(floe, merchant.token, merchant.organizationId);
    const moved = await advance(merchant, { advance_by: 'P7D' });
    assert.ok(Math.abs(moved.getTime() - start.getTime() - 7 * 86_400_000) < 5_000);
    // Another organization's clock did not move.
    assert.ok(Math.abs((await clockNow(floe, other.token, other.organizationId)).getTime() - Date.now()) < 5_000);
    const refusals = [
      { advance_to: new Date(start.getTime() - 86_400_000).toISOString() },
      { advance_by: '1M' },
      { advance_by: 'P1.5M' },
      { advance_by: 'P' },
      { advance_by: 'P1M', advance_to: new Date().toISOString() },
      {},
    ];
    for (const body of refusals) {
      const refused = await advanceClock(floe, merchant.token, { organization_id: merchant.organizationId, ...body });
      assert.equal(refused.status, 422, JSON.stringify(body));
      assert.ok(Array.isArray(refused.body.detail));
    }
    const stranger = await advanceClock(floe, other.token, { organization_id: merchant.organizationId, advance_by: 'P1D' });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error, 'ResourceNotFound');
    const orgToken = await floe.createOrganizationToken(other.organizationId);
    assert.equal((await advanceClock(floe, orgToken, { organization_id: merchant.organizationId, advance_by: 'P1D' })).status, 404);
    assert.equal((await advanceClock(floe, orgToken, { advance_by: 'P1D' })).status, 200);
    const after = await clockNow(floe, merchant.token, merchant.organizationId);
    assert.ok(Math.abs(after.getTime() - moved.getTime()) < 5_000, 'refused advances moved nothing');
    // Listed in the OpenAPI document under the floe tag.
    const openapi = (await (await fetch(`${floe.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags: string[] }>> };
    assert.deepEqual(openapi.paths['/v1/floe/test-clock']?.post?.tags, ['floe']);
  });
});
