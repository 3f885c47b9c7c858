import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

describe('checkout links', () => {
  test('create, read, update, delete; tenancy', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Course', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 3000, priceCurrency: 'usd' }] });
    const link = await sdk.checkoutLinks.create({ productId: product.id, label: 'Newsletter', metadata: { source: 'newsletter' }, successUrl: 'https://shop.example.com/ok?c={CHECKOUT_ID}' });
    assert.equal(link.productPriceId, null);
    assert.equal(link.url, `${floe.baseUrl}/v1/checkout-links/${link.clientSecret}/redirect`);
    assert.equal(link.product.name, 'Course');
    const byPrice = await sdk.checkoutLinks.create({ productPriceId: product.prices[0]!.id });
    assert.equal(byPrice.productPriceId, product.prices[0]!.id);
    const updated = await sdk.checkoutLinks.update({ id: link.id, checkoutLinkUpdate: { label: 'Blog', allowDiscountCodes: false } });
    assert.equal(updated.label, 'Blog');
    assert.equal(updated.allowDiscountCodes, false);
    assert.equal((await sdk.checkoutLinks.list({ organizationId })).result.pagination.totalCount, 2);
    const other = await sdk.products.create({ name: 'Other', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 100, priceCurrency: 'usd' }] });
    await expectError(sdk.checkoutLinks.update({ id: link.id, checkoutLinkUpdate: { productPriceId: other.prices[0]!.id } }), HTTPValidationError);
    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.checkoutLinks.get({ id: link.id }), ResourceNotFound);
    await expectError(stranger.sdk.checkoutLinks.create({ productId: product.id }), HTTPValidationError);
    await sdk.checkoutLinks.delete({ id: byPrice.id });
    await expectError(sdk.checkoutLinks.get({ id: byPrice.id }), ResourceNotFound);
    assert.equal((await fetch(byPrice.url, { redirect: 'manual' })).status, 404);
  });

  test('each visit opens a fresh checkout carrying the link’s settings and the visit’s prefill', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Course', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 3000, priceCurrency: 'usd' }] });
    await sdk.discounts.create({ type: 'percentage', duration: 'once', basisPoints: 5000, name: 'Half', code: 'HALF', organizationId });
    const link = await sdk.checkoutLinks.create({ productId: product.id, metadata: { source: 'blog' }, successUrl: 'https://shop.example.com/ok' });
    const visit = await fetch(`${link.url}?customer_email=ada%40example.com&discount_code=HALF&utm_source=x`, { redirect: 'manual' });
    assert.equal(visit.status, 307);
    const location = new URL(visit.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('utm_source'), 'x');
    const clientSecret = location.pathname.split('/').pop()!;
    const checkout = await floe.sdk().checkouts.custom.clientGet({ clientSecret });
    assert.equal(checkout.customerEmail, 'ada@example.com');
    assert.equal(checkout.totalAmount, 1500);
    assert.equal(checkout.successUrl, 'https://shop.example.com/ok');
    const merchantView = await sdk.checkouts.custom.get({ id: checkout.id });
    assert.deepEqual(merchantView.metadata, { source: 'blog' });
    const second = await fetch(link.url, { redirect: 'manual' });
    assert.notEqual(second.headers.get('location'), visit.headers.get('location'));
  });
});
