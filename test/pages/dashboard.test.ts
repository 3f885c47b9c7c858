// The merchant dashboard end to end, as a merchant and a buyer use it, in headless Chromium: sign in
// with the code from the outbox; create a license-key benefit and a product with it; make a checkout
// link; buy through it on the hosted page in a second browser; see the order, the customer and the
// overview's chart move; see the webhook endpoint made on the way receive the order's events; create
// an access token and revoke it. Screenshots of each screen go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { openScreen, screenshot, signIn } from '../helpers/dashboard.js';
import { jobsDone, until } from '../helpers/purchase.js';
import { startReceiver } from '../modules/webhook/receiver.js';

const floe = await startTestApp({ FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
const worker = floe.startWorker();
after(() => worker.stop());
const browser = useBrowser(floe.baseUrl);
const receiver = await startReceiver();
after(() => receiver.close());

test('a merchant sets up a store in the dashboard, a buyer buys, the dashboard shows it', { skip: skipWithoutChromium }, async () => {
  const merchant = await floe.createMerchant();
  const organization = await merchant.sdk.organizations.get({ id: merchant.organizationId });
  const email = (await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow()).email;
  const base = `/dashboard/${organization.slug}`;
  const page = await browser.phonePage({ clipboard: true });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await signIn(page, email);
  await page.locator('#app[data-state=ready]').waitFor();
  const ordersFigure = page.locator('[data-metric="orders"] .value');
  assert.equal(await ordersFigure.getAttribute('data-total'), '0');
  await screenshot(page, 'dashboard-overview-empty');

  // A webhook endpoint first, so the purchase's events reach it.
  await openScreen(page, `${base}/webhooks`);
  await page.getByLabel('URL').fill(receiver.url);
  await page.getByLabel('order.created').check();
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await page.locator('[data-revealed-secret]').waitFor();
  const secret = await page.locator('#webhook-secret').inputValue();

  // A license-key benefit, and a product carrying it.
  await openScreen(page, `${base}/benefits`);
  await page.getByLabel('Type').selectOption('license_keys');
  await page.getByLabel('Description').fill('Desktop license');
  await page.getByLabel('Key prefix').fill('DESK');
  await page.getByRole('button', { name: 'Create benefit' }).click();
  await page.locator('table.list td', { hasText: 'Desktop license' }).waitFor();

  await openScreen(page, `${base}/products/new`);
  await page.getByLabel('Name', { exact: true }).fill('Desktop App');
  await page.locator('.price-row').nth(0).getByLabel('Amount (USD)', { exact: true }).fill('39');
  await page.getByLabel('Desktop license').check();
  await page.getByRole('button', { name: 'Create product' }).click();
  await page.locator('h1', { hasText: 'Desktop App' }).waitFor();
  await screenshot(page, 'dashboard-product');
  const [product] = (await merchant.sdk.products.list({ organizationId: merchant.organizationId })).result.items;
  assert.equal(product!.name, 'Desktop App');
  assert.deepEqual(product!.benefits.map((benefit) => benefit.description), ['Desktop license']);

  // A checkout link, its URL copied from the screen.
  await openScreen(page, `${base}/checkout-links`);
  await page.getByLabel('Product', { exact: true }).selectOption({ label: 'Desktop App' });
  await page.getByRole('button', { name: 'Create checkout link' }).click();
  await page.locator('input.link-url').waitFor();
  await page.getByRole('button', { name: 'Copy' }).click();
  const linkUrl = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(linkUrl.startsWith(`${floe.baseUrl}/`), linkUrl);
  await screenshot(page, 'dashboard-checkout-link');

  // The buyer, in a browser of their own.
  const buyer = await browser.phonePage();
  await buyer.goto(linkUrl);
  await buyer.fill('#email', 'buyer@example.com');
  await buyer.fill('#name', 'Ada Buyer');
  await buyer.fill('#country', 'FR');
  await buyer.fill('#card', '4242 4242 4242 4242');
  await buyer.fill('#expiry', '12 / 40');
  await buyer.fill('#cvc', '123');
  await buyer.click('button[type=submit]');
  await until(async () => (await floe.db.selectFrom('orders').select('id').where('organization_id', '=', merchant.organizationId).execute()).length === 1, 20_000);
  await jobsDone(floe);

  // The order, the customer and the license key in the dashboard.
  await openScreen(page, `${base}/orders`);
  await page.locator('table.list', { hasText: 'Desktop App' }).waitFor();
  await screenshot(page, 'dashboard-orders');
  await page.locator('table.list a').first().click();
  await page.locator('#app[data-state=ready]').waitFor();
  await page.getByText('$39.00').first().waitFor();
  await screenshot(page, 'dashboard-order');
  await openScreen(page, `${base}/customers`);
  await page.locator('table.list a', { hasText: 'buyer@example.com' }).click();
  await page.locator('#app[data-state=ready]').waitFor();
  await page.getByText('Desktop license').first().waitFor();
  const [key] = (await merchant.sdk.licenseKeys.list({ organizationId: merchant.organizationId })).result.items;
  assert.match(key!.key, /^DESK-/);
  await page.getByText(key!.displayKey).first().waitFor();
  assert.ok(!(await page.content()).includes(key!.key), 'the list shows the key masked');
  await screenshot(page, 'dashboard-customer');

  // The overview's chart moved: one order of $39.
  await openScreen(page, base);
  assert.equal(await ordersFigure.getAttribute('data-total'), '1');
  assert.equal(await page.locator('[data-metric="revenue"] .value').getAttribute('data-total'), '3900');
  await screenshot(page, 'dashboard-overview');

  // The endpoint received the order's event, and its delivery shows on its screen.
  await until(async () => receiver.received.some((request) => request.body.includes('"order.created"')), 20_000);
  await openScreen(page, `${base}/webhooks`);
  await page.locator('table.list a', { hasText: '127.0.0.1' }).click();
  await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
  for (let attempt = 0; (await page.locator('li.delivery').count()) === 0 && attempt < 50; attempt += 1) {
    await page.waitForTimeout(200);
    await openScreen(page, page.url());
  }
  assert.match((await page.locator('li.delivery').first().textContent()) ?? '', /order\.created/);
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown at its creation only');
  await screenshot(page, 'dashboard-webhook');

  // An access token: shown once, works, then revoked and refused.
  await openScreen(page, `${base}/settings`);
  await page.getByLabel('Comment').fill('Deploys');
  await page.getByLabel('orders:read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.locator('#new-access-token').waitFor();
  const token = await page.locator('#new-access-token').inputValue();
  assert.equal((await floe.sdk(token).orders.list({})).result.items.length, 1);
  await openScreen(page, `${base}/settings`);
  assert.ok(!(await page.content()).includes(token), 'the token is shown at its creation only');
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('button', { name: 'Click again to revoke' }).click();
  await page.locator('#flash', { hasText: 'Access token revoked.' }).waitFor();
  await screenshot(page, 'dashboard-settings');
  await until(async () => (await fetch(`${floe.baseUrl}/v1/orders/`, { headers: { authorization: `Bearer ${token}` } })).status === 401);

  assert.deepEqual(errors, []);
});
