// The customer portal pages in headless Chromium: signing in by e-mail code (read from the outbox)
// and by a customer session link; orders and invoices, license keys (copy, deactivate), downloads,
// a subscription canceled, resumed and moved to another plan by clicking, and the card of a
// past-due subscription replaced, which pays its renewal at once.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { advanceClock, jobsDone, purchase } from '../helpers/purchase.js';
import { bytesOf, uploadFile } from '../modules/file/upload.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const browser = useBrowser(floe.baseUrl);
const phonePage = () => browser.phonePage({ clipboard: true });

async function shop() {
  const merchant = await floe.createMerchant();
  const { sdk, organizationId } = merchant;
  const file = await uploadFile(sdk, bytesOf(2048), { organizationId, name: 'manual.pdf', mimeType: 'application/pdf', partSize: 2048 });
  const files = await sdk.benefits.create({ type: 'downloadables', description: 'The manual', organizationId, properties: { files: [file.id] } });
  const license = await sdk.benefits.create({ type: 'license_keys', description: 'App license', organizationId, properties: { prefix: 'APP', activations: { limit: 3, enableCustomerAdmin: true } } });
  const app = await sdk.products.create({ name: 'Desktop App', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 3900, priceCurrency: 'usd' }] });
  await sdk.products.updateBenefits({ id: app.id, productBenefitsUpdate: { benefits: [files.id, license.id] } });
  const monthly = await sdk.products.create({ name: 'Sync Monthly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 500, priceCurrency: 'usd', recurringInterval: 'month' }] });
  const yearly = await sdk.products.create({ name: 'Sync Yearly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 5000, priceCurrency: 'usd', recurringInterval: 'year' }] });
  const slug = (await sdk.organizations.get({ id: organizationId })).slug;
  return { merchant, app, monthly, yearly, slug };
}

describe('customer portal pages', { skip: skipWithoutChromium }, () => {
  test('sign in with an e-mailed code; orders, invoice, license key (copy, deactivate) and download', async () => {
    const { merchant, app, slug } = await shop();
    const bought = await purchase(floe, merchant.sdk, app.prices[0]!.id, 'ada@example.com');
    const key = (await merchant.sdk.licenseKeys.list({ organizationId: merchant.organizationId })).result.items[0]!;
    const activation = await floe.sdk().customerPortal.licenseKeys.activate({ key: key.key, organizationId: merchant.organizationId, label: 'Work laptop' });

    const page = await phonePage();
    await page.goto(`/${slug}/portal`);
    await page.fill('#email', 'ada@example.com');
    await page.click('button[type=submit]');
    await page.locator('#code').waitFor();
    await jobsDone(floe);
    // No mail server here: the code is in the development outbox.
    const outbox = await page.context().newPage();
    await outbox.goto('/outbox');
    // The newest access code (a subscription's e-mails may be there too).
    const text = (await outbox.locator('article.email', { hasText: 'access code' }).first().locator('pre').textContent()) ?? '';
    const code = /is ([A-Z0-9]{6})\./.exec(text)?.[1];
    assert.ok(code, `a code in the outbox, got ${text}`);
    await page.fill('#code', code);
    await page.click('button[type=submit]');
    await page.locator('#orders').waitFor();
    assert.match((await page.locator('header').textContent()) ?? '', /ada@example\.com/);
    assert.match((await page.locator('#orders').textContent()) ?? '', /Desktop App.*39\.00 USD/);

    // The invoice link leads to the PDF.
    const invoice = await page.locator('#orders a', { hasText: 'Invoice' }).getAttribute('href');
    const pdf = await page.request.get(invoice!);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');

    // The license key: copied with one click; its activation deactivated by the customer.
    assert.equal(await page.locator('.license-key input[readonly]').inputValue(), key.key);
    await page.click('.license-key .copy');
    await page.locator('.license-key .copy', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key.key);
    assert.match((await page.locator('.license-key').textContent()) ?? '', /Work laptop/);
    await page.click('.license-key form button');
    await page.locator('#orders').waitFor();
    assert.doesNotMatch((await page.locator('.license-key').textContent()) ?? '', /Work laptop/);
    const active = await floe.db.selectFrom('license_key_activations').select('deleted_at').where('id', '=', activation.id).executeTakeFirstOrThrow();
    assert.ok(active.deleted_at);

    // The download link serves the file.
    const download = await page.locator('#downloads a', { hasText: 'manual.pdf' }).getAttribute('href');
    const file = await page.request.get(download!);
    assert.equal(file.status(), 200);
    assert.deepEqual(Buffer.from(await file.body()), bytesOf(2048));
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    assert.equal(bought.order.customer_id, key.customerId);

    // A wrong code is refused on the page.
    await page.click('text=Sign out');
    await page.fill('#email', 'ada@example.com');
    await page.click('button[type=submit]');
    await page.fill('#code', 'WRONG1');
    await page.click('button[type=submit]');
    assert.match((await page.locator('[role=alert]').textContent()) ?? '', /invalid or has expired/);
  });

  test('a customer session link signs in; a subscription is canceled, resumed and moved to another plan', async () => {
    const { merchant, monthly, yearly } = await shop();
    const bought = await purchase(floe, merchant.sdk, monthly.prices[0]!.id, 'bob@example.com');
    const session = await merchant.sdk.customerSessions.create({ customerId: bought.customerId });
    const page = await phonePage();
    await page.goto(session.customerPortalUrl);
    // The token left the URL for an HttpOnly cookie.
    assert.doesNotMatch(page.url(), /customer_session_token/);
    const subscription = page.locator('article.subscription');
    assert.match((await subscription.textContent()) ?? '', /Sync Monthly.*Renews/);

    await subscription.locator('button', { hasText: 'Cancel subscription' }).click();
    await page.locator('#subscriptions').waitFor();
    assert.match((await page.locator('article.subscription .status').textContent()) ?? '', /^Ends /);
    await page.locator('article.subscription button', { hasText: 'Resume subscription' }).click();
    await page.locator('#subscriptions').waitFor();
    assert.match((await page.locator('article.subscription .status').textContent()) ?? '', /^Renews /);

    await page.locator('article.subscription select').selectOption(yearly.prices[0]!.id);
    await page.locator('article.subscription button', { hasText: 'Change plan' }).click();
    await page.locator('#subscriptions').waitFor();
    assert.match((await page.locator('article.subscription').textContent()) ?? '', /Sync Yearly.*50\.00 USD \/ year/);
    const row = await floe.db.selectFrom('subscriptions').select(['price_id', 'cancel_at_period_end']).where('id', '=', bought.order.subscription_id!).executeTakeFirstOrThrow();
    assert.equal(row.price_id, yearly.prices[0]!.id);
    assert.equal(row.cancel_at_period_end, false);

    // Another organization's portal does not know this customer.
    const other = await shop();
    await page.goto(`/${other.slug}/portal`);
    assert.equal(await page.locator('#email').count(), 1);
  });

  test('a past-due subscription: the card is replaced on the page and the renewal is paid at once', async () => {
    const { merchant, monthly, slug } = await shop();
    // Accepted at checkout, declined on every later charge.
    const bought = await purchase(floe, merchant.sdk, monthly.prices[0]!.id, 'cleo@example.com', { confirmationTokenId: 'tok_chargeCustomerFail' });
    const subscriptionId = bought.order.subscription_id!;
    const statusOf = async () => (await merchant.sdk.subscriptions.list({ organizationId: merchant.organizationId })).result.items.find((item) => item.id === subscriptionId)?.status;
    const advanced = await advanceClock(floe, merchant.token, { organization_id: merchant.organizationId, advance_by: 'P1M' });
    assert.equal(advanced.status, 200);
    assert.equal(await statusOf(), 'past_due');

    const page = await phonePage();
    await page.goto(`/${slug}/portal?customer_session_token=${encodeURIComponent(bought.customerSessionToken)}`);
    const subscription = page.locator('article.subscription');
    assert.equal(await subscription.locator('.status').textContent(), 'Past due');
    assert.match((await subscription.locator('.notice').textContent()) ?? '', /last payment failed/);
    assert.equal(await subscription.locator('.card').textContent(), 'Visa ending in 0341');
    // Types the card and waits for the page the form leads back to, with its message.
    const replaceWith = async (cardNumber: string, message: { role: 'alert' | 'status'; text: RegExp }) => {
      await subscription.locator('input[name=card]').fill(cardNumber);
      await subscription.locator('button', { hasText: 'Replace card' }).click();
      await page.locator(`main > [role=${message.role}]`, { hasText: message.text }).waitFor();
    };

    // A number that is no test card, then a card declined at once: told on the page, still past due.
    await replaceWith('1234 5678 9012 3456', { role: 'alert', text: /not a test card number/ });
    await replaceWith('4000 0000 0000 0002', { role: 'alert', text: /Your card was declined/ });
    assert.equal(await statusOf(), 'past_due');
    assert.equal(await subscription.locator('.card').textContent(), 'Visa ending in 0341');

    // A card that pays: the period's renewal is charged at once.
    await replaceWith('4242 4242 4242 4242', { role: 'status', text: /payment went through/ });
    assert.equal(await statusOf(), 'active');
    assert.match((await subscription.locator('.status').textContent()) ?? '', /^Renews /);
    assert.equal(await subscription.locator('.card').textContent(), 'Visa ending in 4242');
    assert.equal(await subscription.locator('.notice').count(), 0);
    const orders = (await merchant.sdk.orders.list({ organizationId: merchant.organizationId })).result.items.filter((order) => order.subscriptionId === subscriptionId);
    assert.deepEqual(orders.map((order) => order.billingReason).sort(), ['subscription_create', 'subscription_cycle']);
    assert.equal(await page.locator('#orders tbody tr').count(), 2);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await page.screenshot({ path: '/tmp/portal-card.png', fullPage: true });
  });
});
