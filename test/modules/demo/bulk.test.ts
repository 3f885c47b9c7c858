// The batched service functions the demo is made with: purchases completed in bulk leave what a
// confirmed checkout's success leaves, and cancellations in bulk what subscriptions.update does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SCOPES, type OrganizationSubject } from '../../../src/kit/auth.js';
import { transaction } from '../../../src/kit/db.js';
import { completePurchases } from '../../../src/modules/checkout/bulk.js';
import { findPrice, findProduct } from '../../../src/modules/product/service.js';
import { cancelSubscriptions } from '../../../src/modules/subscription/service.js';
import { startTestApp, type Merchant } from '../../helpers/app.js';

const floe = await startTestApp();

async function plan(merchant: Merchant) {
  const created = await merchant.sdk.products.create({
    name: 'Monthly plan',
    organizationId: merchant.organizationId,
    prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 1500, priceCurrency: 'usd' }],
  });
  const product = await findProduct(floe.db, created.id);
  const price = await findPrice(floe.db, created.prices[0]!.id);
  assert.ok(product && price);
  return { product, price };
}

const buyer = (email: string, token = 'tok_visa') => ({ email, name: 'Demo Buyer', billingAddress: { country: 'DE' }, confirmationTokenId: token });

describe('completePurchases', () => {
  test('writes customers, saved cards, succeeded checkouts, orders, subscriptions and their events; a declined card leaves nothing', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const { product, price } = await plan(merchant);
    const purchases = [buyer('one@example.com'), buyer('two@example.com'), buyer('declined@example.com', 'tok_chargeDeclined'), buyer('ONE@example.com')].map((entry) => ({ product, price, ...entry }));
    const { completed, declined } = await transaction(floe.db, (trx) => completePurchases(trx, floe.context, merchant.organizationId, purchases));
    assert.equal(declined, 1);
    assert.deepEqual(completed.map((entry) => entry.index), [0, 1, 3]);
    // One customer per email, whatever its case; the declined buyer is none.
    assert.equal(completed[0]!.customerId, completed[2]!.customerId);
    const customers = await merchant.sdk.customers.list({ organizationId: merchant.organizationId });
    assert.deepEqual(customers.result.items.map((customer) => customer.email).sort(), ['one@example.com', 'two@example.com']);

    const orders = await merchant.sdk.orders.list({ organizationId: merchant.organizationId });
    assert.equal(orders.result.pagination.totalCount, 3);
    for (const order of orders.result.items) {
      assert.equal(order.billingReason, 'subscription_create');
      assert.equal(order.amount, 1500);
      assert.ok(order.subscriptionId);
    }
    const subscriptions = await merchant.sdk.subscriptions.list({ organizationId: merchant.organizationId, active: true });
    assert.equal(subscriptions.result.pagination.totalCount, 3);
    const rows = await floe.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', merchant.organizationId).execute();
    for (const row of rows) {
      assert.ok(row.payment_method_id, 'the card is kept for renewals');
      assert.equal(row.due_at?.getTime(), row.current_period_end?.getTime());
    }
    const checkouts = await floe.db.selectFrom('checkouts').select(['status', 'subscription_id', 'customer_id']).where('organization_id', '=', merchant.organizationId).execute();
    assert.equal(checkouts.length, 3);
    assert.ok(checkouts.every((checkout) => checkout.status === 'succeeded' && checkout.subscription_id && checkout.customer_id));

    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', merchant.organizationId).orderBy('sequence').execute();
    const types = events.map((event) => event.type).filter((type) => !type.startsWith('product.'));
    assert.deepEqual(types.slice(0, 6), ['checkout.created', 'checkout.updated', 'checkout.updated', 'order.created', 'subscription.created', 'subscription.active']);
    assert.equal(types.filter((type) => type === 'order.created').length, 3);
    const emails = await floe.db.selectFrom('emails').select('to_address').where('organization_id', '=', merchant.organizationId).execute();
    assert.equal(emails.length, 3);
  });
});

describe('cancelSubscriptions', () => {
  test('cancels at period end or revokes, as subscriptions.update does; one already canceled is passed by', async () => {
    const merchant = await floe.createMerchant();
    const { product, price } = await plan(merchant);
    const { completed } = await transaction(floe.db, (trx) =>
      completePurchases(trx, floe.context, merchant.organizationId, ['a@example.com', 'b@example.com'].map((email) => ({ product, price, ...buyer(email) }))),
    );
    const [atPeriodEnd, revoked] = completed.map((entry) => entry.subscriptionId ?? '');
    const subject: OrganizationSubject = { kind: 'organization', organizationId: merchant.organizationId, scopes: new Set(SCOPES) };
    const canceled = await transaction(floe.db, (trx) =>
      cancelSubscriptions(trx, floe.config, subject, [{ id: atPeriodEnd!, revoke: false, reason: 'too_expensive' }, { id: revoked!, revoke: true }]),
    );
    assert.equal(canceled.length, 2);

    const listed = await merchant.sdk.subscriptions.list({ organizationId: merchant.organizationId });
    const byId = new Map(listed.result.items.map((item) => [item.id, item]));
    const ending = byId.get(atPeriodEnd!);
    assert.equal(ending?.status, 'active');
    assert.equal(ending?.cancelAtPeriodEnd, true);
    assert.equal(ending?.endsAt?.getTime(), ending?.currentPeriodEnd?.getTime());
    assert.equal(ending?.customerCancellationReason, 'too_expensive');
    const ended = byId.get(revoked!);
    assert.equal(ended?.status, 'canceled');
    assert.ok(ended?.endedAt);

    const again = await transaction(floe.db, (trx) => cancelSubscriptions(trx, floe.config, subject, [{ id: atPeriodEnd!, revoke: false }]));
    assert.deepEqual(again, []);
    // The customer canceling at period end is told; the revocation takes the benefits back (a job).
    const subjects = await floe.db.selectFrom('emails').select('subject').where('to_address', '=', 'a@example.com').execute();
    assert.ok(subjects.some((email) => /has been canceled/.test(email.subject)));
    const grants = await floe.db.selectFrom('jobs').select('payload').where('name', '=', 'benefit.update_for_subscription').execute();
    assert.ok(grants.some((job) => (job.payload as { subscriptionId?: string }).subscriptionId === revoked));
  });
});
