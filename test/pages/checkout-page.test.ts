// A purchase on the hosted checkout page, in headless Chromium at a phone's size.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const { phonePage } = useBrowser();

describe('hosted checkout page', { skip: skipWithoutChromium }, () => {
  test('a customer buys a product by filling the form and clicking Pay', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Field Guide', description: 'A guide to the field.', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const page = await phonePage();
    await page.goto(checkout.url);
    assert.equal(await page.locator('h1').first().textContent(), 'Field Guide');
    assert.match((await page.locator('.price').textContent()) ?? '', /25\.00 USD/);
    await page.fill('#email', 'reader@example.com');
    await page.fill('#name', 'Ada Reader');
    await page.fill('#country', 'FR');
    await page.fill('#card', '4242 4242 4242 4242');
    await page.fill('#expiry', '12 / 40');
    await page.fill('#cvc', '123');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/confirmation\?/, { timeout: 15_000 });
    assert.match((await page.locator('#status').textContent()) ?? '', /Thank you/);
    const orders = await sdk.orders.list({ organizationId });
    assert.equal(orders.result.items.length, 1);
    assert.equal(orders.result.items[0]?.customer.email, 'reader@example.com');
    // Fits a phone: nothing wider than the viewport.
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
  });

  test('a declined card shows the error and makes no order', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Course', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const page = await phonePage();
    await page.goto(checkout.url);
    await page.fill('#email', 'buyer@example.com');
    await page.fill('#name', 'Buyer');
    await page.fill('#country', 'US');
    await page.fill('#card', '4000 0000 0000 0002');
    await page.fill('#expiry', '12 / 40');
    await page.fill('#cvc', '123');
    await page.click('button[type=submit]');
    await page.locator('#card-error:not(:empty)').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#card-error').textContent()) ?? '', /declined/);
    assert.equal((await sdk.orders.list({ organizationId })).result.items.length, 0);
  });
});
