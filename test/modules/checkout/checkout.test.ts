import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import type { Polar } from '@polar-sh/sdk';
import { sql } from 'kysely';
import { clock } from '../../../src/kit/clock.js';
import { transaction } from '../../../src/kit/db.js';
import { enqueueJob } from '../../../src/kit/jobs.js';
import { APPLICATION_NAME } from '../../../src/kit/listen.js';
import { HANDLE_SUCCESS_JOB } from '../../../src/modules/checkout/confirm.js';
import { startTestApp, type Merchant } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function oneTime(sdk: Polar, organizationId: string, amount = 2000) {
  return sdk.products.create({ name: 'E-book', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: amount, priceCurrency: 'usd' }] });
}

const buyer = { customerEmail: 'buyer@example.com', customerName: 'Ada Buyer', customerBillingAddress: { country: 'FR' } };

async function ordersOf(organizationId: string) {
  return floe.db.selectFrom('orders').selectAll().where('organization_id', '=', organizationId).execute();
}

async function checkoutStatus(id: string) {
  return (await floe.db.selectFrom('checkouts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
}

describe('checkout sessions', () => {
  test('created by price or product, with everything derived; read by id and by client secret', async () => {
    const merchant = await floe.createMerchant();
    const product = await oneTime(merchant.sdk, merchant.organizationId);
    const priceId = product.prices[0]!.id;
    const checkout = await merchant.sdk.checkouts.custom.create({ productPriceId: priceId, metadata: { ref: 'x1' }, successUrl: 'https://shop.example.com/thanks?c={CHECKOUT_ID}' });
    assert.equal(checkout.status, 'open');
    assert.equal(checkout.amount, 2000);
    assert.equal(checkout.subtotalAmount, 2000);
    assert.equal(checkout.totalAmount, 2000);
    assert.equal(checkout.currency, 'usd');
    assert.equal(checkout.isPaymentRequired, true);
    assert.equal(checkout.isPaymentSetupRequired, false);
    assert.equal(checkout.isDiscountApplicable, true);
    assert.equal(checkout.paymentProcessor, 'stripe');
    assert.equal(checkout.successUrl, `https://shop.example.com/thanks?c=${checkout.id}`);
    assert.equal(checkout.url, `${floe.baseUrl}/checkout/${checkout.clientSecret}`);
    assert.ok(checkout.expiresAt.getTime() > Date.now() + 50 * 60 * 1000);
    assert.equal(checkout.product.name, 'E-book');
    assert.deepEqual(checkout.metadata, { ref: 'x1' });
    const byProduct = await merchant.sdk.checkouts.custom.create({ productId: product.id });
    assert.equal(byProduct.productPriceId, priceId);
    const publicView = await floe.sdk().checkouts.custom.clientGet({ clientSecret: checkout.clientSecret });
    assert.equal(publicView.organization.id, merchant.organizationId);
    assert.equal((await merchant.sdk.checkouts.custom.get({ id: checkout.id })).id, checkout.id);
    const listed = await merchant.sdk.checkouts.custom.list({ organizationId: merchant.organizationId });
    assert.equal(listed.result.pagination.totalCount, 2);
    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.checkouts.custom.get({ id: checkout.id }), ResourceNotFound);
    await expectError(stranger.sdk.checkouts.custom.create({ productPriceId: priceId }), HTTPValidationError);
    await expectError(floe.sdk().checkouts.custom.clientGet({ clientSecret: 'polar_c_unknown' }), ResourceNotFound);
  });

  test('what a checkout shows follows every change to its product, price and organization', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId);
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const client = floe.sdk();
    // Read once, so that what it names is cached; then every kind of change must show.
    assert.equal((await client.checkouts.custom.clientGet({ clientSecret: checkout.clientSecret })).product.name, 'E-book');
    await sdk.organizations.update({ id: organizationId, organizationUpdate: { name: 'Renamed Shop' } });
    assert.equal((await client.checkouts.custom.clientGet({ clientSecret: checkout.clientSecret })).organization.name, 'Renamed Shop');
    await sdk.products.update({ id: product.id, productUpdate: { name: 'E-book, second edition' } });
    assert.equal((await client.checkouts.custom.clientGet({ clientSecret: checkout.clientSecret })).product.name, 'E-book, second edition');
    // A price left out of an update is archived: the checkout still shows it, archived, and refuses to be paid.
    await sdk.products.update({ id: product.id, productUpdate: { prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 3000, priceCurrency: 'usd' }] } });
    const archived = await client.checkouts.custom.clientGet({ clientSecret: checkout.clientSecret });
    assert.equal(archived.productPrice.isArchived, true);
    const refused = await expectError(client.checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } }), HTTPValidationError);
    assert.ok((refused.detail ?? []).some((issue) => issue.msg === 'Price is archived.'));
  });

  test('pay what you want within its bounds; free needs no payment', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const tip = await sdk.products.create({ name: 'Tip jar', organizationId, prices: [{ type: 'one_time', amountType: 'custom', minimumAmount: 500, maximumAmount: 5000, presetAmount: 1000 }] });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: tip.prices[0]!.id });
    assert.equal(checkout.amount, 1000);
    assert.equal(checkout.isDiscountApplicable, false);
    await expectError(floe.sdk().checkouts.custom.clientUpdate({ clientSecret: checkout.clientSecret, checkoutUpdatePublic: { amount: 100 } }), HTTPValidationError);
    await expectError(floe.sdk().checkouts.custom.clientUpdate({ clientSecret: checkout.clientSecret, checkoutUpdatePublic: { amount: 9000 } }), HTTPValidationError);
    const updated = await floe.sdk().checkouts.custom.clientUpdate({ clientSecret: checkout.clientSecret, checkoutUpdatePublic: { amount: 2500 } });
    assert.equal(updated.totalAmount, 2500);
    const free = await sdk.products.create({ name: 'Free guide', organizationId, prices: [{ type: 'one_time', amountType: 'free' }] });
    const freeCheckout = await sdk.checkouts.custom.create({ productPriceId: free.prices[0]!.id });
    assert.equal(freeCheckout.amount, null);
    assert.equal(freeCheckout.isFreeProductPrice, true);
    assert.equal(freeCheckout.isPaymentFormRequired, false);
    const confirmed = await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: freeCheckout.clientSecret, checkoutConfirmStripe: { customerEmail: 'free@example.com' } });
    assert.equal(confirmed.status, 'confirmed');
    await until(async () => (await checkoutStatus(freeCheckout.id)) === 'succeeded');
    const [order] = (await ordersOf(organizationId)).filter((row) => row.checkout_id === freeCheckout.id);
    assert.equal(order?.amount, 0);
  });
});

describe('confirming', () => {
  test('a card payment confirms, then succeeds with one order and its customer; the events are recorded', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const product = await oneTime(sdk, organizationId);
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const client = floe.sdk();
    const missing = await expectError(client.checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: {} }), HTTPValidationError);
    const locs = (missing.detail ?? []).map((issue) => issue.loc.join('.'));
    assert.ok(locs.includes('body.customer_email') && locs.includes('body.customer_name') && locs.includes('body.confirmation_token_id'), locs.join(','));
    const confirmed = await client.checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } });
    assert.equal(confirmed.status, 'confirmed');
    assert.match(confirmed.customerSessionToken, /^polar_cst_/);
    assert.ok(confirmed.customerId);
    await until(async () => (await checkoutStatus(checkout.id)) === 'succeeded');
    const orders = await ordersOf(organizationId);
    assert.equal(orders.length, 1);
    assert.equal(orders[0]?.amount, 2000);
    assert.equal(orders[0]?.customer_id, confirmed.customerId);
    assert.equal(orders[0]?.billing_reason, 'purchase');
    const again = await client.checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } }).then(() => null, (error: unknown) => error);
    assert.ok(again instanceof HTTPValidationError, String(again));
    assert.equal((await ordersOf(organizationId)).length, 1);
    const types = (await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).execute()).map((event) => event.type);
    for (const type of ['checkout.created', 'checkout.updated', 'order.created']) assert.ok(types.includes(type), type);
    // As Polar's: the confirmation (with the customer's last changes) is one update, then the success another.
    const updates = await floe.db.selectFrom('events').select('payload').where('organization_id', '=', organizationId).where('type', '=', 'checkout.updated').execute();
    assert.deepEqual(updates.map((event) => (event.payload.data as { status: string }).status).sort(), ['confirmed', 'succeeded']);
    const customer = await sdk.customers.get({ id: confirmed.customerId! });
    assert.equal(customer.email, 'buyer@example.com');
  });

  test("the success grants the order's benefits, and a success run again (after a crash) grants what is missing without a second order", async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId);
    const benefit = await sdk.benefits.create({ type: 'custom', description: 'Priority support', organizationId, properties: { note: 'Write to vip@example.com' } });
    await sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefit.id] } });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } });
    const grants = () => floe.db.selectFrom('benefit_grants').select(['benefit_id', 'order_id']).where('benefit_id', '=', benefit.id).where('revoked_at', 'is', null).execute();
    await until(async () => (await grants()).length === 1);
    const [order] = await ordersOf(organizationId);
    assert.deepEqual(await grants(), [{ benefit_id: benefit.id, order_id: order!.id }]);
    // As if Floe had died after the order was written and before the grant: the job runs again.
    await floe.db.deleteFrom('benefit_grants').where('benefit_id', '=', benefit.id).execute();
    await transaction(floe.db, (trx) => enqueueJob(trx, HANDLE_SUCCESS_JOB, { checkoutId: checkout.id }));
    await until(async () => (await grants()).length === 1);
    assert.deepEqual(await grants(), [{ benefit_id: benefit.id, order_id: order!.id }]);
    assert.equal((await ordersOf(organizationId)).length, 1);
  });

  test('a declined card is a 400 with no order, and the checkout stays open to try again', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId);
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    for (const token of ['tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds', 'tok_chargeDeclinedExpiredCard']) {
      const declined = await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: token } }).then(() => null, (error: unknown) => error);
      assert.ok(declined instanceof SDKError && declined.statusCode === 400, String(declined));
    }
    assert.equal(await checkoutStatus(checkout.id), 'open');
    assert.equal((await ordersOf(organizationId)).length, 0);
    assert.equal((await floe.db.selectFrom('customers').select('id').where('organization_id', '=', organizationId).execute()).length, 0);
    await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_mastercard' } });
    await until(async () => (await ordersOf(organizationId)).length === 1);
  });

  test('a recurring price makes an active subscription for a month', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const plan = await sdk.products.create({ name: 'Pro', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 900, priceCurrency: 'usd' }] });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: plan.prices[0]!.id });
    assert.equal(checkout.isPaymentSetupRequired, true);
    await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } });
    await until(async () => (await checkoutStatus(checkout.id)) === 'succeeded');
    const subscription = await floe.db.selectFrom('subscriptions').selectAll().where('checkout_id', '=', checkout.id).executeTakeFirstOrThrow();
    assert.equal(subscription.status, 'active');
    const days = (subscription.current_period_end!.getTime() - subscription.current_period_start.getTime()) / 86_400_000;
    assert.ok(days >= 28 && days <= 31, String(days));
    const [order] = await ordersOf(organizationId);
    assert.equal(order?.subscription_id, subscription.id);
    assert.equal(order?.billing_reason, 'subscription_create');
    const types = (await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).execute()).map((event) => event.type);
    assert.ok(types.includes('subscription.created') && types.includes('subscription.active'));
  });

  test('discount codes apply to the amounts; 50 concurrent confirms on 5 remaining redemptions make exactly 5 orders', async () => {
    const merchant: Merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const product = await oneTime(sdk, organizationId, 2000);
    await sdk.discounts.create({ type: 'percentage', duration: 'once', basisPoints: 2500, name: 'Quarter off', code: 'QUARTER', maxRedemptions: 5, organizationId });
    const checkouts = await Promise.all(Array.from({ length: 50 }, () => sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id })));
    const client = floe.sdk();
    const first = await client.checkouts.custom.clientUpdate({ clientSecret: checkouts[0]!.clientSecret, checkoutUpdatePublic: { discountCode: 'quarter' } });
    assert.equal(first.subtotalAmount, 1500);
    assert.equal(first.totalAmount, 1500);
    await expectError(client.checkouts.custom.clientUpdate({ clientSecret: checkouts[0]!.clientSecret, checkoutUpdatePublic: { discountCode: 'NOPE' } }), HTTPValidationError);
    const results = await Promise.allSettled(
      checkouts.map((checkout) => client.checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, discountCode: 'QUARTER', confirmationTokenId: 'tok_visa' } })),
    );
    const confirmed = results.filter((result) => result.status === 'fulfilled');
    // Every other confirmation is told the discount is used up.
    assert.ok(results.every((result) => result.status === 'fulfilled' || result.reason instanceof HTTPValidationError));
    assert.equal(confirmed.length, 5);
    await until(async () => (await ordersOf(organizationId)).length === 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const orders = await ordersOf(organizationId);
    assert.equal(orders.length, 5);
    assert.ok(orders.every((order) => order.amount === 1500));
    const redemptions = await floe.db.selectFrom('discount_redemptions').select('id').execute();
    assert.ok(redemptions.length >= 5);
  });

  test('custom field answers are typed and bounded when given, and required ones are asked for at confirmation', async () => {
    const merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const company = await sdk.customFields.create({ type: 'text', slug: 'company', name: 'Company', organizationId, properties: { minLength: 2, maxLength: 20 } });
    const seats = await sdk.customFields.create({ type: 'number', slug: 'seats', name: 'Seats', organizationId, properties: { ge: 1, le: 50 } });
    const start = await sdk.customFields.create({ type: 'date', slug: 'start', name: 'Start', organizationId, properties: {} });
    const terms = await sdk.customFields.create({ type: 'checkbox', slug: 'terms', name: 'Terms', organizationId, properties: {} });
    const size = await sdk.customFields.create({ type: 'select', slug: 'size', name: 'Size', organizationId, properties: { options: [{ value: 's', label: 'Small' }, { value: 'l', label: 'Large' }] } });
    const product = await sdk.products.create({
      name: 'Workshop',
      organizationId,
      prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 5000, priceCurrency: 'usd' }],
      attachedCustomFields: [
        { customFieldId: company.id, required: true },
        { customFieldId: seats.id, required: false },
        { customFieldId: start.id, required: false },
        { customFieldId: terms.id, required: true },
        { customFieldId: size.id, required: false },
      ],
    });
    // The SDK sends `custom_field_data` as an empty object whatever it is given (its schema has no
    // properties), so answers go over plain HTTP, as the hosted checkout page sends them.
    const call = async (method: string, path: string, body: object, token?: string) => {
      const response = await fetch(`${floe.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { detail?: { loc: string[]; msg: string }[]; custom_field_data?: unknown; client_secret?: string } };
    };
    const issuesOf = (answer: Awaited<ReturnType<typeof call>>) => answer.body.detail?.map((issue) => [issue.loc.join('.'), issue.msg]);
    const priceId = product.prices[0]!.id;
    const bad = await call('POST', '/v1/checkouts/custom/', { product_price_id: priceId, custom_field_data: { company: 'A', seats: 2.5, start: 'soon', size: 'xl', unknown: 1 } }, merchant.token);
    assert.equal(bad.status, 422);
    assert.deepEqual(issuesOf(bad), [
      ['body.custom_field_data.company', 'String should have at least 2 characters'],
      ['body.custom_field_data.seats', 'Input should be a valid integer'],
      ['body.custom_field_data.start', 'Input should be a valid datetime'],
      ['body.custom_field_data.size', "Input should be 's' or 'l'"],
    ]);
    const created = await call('POST', '/v1/checkouts/custom/', { product_price_id: priceId, custom_field_data: { seats: '3', start: '2025-03-01', unknown: 1 } }, merchant.token);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.custom_field_data, { company: null, seats: 3, start: '2025-03-01T00:00:00', terms: false, size: null });
    const confirm = (body: object) => call('POST', `/v1/checkouts/custom/client/${created.body.client_secret}/confirm`, { customer_email: 'fields@example.com', customer_name: 'Ada', customer_billing_address: { country: 'FR' }, confirmation_token_id: 'tok_visa', ...body });
    const missing = await confirm({});
    assert.equal(missing.status, 422);
    // Unanswered, the checkbox was stored unchecked: a required one must be checked.
    assert.deepEqual(issuesOf(missing), [['body.custom_field_data.company', 'Field required'], ['body.custom_field_data.terms', 'Input should be True']]);
    assert.deepEqual(issuesOf(await confirm({ custom_field_data: { company: 'Acme', terms: 'off', seats: 99 } })), [['body.custom_field_data.seats', 'Input should be less than or equal to 50']]);
    assert.deepEqual(issuesOf(await confirm({ custom_field_data: { company: 'Acme', terms: 'off' } })), [['body.custom_field_data.terms', 'Input should be True']]);
    const confirmed = await confirm({ custom_field_data: { company: 'Acme', terms: true, size: 'l' } });
    assert.equal(confirmed.status, 200);
    assert.deepEqual(confirmed.body.custom_field_data, { company: 'Acme', seats: null, start: null, terms: true, size: 'l' });
    await until(async () => (await ordersOf(organizationId)).length === 1);
    assert.deepEqual((await ordersOf(organizationId))[0]!.custom_field_data, { company: 'Acme', seats: null, start: null, terms: true, size: 'l' });
  });

  test('an open checkout past its time is expired, and can no longer be confirmed', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId);
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    clock.advance(61 * 60 * 1000);
    try {
      assert.equal((await floe.sdk().checkouts.custom.clientGet({ clientSecret: checkout.clientSecret })).status, 'expired');
      await until(async () => (await checkoutStatus(checkout.id)) === 'expired');
      await expectError(floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } }), HTTPValidationError);
    } finally {
      clock.advance(-61 * 60 * 1000);
    }
    assert.equal((await ordersOf(organizationId)).length, 0);
  });
});

/** Reads server-sent events from a stream, each `data:` line parsed; `ended` once the server ends it. */
async function openStream(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const events: { id: string; key: string; payload: { status?: string } }[] = [];
  const state = { ended: false };
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          for (const line of message.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
        }
      }
      state.ended = true;
    } catch {
      // aborted
    }
  })();
  return { response, events, state, close: async () => { controller.abort(); await reading; } };
}

/** A new checkout of a one-time product, and a stream opened on it. */
async function checkoutWithStream() {
  const { sdk, organizationId } = await floe.createMerchant();
  const product = await oneTime(sdk, organizationId);
  const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
  return { checkout, stream: await openStream(`${floe.baseUrl}/v1/checkouts/custom/client/${checkout.clientSecret}/stream`) };
}

describe('the checkout event stream', () => {
  test('tells the page its checkout was confirmed, succeeded and has its order, as it happens', async () => {
    const unknown = await fetch(`${floe.baseUrl}/v1/checkouts/custom/client/polar_c_unknown/stream`);
    assert.equal(unknown.status, 404);
    const { checkout, stream } = await checkoutWithStream();
    try {
      assert.equal(stream.response.status, 200);
      assert.equal(stream.response.headers.get('content-type'), 'text/event-stream');
      await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, confirmationTokenId: 'tok_visa' } });
      await until(async () => stream.events.some((event) => event.key === 'checkout.order_created'));
      assert.deepEqual(
        stream.events.map((event) => [event.key, event.payload.status]),
        [['checkout.updated', 'confirmed'], ['checkout.updated', 'succeeded'], ['checkout.order_created', undefined]],
      );
      assert.ok(stream.events.every((event) => /^[0-9a-f-]{36}$/.test(event.id)));
      // A succeeded checkout has nothing more to say: the stream ends after that commit's events.
      await until(async () => stream.state.ended, 5_000);
      assert.equal(stream.events.length, 3);
    } finally {
      await stream.close();
    }
    // Opened on a checkout whose status is already final, it ends at once.
    const late = await openStream(`${floe.baseUrl}/v1/checkouts/custom/client/${checkout.clientSecret}/stream`);
    try {
      assert.equal(late.response.status, 200);
      await until(async () => late.state.ended, 5_000);
      assert.deepEqual(late.events, []);
    } finally {
      await late.close();
    }
  });

  test('a change made by another process reaches the stream too', async () => {
    const { checkout, stream } = await checkoutWithStream();
    try {
      // Straight in the database: no transaction of this process publishes it.
      await floe.db.updateTable('checkouts').set({ status: 'expired' }).where('id', '=', checkout.id).execute();
      await until(async () => stream.events.length > 0, 5_000);
      assert.deepEqual(stream.events.map((event) => [event.key, event.payload.status]), [['checkout.updated', 'expired']]);
      await until(async () => stream.state.ended, 5_000);
    } finally {
      await stream.close();
    }
  });

  test('after the listening connection drops, Floe listens again and streams what changed meanwhile', async () => {
    const { checkout, stream } = await checkoutWithStream();
    try {
      const listening = sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = ${APPLICATION_NAME}`;
      const [backend] = (await listening.execute(floe.db)).rows;
      assert.ok(backend, 'a connection listens');
      // The connection is cut, and the change is committed before Floe listens again: its notice is lost.
      await sql`SELECT pg_terminate_backend(${backend.pid})`.execute(floe.db);
      await floe.db.updateTable('checkouts').set({ status: 'expired' }).where('id', '=', checkout.id).execute();
      await until(async () => stream.events.length > 0, 10_000);
      assert.deepEqual(stream.events.map((event) => [event.key, event.payload.status]), [['checkout.updated', 'expired']]);
      await until(async () => (await listening.execute(floe.db)).rows.some((row) => row.pid !== backend.pid), 5_000);
    } finally {
      await stream.close();
    }
  });
});

describe('events of a purchase', () => {
  test('parse in the SDK as the webhook payloads they become', async () => {
    const { parseEvent } = await import('./sdk-events.js');
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const plan = await sdk.products.create({ name: 'Team', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'year', priceAmount: 9900, priceCurrency: 'usd' }] });
    await sdk.discounts.create({ type: 'fixed', duration: 'forever', amount: 900, name: 'Nine off', code: 'NINE', organizationId });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: plan.prices[0]!.id });
    await floe.sdk().checkouts.custom.clientConfirm({ clientSecret: checkout.clientSecret, checkoutConfirmStripe: { ...buyer, discountCode: 'NINE', confirmationTokenId: 'tok_visa' } });
    await until(async () => (await checkoutStatus(checkout.id)) === 'succeeded');
    const events = await floe.db.selectFrom('events').select(['type', 'payload']).where('organization_id', '=', organizationId).execute();
    const types = new Set(events.map((event) => event.type));
    for (const type of ['checkout.created', 'checkout.updated', 'order.created', 'subscription.created', 'subscription.active']) assert.ok(types.has(type), type);
    for (const event of events) parseEvent(event.payload);
    const order = events.find((event) => event.type === 'order.created')?.payload.data as { amount: number; discount: { code: string } | null; subscription: { status: string } | null };
    assert.equal(order.amount, 9000);
    assert.equal(order.discount?.code, 'NINE');
    assert.equal(order.subscription?.status, 'active');
  });

  test('what a purchase answers and announces is what reading it back gives (its rows are written, not read back)', async () => {
    const { token, organizationId, sdk } = await floe.createMerchant({ keepEvents: true });
    const product = await oneTime(sdk, organizationId, 2500);
    const request = async (method: string, path: string, body?: object, auth = true) => {
      const response = await fetch(`${floe.baseUrl}${path}`, {
        method,
        headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      assert.ok(response.ok, `${method} ${path}: ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const created = await request('POST', '/v1/checkouts/custom/', {
      product_price_id: product.prices[0]!.id,
      metadata: { ref: 'r1', n: 2 },
      customer_metadata: { plan: 'a' },
      customer_billing_address: { country: 'FR', city: 'Paris' },
      success_url: 'https://shop.example.com/thanks?c={CHECKOUT_ID}',
    });
    assert.deepEqual(created, await request('GET', `/v1/checkouts/custom/${created.id as string}`));
    const client = `/v1/checkouts/custom/client/${created.client_secret as string}`;
    const { customer_session_token: sessionToken, ...confirmed } = await request('POST', `${client}/confirm`, { customer_email: 'reader@example.com', customer_name: 'Ada Reader', confirmation_token_id: 'tok_visa' }, false);
    assert.ok(sessionToken);
    await until(async () => (await checkoutStatus(created.id as string)) === 'succeeded');
    // Since then only the success changed it: its status and when.
    const { status, modified_at: succeededAt, ...afterSuccess } = await request('GET', `${client}`, undefined, false);
    assert.equal(status, 'succeeded');
    const { status: confirmedStatus, modified_at: confirmedAt, ...confirmedRest } = confirmed;
    assert.equal(confirmedStatus, 'confirmed');
    assert.ok(confirmedAt && succeededAt && (confirmedAt as string) <= (succeededAt as string));
    assert.deepEqual(confirmedRest, afterSuccess);

    const events = await floe.db.selectFrom('events').select(['type', 'payload']).where('organization_id', '=', organizationId).orderBy('created_at').execute();
    const payloads = (type: string) => events.filter((event) => event.type === type).map((event) => event.payload.data as Record<string, unknown>);
    assert.deepEqual(payloads('checkout.created'), [created]);
    const updates = payloads('checkout.updated');
    assert.deepEqual(updates.map((update) => update.status), ['confirmed', 'succeeded']);
    assert.deepEqual(updates[1], await request('GET', `/v1/checkouts/custom/${created.id as string}`));
    const [order] = payloads('order.created');
    assert.deepEqual(order, await request('GET', `/v1/orders/${order!.id as string}`));
  });
});

describe('legacy checkouts', () => {
  test('anyone opens one for a price and reads it by id, in the legacy shape', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId, 1200);
    const anonymous = floe.sdk();
    const legacy = await anonymous.checkouts.create({ productPriceId: product.prices[0]!.id, successUrl: 'https://shop.example.com/thanks', customerEmail: 'old@example.com' });
    assert.equal(legacy.customerEmail, 'old@example.com');
    assert.equal(legacy.product.id, product.id);
    assert.ok(legacy.url?.startsWith(`${floe.baseUrl}/checkout/`));
    const fetched = await anonymous.checkouts.get({ id: legacy.id });
    assert.equal(fetched.productPrice.id, product.prices[0]!.id);
    // This operation's SDK method knows no 404 class: it surfaces as an SDKError with the status.
    assert.equal((await expectError(anonymous.checkouts.get({ id: 'cs_test_unknown' }), SDKError)).statusCode, 404);
    await expectError(anonymous.checkouts.create({ productPriceId: product.prices[0]!.id, successUrl: 'https://shop.example.com', subscriptionId: crypto.randomUUID() }), HTTPValidationError);
    const organizationToken = await floe.createOrganizationToken(organizationId);
    const refused = await floe.sdk(organizationToken).checkouts.create({ productPriceId: product.prices[0]!.id, successUrl: 'https://shop.example.com' }).then(() => null, (error: unknown) => error as { statusCode?: number });
    assert.equal(refused?.statusCode, 401);
  });
});
