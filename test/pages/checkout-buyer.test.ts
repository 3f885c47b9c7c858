// The hosted checkout page as a buyer uses it, in headless Chromium: the test-mode banner, the card
// checked as Stripe's test mode checks it, declines next to the card, benefits, pay-what-you-want
// amounts, free products, query prefill, the confirmation page and its portal link, keyboard use
// and a phone's width. Screenshots of each state go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { screenshot } from '../helpers/dashboard.js';
import { jobsDone } from '../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const { phonePage, desktopPage } = useBrowser(floe.baseUrl);

const errorOf = (page: Page, id: string) => page.locator(`#${id}-error`);
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id);

async function fillBuyer(page: Page) {
  await page.getByLabel('Email').fill('reader@example.com');
  await page.getByLabel('Name').fill('Ada Reader');
  await page.getByLabel('Billing country').fill('fr');
}

async function fillCard(page: Page, number: string, expiry = '12 / 40', cvc = '123') {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry date (MM / YY)').fill(expiry);
  await page.getByLabel('CVC').fill(cvc);
}

/** The card's error after a click on Pay, once the page has shown one. */
async function cardErrorAfterPay(page: Page): Promise<string> {
  await page.locator('#card-error').evaluate((element) => (element.textContent = ''));
  await page.locator('#pay').click();
  await page.locator('#card-error:not(:empty)').waitFor({ timeout: 10_000 });
  return (await page.locator('#card-error').textContent()) ?? '';
}

describe('hosted checkout page for a buyer', { skip: skipWithoutChromium }, () => {
  test('a product with benefits: banner, field errors, card checks, declines, then paid; confirmation links to the portal', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const license = await sdk.benefits.create({ type: 'license_keys', description: 'A license for one machine', organizationId, properties: { prefix: 'GUIDE' } });
    const note = await sdk.benefits.create({ type: 'custom', description: 'A thank-you note', organizationId, properties: { note: 'Thanks!' } });
    const product = await sdk.products.create({ name: 'Field Guide', description: 'A guide to the field.', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
    await sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [license.id, note.id] } });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const page = await phonePage();
    await page.goto(checkout.url);

    // Empty: the banner says payments are test payments, the benefits are listed, the button says what it does.
    assert.match((await page.getByRole('note').textContent()) ?? '', /Test mode:.*no real payment.*4242 4242 4242 4242/);
    assert.deepEqual(await page.locator('.benefits li').allTextContents(), ['License key: A license for one machine', 'Included: A thank-you note']);
    await page.getByRole('button', { name: 'Pay 25.00 USD' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Close' }).count(), 0, 'no Close button when not embedded');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await screenshot(page, 'checkout-empty-phone');
    const desktop = await desktopPage();
    await desktop.goto(checkout.url);
    await screenshot(desktop, 'checkout-empty-desktop');

    // Nothing filled in: every field says what is missing, next to it, and the first one gets the focus.
    await page.locator('#pay').click();
    assert.equal(await errorOf(page, 'email').textContent(), 'Enter your email address.');
    assert.equal(await errorOf(page, 'name').textContent(), 'Enter your name.');
    assert.equal(await errorOf(page, 'country').textContent(), 'Enter your billing country.');
    assert.equal(await errorOf(page, 'card').textContent(), 'Your card number is incomplete.');
    assert.equal(await errorOf(page, 'expiry').textContent(), "Your card's expiration date is incomplete.");
    assert.equal(await errorOf(page, 'cvc').textContent(), "Your card's security code is incomplete.");
    assert.equal(await focusedId(page), 'email');
    // Announced and tied to its field.
    assert.equal(await errorOf(page, 'email').getAttribute('role'), 'alert');
    assert.equal(await page.locator('#email').getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('#email').getAttribute('aria-describedby')) ?? '', /\bemail-error\b/);
    await screenshot(page, 'checkout-errors');

    // The card as Stripe's test mode checks it.
    await fillBuyer(page);
    await fillCard(page, '4242 4242 4242 4241');
    assert.equal(await cardErrorAfterPay(page), 'Your card number is invalid.');
    assert.equal(await focusedId(page), 'card');
    await fillCard(page, '4111 1111 1111 1111');
    assert.match(await cardErrorAfterPay(page), /^Your card was declined\. Your request was in test mode, but used a non test card/);
    await fillCard(page, '4242 4242 4242 4242', '01 / 20');
    await page.locator('#pay').click();
    assert.equal(await errorOf(page, 'expiry').textContent(), "Your card's expiration year is in the past.");
    assert.equal(await focusedId(page), 'expiry');
    await fillCard(page, '4242 4242 4242 4242', '13 / 40');
    await page.locator('#pay').click();
    assert.equal(await errorOf(page, 'expiry').textContent(), "Your card's expiration date is invalid.");
    // American Express: 15 digits, a 4-digit CVC.
    await fillCard(page, '3782 822463 10005', '12 / 40', '123');
    await page.locator('#pay').click();
    assert.equal(await errorOf(page, 'cvc').textContent(), "Your card's security code is incomplete.");
    assert.equal(await errorOf(page, 'card').textContent(), '');
    assert.equal(await page.locator('#card').inputValue(), '3782 822463 10005');
    assert.equal((await sdk.orders.list({ organizationId })).result.items.length, 0, 'nothing is sent while the form has errors');

    // Declines from the test processor, next to the card; the checkout stays open for another card.
    await fillCard(page, '4000 0000 0000 0002');
    assert.equal(await cardErrorAfterPay(page), 'Your card was declined.');
    assert.equal(await focusedId(page), 'card');
    await screenshot(page, 'checkout-declined');
    await fillCard(page, '4000 0000 0000 9995');
    assert.equal(await cardErrorAfterPay(page), 'Your card has insufficient funds.');
    await fillCard(page, '4000 0000 0000 0069');
    assert.equal(await cardErrorAfterPay(page), 'Your card has expired.');
    assert.equal((await sdk.orders.list({ organizationId })).result.items.length, 0);

    // Paid: the confirmation says what was bought and links to the portal, signed in.
    await fillCard(page, '4242424242424242');
    assert.equal(await page.locator('#card').inputValue(), '4242 4242 4242 4242');
    await page.locator('#pay').click();
    await page.waitForURL(/\/confirmation\?/, { timeout: 15_000 });
    assert.equal(await page.locator('#status').textContent(), 'Thank you! Your purchase is complete.');
    assert.equal(await page.locator('#bought').textContent(), 'You bought Field Guide (25.00 USD), as reader@example.com.');
    assert.deepEqual(await page.locator('.benefits li').allTextContents(), ['License key: A license for one machine', 'Included: A thank-you note']);
    const orders = (await sdk.orders.list({ organizationId })).result.items;
    assert.equal(orders.length, 1);
    assert.equal(orders[0]?.customer.billingAddress?.country, 'FR');
    await screenshot(page, 'checkout-paid');
    const portal = page.getByRole('link', { name: 'Open your customer portal' });
    assert.match((await portal.getAttribute('href')) ?? '', /^\/org-[0-9a-f]+\/portal\?customer_session_token=polar_cst_/);
    await jobsDone(floe);
    await portal.click();
    assert.match(page.url(), /\/portal$/);
    assert.match(await page.getByLabel('License key').inputValue(), /^GUIDE-/);
  });

  test('pay what you want: the amount is entered within its bounds, prefilled from the query', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Tip jar', organizationId, prices: [{ type: 'one_time', amountType: 'custom', minimumAmount: 500, maximumAmount: 5000, presetAmount: 1000, priceCurrency: 'usd' }] });
    const checkout = await sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
    const page = await phonePage();
    await page.goto(`${checkout.url}?customer_email=${encodeURIComponent('fan@example.com')}&customer_name=Fan&amount=1500`);
    assert.equal(await page.getByLabel('Email').inputValue(), 'fan@example.com');
    assert.equal(await page.getByLabel('Name').inputValue(), 'Fan');
    const amount = page.getByLabel('Your price (USD)');
    assert.equal(await amount.inputValue(), '15.00');
    assert.match((await page.locator('#amount-hint').textContent()) ?? '', /at least 5\.00 USD, at most 50\.00 USD/);
    // The prefilled amount is the checkout's.
    await page.getByRole('button', { name: 'Pay 15.00 USD' }).waitFor();
    assert.equal((await sdk.checkouts.custom.get({ id: checkout.id })).amount, 1500);

    await page.getByLabel('Billing country').fill('US');
    await fillCard(page, '4242 4242 4242 4242');
    await amount.fill('2');
    await amount.blur();
    assert.equal(await errorOf(page, 'amount').textContent(), 'The amount must be at least 5.00 USD.');
    await amount.fill('100');
    await amount.blur();
    assert.equal(await errorOf(page, 'amount').textContent(), 'The amount must be at most 50.00 USD.');
    await page.locator('#pay').click();
    assert.equal(await focusedId(page), 'amount');
    await amount.fill('12.50');
    await amount.blur();
    await page.getByRole('button', { name: 'Pay 12.50 USD' }).waitFor();
    assert.equal(await errorOf(page, 'amount').textContent(), '');
    assert.equal(await page.locator('#total').textContent(), '12.50 USD');
    assert.equal((await sdk.checkouts.custom.get({ id: checkout.id })).amount, 1250);
    await screenshot(page, 'checkout-pay-what-you-want');

    await page.locator('#pay').click();
    await page.waitForURL(/\/confirmation\?/, { timeout: 15_000 });
    assert.equal(await page.locator('#bought').textContent(), 'You bought Tip jar (12.50 USD), as fan@example.com.');
    const [order] = (await sdk.orders.list({ organizationId })).result.items;
    assert.equal(order?.amount, 1250);
  });

  test('a discount code from the query, a free product, and a purchase made with the keyboard only', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    await sdk.discounts.create({ type: 'percentage', duration: 'once', basisPoints: 5000, name: 'Half', code: 'HALF', organizationId });
    const course = await sdk.products.create({ name: 'Course', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 4000, priceCurrency: 'usd' }] });
    const discounted = await sdk.checkouts.custom.create({ productPriceId: course.prices[0]!.id });
    const page = await phonePage();
    await page.goto(`${discounted.url}?discount_code=HALF`);
    assert.equal(await page.getByLabel('Discount code').inputValue(), 'HALF');
    await page.getByRole('button', { name: 'Pay 20.00 USD' }).waitFor();
    // A code that does not exist: said next to the field.
    await page.getByLabel('Discount code').fill('NOPE');
    await page.getByLabel('Discount code').blur();
    await errorOf(page, 'discount_code').getByText('This discount code does not exist or is no longer available.').waitFor();

    const sample = await sdk.products.create({ name: 'Free sample', organizationId, prices: [{ type: 'one_time', amountType: 'free' }] });
    const free = await sdk.checkouts.custom.create({ productPriceId: sample.prices[0]!.id });
    await page.goto(free.url);
    assert.equal(await page.getByLabel('Card number').count(), 0);
    assert.equal(await page.locator('.price').textContent(), 'Free');
    // Keyboard only: Tab from field to field, Enter submits.
    await page.getByLabel('Email').focus();
    await page.keyboard.type('sampler@example.com');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'name');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'country');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Get it for free');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/confirmation\?/, { timeout: 15_000 });
    assert.equal(await page.locator('#bought').textContent(), 'You bought Free sample (Free), as sampler@example.com.');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
  });
});
