import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AlreadyCanceledSubscription, HTTPValidationError, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import type { Polar } from '@polar-sh/sdk';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

async function subscribe(sdk: Polar, priceId: string, email: string): Promise<string> {
  const checkout = await sdk.checkouts.custom.create({ productPriceId: priceId });
  await floe.sdk().checkouts.custom.clientConfirm({
    clientSecret: checkout.clientSecret,
    checkoutConfirmStripe: { customerEmail: email, customerName: 'Subscriber', customerBillingAddress: { country: 'US' }, confirmationTokenId: 'tok_visa' },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = await floe.db.selectFrom('subscriptions').select('id').where('checkout_id', '=', checkout.id).executeTakeFirst();
    if (row) return row.id;
    if (Date.now() > deadline) throw new Error('no subscription');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const statusOf = async (call: Promise<unknown>) => (await call.then(() => null, (reason: unknown) => reason as SDKError))?.statusCode;

describe('subscriptions', () => {
  test('list with filters, export as CSV; tenancy', async () => {
    const { sdk, organizationId, token } = await floe.createMerchant();
    const plan = await sdk.products.create({ name: 'Pro, monthly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 1000, priceCurrency: 'usd' }] });
    await subscribe(sdk, plan.prices[0]!.id, 'one@example.com');
    const second = await subscribe(sdk, plan.prices[0]!.id, 'two@example.com');
    const listed = await sdk.subscriptions.list({ organizationId, active: true });
    assert.equal(listed.result.pagination.totalCount, 2);
    assert.equal(listed.result.items[0]?.product.name, 'Pro, monthly');
    await sdk.subscriptions.revoke({ id: second });
    assert.equal((await sdk.subscriptions.list({ organizationId, active: false })).result.pagination.totalCount, 1);
    const response = await fetch(`${floe.baseUrl}/v1/subscriptions/export?organization_id=${organizationId}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/csv');
    assert.match(response.headers.get('content-disposition') ?? '', /polar-subscribers\.csv/);
    const lines = (await response.text()).split('\r\n');
    assert.equal(lines[0], 'Email,Created At,Active,Product,Price,Currency,Interval');
    assert.ok(lines.some((line) => line.startsWith('one@example.com,') && line.endsWith(',true,"Pro, monthly",10.0,usd,month')), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith('two@example.com,') && line.includes(',false,')));
    const stranger = await floe.createMerchant();
    assert.equal((await stranger.sdk.subscriptions.list({})).result.pagination.totalCount, 0);
    await expectError(stranger.sdk.subscriptions.revoke({ id: second }), ResourceNotFound);
  });

  test('cancel at period end, uncancel, change price, revoke: with their rules and events', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const plan = await sdk.products.create({
      name: 'Team',
      organizationId,
      prices: [
        { type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 1000, priceCurrency: 'usd' },
        { type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 10000, priceCurrency: 'usd' },
      ],
    });
    const monthly = plan.prices.find((price) => 'recurringInterval' in price && price.recurringInterval === 'month')!;
    const yearly = plan.prices.find((price) => 'recurringInterval' in price && price.recurringInterval === 'year')!;
    const id = await subscribe(sdk, monthly.id, 'team@example.com');

    // The SDK sends `revoke: true` unless told `revoke: null`, and the two together are refused (a 422, as Polar's).
    await expectError(sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: true } }), HTTPValidationError);
    const canceled = await sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: true, revoke: null, customerCancellationReason: 'too_expensive', customerCancellationComment: 'Pricey' } });
    assert.equal(canceled.cancelAtPeriodEnd, true);
    assert.equal(canceled.status, 'active');
    assert.equal(canceled.endsAt?.getTime(), canceled.currentPeriodEnd?.getTime());
    assert.equal(canceled.customerCancellationReason, 'too_expensive');
    await expectError(sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: true, revoke: null } }), AlreadyCanceledSubscription);
    await expectError(sdk.subscriptions.update({ id, subscriptionUpdate: { productPriceId: yearly.id } }), AlreadyCanceledSubscription);
    const uncanceled = await sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: false, revoke: null } });
    assert.equal(uncanceled.cancelAtPeriodEnd, false);
    assert.equal(uncanceled.endsAt, null);
    assert.equal(uncanceled.canceledAt, null);
    assert.equal(await statusOf(sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: false, revoke: null } })), 400);

    const moved = await sdk.subscriptions.update({ id, subscriptionUpdate: { productPriceId: yearly.id } });
    assert.equal(moved.priceId, yearly.id);
    assert.equal(moved.amount, 10000);
    assert.equal(moved.recurringInterval, 'year');
    const oneTime = await sdk.products.create({ name: 'Once', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 500, priceCurrency: 'usd' }] });
    await expectError(sdk.subscriptions.update({ id, subscriptionUpdate: { productPriceId: oneTime.prices[0]!.id } }), HTTPValidationError);

    const revoked = await sdk.subscriptions.revoke({ id });
    assert.equal(revoked.status, 'canceled');
    assert.ok(revoked.endedAt);
    await expectError(sdk.subscriptions.revoke({ id }), AlreadyCanceledSubscription);
    assert.equal(await statusOf(sdk.subscriptions.update({ id, subscriptionUpdate: { cancelAtPeriodEnd: false, revoke: null } })), 410);

    const types = (await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).execute()).map((event) => event.type);
    for (const type of ['subscription.updated', 'subscription.canceled', 'subscription.uncanceled', 'subscription.revoked']) assert.ok(types.includes(type), type);
    const { parseEvent } = await import('../checkout/sdk-events.js');
    const events = await floe.db.selectFrom('events').select('payload').where('organization_id', '=', organizationId).where('type', 'in', ['subscription.updated', 'subscription.canceled', 'subscription.revoked']).execute();
    for (const event of events) parseEvent(event.payload);
  });
});
