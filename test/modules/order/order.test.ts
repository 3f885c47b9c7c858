import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import type { Polar } from '@polar-sh/sdk';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

const standardFontDataUrl = fileURLToPath(new URL('../../../node_modules/pdfjs-dist/standard_fonts/', import.meta.url));

/** Buys a price through the checkout, as a customer would, and waits for its order. */
async function buy(sdk: Polar, priceId: string, email: string, discountCode?: string): Promise<string> {
  const checkout = await sdk.checkouts.custom.create({ productPriceId: priceId });
  await floe.sdk().checkouts.custom.clientConfirm({
    clientSecret: checkout.clientSecret,
    checkoutConfirmStripe: { customerEmail: email, customerName: 'Buyer', customerBillingAddress: { country: 'DE', city: 'Berlin' }, discountCode, confirmationTokenId: 'tok_visa' },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const order = await floe.db.selectFrom('orders').select('id').where('checkout_id', '=', checkout.id).executeTakeFirst();
    if (order) return order.id;
    if (Date.now() > deadline) throw new Error('no order');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('orders', () => {
  test('list with filters and sorting, get with everything embedded; tenancy', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const ebook = await sdk.products.create({ name: 'E-book', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
    const plan = await sdk.products.create({ name: 'Plan', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', recurringInterval: 'month', priceAmount: 500, priceCurrency: 'usd' }] });
    await sdk.discounts.create({ type: 'fixed', duration: 'once', amount: 200, name: 'Two off', code: 'TWO', organizationId });
    const first = await buy(sdk, ebook.prices[0]!.id, 'a@example.com', 'TWO');
    await buy(sdk, plan.prices[0]!.id, 'b@example.com');
    const all = await sdk.orders.list({ organizationId });
    assert.equal(all.result.pagination.totalCount, 2);
    const recurring = await sdk.orders.list({ organizationId, productPriceType: 'recurring' });
    assert.deepEqual(recurring.result.items.map((order) => order.product.name), ['Plan']);
    assert.ok(recurring.result.items[0]?.subscription?.status === 'active');
    const byAmount = await sdk.orders.list({ organizationId, sorting: ['amount'] });
    assert.deepEqual(byAmount.result.items.map((order) => order.amount), [500, 800]);
    const order = await sdk.orders.get({ id: first });
    assert.equal(order.amount, 800);
    assert.equal(order.customer.email, 'a@example.com');
    assert.equal(order.user.email, 'a@example.com');
    assert.equal(order.discount?.name, 'Two off');
    assert.equal(order.billingReason, 'purchase');
    assert.equal((await sdk.orders.list({ organizationId, customerId: order.customerId })).result.items.length, 1);
    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.orders.get({ id: first }), ResourceNotFound);
    assert.equal((await stranger.sdk.orders.list({})).result.pagination.totalCount, 0);
  });

  test('the invoice is a PDF behind a signed URL', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const ebook = await sdk.products.create({ name: 'Field Guide', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 4200, priceCurrency: 'usd' }] });
    const orderId = await buy(sdk, ebook.prices[0]!.id, 'reader@example.com');
    const { url } = await sdk.orders.invoice({ id: orderId });
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    const document = await getDocument({ data: new Uint8Array(await response.arrayBuffer()), standardFontDataUrl }).promise;
    const text = (await (await document.getPage(1)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join('\n');
    assert.ok(text.includes('Field Guide') && text.includes('42.00 USD') && text.includes('reader@example.com'), text);
    const tampered = `${url}x`;
    assert.equal((await fetch(tampered)).status, 404);
    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.orders.invoice({ id: orderId }), ResourceNotFound);
  });
});
