// The dashboard's commerce screens in headless Chromium: customers searched and opened (their
// orders, subscriptions, grants and license keys), an order and its invoice PDF, a subscription
// canceled at period end, uncanceled, moved to another price (an archived one refused next to its
// field) and revoked, and a license key's limits and status edited (a bad limit refused next to
// its field). Every change is checked through the SDK; each screen is screenshotted.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { screenshot, signIn } from '../helpers/dashboard.js';
import { purchase } from '../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const browser = useBrowser(floe.baseUrl);

async function shop() {
  const merchant = await floe.createMerchant();
  const { sdk, organizationId } = merchant;
  const license = await sdk.benefits.create({ type: 'license_keys', description: 'App license', organizationId, properties: { prefix: 'APP', activations: { limit: 3, enableCustomerAdmin: true } } });
  const app = await sdk.products.create({ name: 'Desktop App', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 3900, priceCurrency: 'usd' }] });
  await sdk.products.updateBenefits({ id: app.id, productBenefitsUpdate: { benefits: [license.id] } });
  const recurring = (name: string, priceAmount: number) => sdk.products.create({ name, organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount, priceCurrency: 'usd', recurringInterval: 'month' }] });
  const basic = await recurring('Sync Basic', 500);
  const pro = await recurring('Sync Pro', 1200);
  const legacy = await recurring('Sync Legacy', 300);
  const slug = (await sdk.organizations.get({ id: organizationId })).slug;
  const { email } = await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow();
  return { merchant, license, app, basic, pro, legacy, slug, email };
}

/** Fails the test on any script error of the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

const textOf = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';

describe('dashboard commerce screens', { skip: skipWithoutChromium }, () => {
  test('customers, orders, invoice, subscription actions and license keys', async () => {
    const { merchant, license, app, basic, pro, legacy, slug, email } = await shop();
    const { sdk, organizationId } = merchant;
    const adaApp = await purchase(floe, sdk, app.prices[0]!.id, 'ada@example.com');
    const adaSync = await purchase(floe, sdk, basic.prices[0]!.id, 'ada@example.com');
    const quarter = await sdk.discounts.create({ type: 'percentage', duration: 'once', basisPoints: 2500, name: 'Quarter off', code: 'QUARTER', organizationId });
    const bobApp = await purchase(floe, sdk, app.prices[0]!.id, 'bob@example.com', { discountId: quarter.id });
    const subscriptionId = adaSync.order.subscription_id!;
    const subscriptionNow = async () => (await sdk.subscriptions.list({ organizationId, customerId: adaApp.customerId })).result.items.find((item) => item.id === subscriptionId)!;
    const key = (await sdk.licenseKeys.list({ organizationId })).result.items.find((item) => item.customerId === adaApp.customerId)!;
    await floe.sdk().customerPortal.licenseKeys.activate({ key: key.key, organizationId, label: 'Work laptop' });

    const page = await browser.phonePage();
    const errors = watchErrors(page);
    await signIn(page, email);
    const base = `/dashboard/${slug}`;

    // Customers: both listed, then searched down to one.
    await page.goto(`${base}/customers`);
    await page.locator('h1', { hasText: 'Customers' }).waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 2);
    await screenshot(page, 'dashboard-customers');
    await page.getByLabel('Search by name or e-mail').fill('ada@');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/query=ada/);
    await page.locator('table.list tbody tr').first().waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 1);
    assert.match(await textOf(page, 'table.list'), /ada@example\.com/);

    // The customer: details, orders, subscription, grant and license key.
    await page.getByRole('link', { name: 'ada@example.com' }).click();
    await page.locator('#customer-details').waitFor();
    assert.match(await textOf(page, '#customer-details'), /ada@example\.com.*Test Buyer.*US/s);
    assert.equal(await page.locator('#customer-orders tbody tr').count(), 2);
    assert.match(await textOf(page, '#customer-orders'), /Desktop App.*\$39\.00/s);
    assert.match(await textOf(page, '#customer-subscriptions'), /Sync Basic.*\$5\.00 \/ month.*active/s);
    assert.match(await textOf(page, '#customer-grants'), /App license.*license keys.*Granted/s);
    assert.match(await textOf(page, '#customer-license-keys'), new RegExp(`${key.displayKey.replace(/[*]/g, '\\*')}.*App license.*granted`, 's'));
    assert.doesNotMatch(await textOf(page, '#customer-license-keys'), new RegExp(key.key));
    assert.doesNotMatch(await textOf(page, 'main'), /bob@example\.com/);
    await screenshot(page, 'dashboard-customer');
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'dashboard-customer-desktop');
    await page.setViewportSize({ width: 390, height: 844 });

    // The order and its invoice, opened in a new tab.
    await page.locator('#customer-orders a', { hasText: 'Desktop App' }).click();
    await page.locator('#order-amounts').waitFor();
    assert.equal(await textOf(page, '[data-amount=total]'), '$39.00');
    assert.match(await textOf(page, '#order-details'), /ada@example\.com.*One-time purchase.*purchase/is);
    const [tab] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Invoice' }).click()]);
    await page.locator('#invoice-link a').waitFor();
    const invoiceUrl = await page.locator('#invoice-link a').getAttribute('href');
    await tab.waitForURL(/invoice\.pdf/);
    assert.equal(tab.url(), invoiceUrl);
    await tab.close();
    const pdf = await page.request.get(invoiceUrl!);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal(Buffer.from(await pdf.body()).subarray(0, 5).toString(), '%PDF-');
    await screenshot(page, 'dashboard-order');

    // A discounted order: the price, what the discount took, and the rest.
    await page.goto(`${base}/orders/${bobApp.order.id}`);
    await page.locator('#order-amounts').waitFor();
    assert.match(await textOf(page, '#order-amounts'), /Before discount\$39\.00\s*Discount−\$9\.75 Quarter off \(QUARTER\)\s*Subtotal\$29\.25\s*Tax\$0\.00\s*Total\$29\.25/);
    await screenshot(page, 'dashboard-order-discounted');

    // Orders: filtered by product.
    await page.goto(`${base}/orders`);
    await page.locator('table.list').waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 3);
    await page.getByLabel('Product').selectOption(basic.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/product_id=/);
    await page.locator('table.list tbody tr').first().waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 1);
    assert.match(await textOf(page, 'table.list'), /Sync Basic.*ada@example\.com.*subscription create/s);
    await screenshot(page, 'dashboard-orders');

    // Subscriptions: the active one, opened.
    await page.goto(`${base}/subscriptions`);
    await page.locator('table.list').waitFor();
    await screenshot(page, 'dashboard-subscriptions');
    await page.locator('table.list a', { hasText: 'ada@example.com' }).click();
    await page.locator('#subscription-details').waitFor();
    assert.match(await textOf(page, '#subscription-details'), /active.*\$5\.00 \/ month.*ada@example\.com.*Sync Basic.*None/s);
    await screenshot(page, 'dashboard-subscription');

    // Canceled at period end, then uncanceled.
    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await page.getByRole('button', { name: 'Uncancel' }).waitFor();
    assert.equal((await subscriptionNow()).cancelAtPeriodEnd, true);
    assert.match(await textOf(page, '#flash'), /canceled at the end of the period/);
    await screenshot(page, 'dashboard-subscription-canceling');
    await page.getByRole('button', { name: 'Uncancel' }).click();
    await page.getByRole('button', { name: 'Cancel at period end' }).waitFor();
    assert.equal((await subscriptionNow()).cancelAtPeriodEnd, false);

    // A price the API refuses (its product archived since the screen was drawn): its message shows next to the select.
    await sdk.products.update({ id: legacy.id, productUpdate: { isArchived: true } });
    await page.getByLabel('New price').selectOption(legacy.prices[0]!.id);
    await page.getByRole('button', { name: 'Change price' }).click();
    const priceError = page.locator('[data-field=product_price_id] .field-error');
    await priceError.waitFor();
    assert.match((await priceError.textContent()) ?? '', /archived/i);
    assert.equal(await page.getByLabel('New price').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'dashboard-subscription-price-error');
    assert.equal((await subscriptionNow()).priceId, basic.prices[0]!.id);

    // Moved to the Pro price.
    await page.getByLabel('New price').selectOption(pro.prices[0]!.id);
    await page.getByRole('button', { name: 'Change price' }).click();
    await page.locator('#subscription-details', { hasText: 'Sync Pro' }).waitFor();
    const changed = await subscriptionNow();
    assert.equal(changed.priceId, pro.prices[0]!.id);
    assert.equal(changed.productId, pro.id);

    // Revoked: one click arms the button, the second ends the subscription.
    const revoke = page.getByRole('button', { name: 'Revoke now' });
    await revoke.click();
    assert.equal(await page.locator('#revoke').textContent(), 'Click again to end it now');
    assert.equal((await subscriptionNow()).status, 'active');
    await page.locator('#revoke').click();
    await page.locator('#subscription-details [data-status=canceled]').waitFor();
    const revoked = await subscriptionNow();
    assert.equal(revoked.status, 'canceled');
    assert.ok(revoked.endedAt);
    assert.equal(await page.getByRole('button', { name: 'Cancel at period end' }).count(), 0);
    await screenshot(page, 'dashboard-subscription-revoked');
    await page.goto(`${base}/subscriptions`);
    await page.locator('.empty').waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 0);
    await page.getByLabel('Show').selectOption('all');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/shown=all/);
    await page.locator('table.list').waitFor();
    assert.match(await textOf(page, 'table.list'), /ada@example\.com.*Sync Pro.*canceled/s);

    // License keys: listed by benefit, one opened.
    await page.goto(`${base}/license-keys`);
    await page.locator('table.list').waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 2);
    await page.getByLabel('Benefit').selectOption(license.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/benefit_id=/);
    await page.locator('table.list').waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 2);
    await screenshot(page, 'dashboard-license-keys');
    await page.locator('table.list tr', { hasText: 'ada@example.com' }).locator('a').click();
    await page.locator('#license-key-details').waitFor();
    assert.match(await textOf(page, '#license-key-details'), /granted.*ada@example\.com.*App license.*Activations1 of 3/s);
    assert.match(await textOf(page, '#license-key-activations'), /Work laptop/);
    await screenshot(page, 'dashboard-license-key');

    // An activation limit over 50: the API's message next to the field, nothing saved.
    await page.getByLabel('Activation limit').fill('51');
    await page.getByRole('button', { name: 'Save' }).click();
    const limitError = page.locator('[data-field=limit_activations] .field-error', { hasText: 'Input should be less than or equal to 50' });
    await limitError.waitFor();
    assert.equal((await sdk.licenseKeys.get({ id: key.id })).limitActivations, 3);
    await screenshot(page, 'dashboard-license-key-error');

    // A new limit and status, saved.
    await page.getByLabel('Activation limit').fill('5');
    await page.getByLabel('Status').selectOption('disabled');
    await page.getByLabel('Expires (UTC)').fill('2030-01-31T12:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#license-key-details [data-status=disabled]').waitFor();
    const saved = await sdk.licenseKeys.get({ id: key.id });
    assert.equal(saved.limitActivations, 5);
    assert.equal(saved.status, 'disabled');
    assert.equal(saved.expiresAt?.toISOString(), '2030-01-31T12:00:00.000Z');
    assert.equal(saved.limitUsage, null);
    assert.match(await textOf(page, '#license-key-details'), /Activations1 of 5/);
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'dashboard-license-key-desktop');

    assert.deepEqual(errors, []);
  });

  test('GET /v1/subscriptions/{id}: the subscription to its organization, 404 to others and for an unknown id', async () => {
    const { merchant, basic } = await shop();
    const bought = await purchase(floe, merchant.sdk, basic.prices[0]!.id, 'cleo@example.com', { waitForGrants: false });
    const get = (id: string, token: string) => fetch(`${floe.baseUrl}/v1/subscriptions/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const found = await get(bought.order.subscription_id!, merchant.token);
    assert.equal(found.status, 200);
    const body = (await found.json()) as { id: string; status: string; customer: { email: string }; product: { name: string } };
    assert.deepEqual([body.id, body.status, body.customer.email, body.product.name], [bought.order.subscription_id, 'active', 'cleo@example.com', 'Sync Basic']);
    const stranger = await floe.createMerchant();
    const hidden = await get(bought.order.subscription_id!, stranger.token);
    assert.equal(hidden.status, 404);
    assert.equal(((await hidden.json()) as { error: string }).error, 'ResourceNotFound');
    assert.equal((await get('00000000-0000-4000-8000-000000000000', merchant.token)).status, 404);
    assert.equal((await get('not-a-uuid', merchant.token)).status, 422);
  });
});
