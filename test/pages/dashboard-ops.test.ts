// The dashboard's operations screens in headless Chromium: webhook endpoints (the secret shown once,
// deliveries with request and response, redelivery, edit, delete), settings (rename, organization
// access tokens shown once and revoked, members invited by the owner) and the test clock.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { validateEvent } from '@polar-sh/sdk/webhooks/index.js';
import { startTestApp, type Merchant } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { screenshot, signIn } from '../helpers/dashboard.js';
import { purchase, until } from '../helpers/purchase.js';
import { startReceiver, type Receiver } from '../modules/webhook/receiver.js';

const floe = await startTestApp({ FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
const worker = floe.startWorker();
const receivers: Receiver[] = [];
after(async () => {
  await worker.stop();
  for (const receiver of receivers) await receiver.close();
});
const browser = useBrowser(floe.baseUrl);

async function emailOf(merchant: Merchant): Promise<string> {
  return (await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow()).email;
}

async function slugOf(merchant: Merchant): Promise<string> {
  return (await merchant.sdk.organizations.get({ id: merchant.organizationId })).slug;
}

async function signedIn(merchant: Merchant, options: { clipboard?: boolean } = {}): Promise<{ page: Page; base: string }> {
  const page = await browser.phonePage(options);
  await signIn(page, await emailOf(merchant));
  return { page, base: `/dashboard/${await slugOf(merchant)}` };
}

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const textOf = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

/** Reloads the screen until `selector` matches `count` elements (the worker acts meanwhile). */
async function reloadUntil(page: Page, selector: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    await page.locator('#screen h1').waitFor();
    if ((await page.locator(selector).count()) >= count) return;
    await page.waitForTimeout(100);
    await page.reload();
  }
  throw new Error(`${selector} never reached ${count}`);
}

describe('dashboard operations screens', { skip: skipWithoutChromium }, () => {
  test('webhooks: create with the secret shown once, deliveries, redeliver, edit, delete', async () => {
    const merchant = await floe.createMerchant();
    const receiver = await startReceiver();
    receivers.push(receiver);
    const { page, base } = await signedIn(merchant, { clipboard: true });

    await page.goto(`${base}/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    assert.match(await textOf(page, '#screen'), /No endpoints yet/);
    // An address Floe refuses shows the API's message next to the field.
    await page.getByLabel('URL').fill('not a url');
    await page.getByLabel('product.created').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.locator('[data-field="url"] .field-error').waitFor();

    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Format').selectOption('raw');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.locator('[data-revealed-secret]').waitFor();
    const secret = await page.locator('#webhook-secret').inputValue();
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    assert.match(await textOf(page, 'table.list'), /127\.0\.0\.1.*Raw.*1 event type/s);
    await screenshot(page, 'dashboard-webhooks');

    // Never again: not after a reload, not in the endpoint's screen.
    await page.reload();
    await page.locator('table.list').waitFor();
    assert.equal(await page.locator('[data-revealed-secret]').count(), 0);
    assert.ok(!(await page.content()).includes(secret));

    // An event, signed with the secret that was shown.
    await merchant.sdk.products.create({ name: 'Hooked Product', organizationId: merchant.organizationId, prices: [{ amountType: 'free' }] });
    await until(async () => receiver.received.length === 1);
    const event = validateEvent(receiver.received[0]!.body, Object.fromEntries(Object.entries(receiver.received[0]!.headers).map(([key, value]) => [key, String(value)])), secret);
    assert.equal(event.type, 'product.created');

    await page.locator('table.list a', { hasText: '127.0.0.1' }).click();
    await page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
    assert.ok(!(await page.content()).includes(secret));
    await reloadUntil(page, 'li.delivery', 1);
    const delivery = page.locator('li.delivery').first();
    assert.match((await delivery.textContent()) ?? '', /Delivered.*HTTP 200/s);
    await delivery.getByText('Request').click();
    const request = (await delivery.locator('details').first().locator('pre').textContent()) ?? '';
    assert.match(request, /"type": "product\.created"/);
    assert.match(request, /"name": "Hooked Product"/);
    await delivery.getByText('Response (HTTP 200)').click();
    assert.equal((await delivery.locator('details').nth(1).locator('pre').textContent())?.trim(), 'ok');
    await screenshot(page, 'dashboard-webhook');

    await delivery.getByRole('button', { name: /Redeliver/ }).click();
    await page.locator('#flash', { hasText: 'Redelivery queued' }).waitFor();
    await until(async () => receiver.received.length === 2);
    assert.equal(receiver.received[1]!.body, receiver.received[0]!.body);
    await reloadUntil(page, 'li.delivery', 2);

    // Edit: another event type; the API has it.
    await page.getByLabel('product.updated').check();
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.locator('#flash', { hasText: 'Endpoint saved.' }).waitFor();
    const endpointId = page.url().split('/').at(-1)!;
    const read = await fetch(`${floe.baseUrl}/v1/webhooks/endpoints/${endpointId}`, { headers: { authorization: `Bearer ${merchant.token}` } });
    assert.deepEqual(((await read.json()) as { events: string[] }).events.sort(), ['product.created', 'product.updated']);

    // Delete takes a second click.
    const remove = page.getByRole('button', { name: 'Delete endpoint' });
    await remove.click();
    await page.getByRole('button', { name: 'Click again to delete endpoint' }).click();
    await page.locator('#flash', { hasText: 'Endpoint deleted.' }).waitFor();
    assert.match(await textOf(page, '#screen'), /No endpoints yet/);
    const gone = await fetch(`${floe.baseUrl}/v1/webhooks/endpoints/${endpointId}`, { headers: { authorization: `Bearer ${merchant.token}` } });
    assert.equal(gone.status, 404);
  });

  test('settings: rename, an access token shown once and revoked, a member invited', async () => {
    const merchant = await floe.createMerchant();
    const { page, base } = await signedIn(merchant, { clipboard: true });
    await page.goto(`${base}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();

    await page.getByLabel('Name').fill('Renamed Organization');
    await page.getByLabel('Description').fill('We make things.');
    await page.getByLabel('Avatar', { exact: true }).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Save organization' }).click();
    await page.locator('#flash', { hasText: 'Organization saved.' }).waitFor();
    assert.equal(await page.locator('#organization-switcher option:checked').textContent(), 'Renamed Organization');
    const organization = await merchant.sdk.organizations.get({ id: merchant.organizationId });
    assert.equal(organization.name, 'Renamed Organization');
    assert.equal(organization.profileSettings?.description, 'We make things.');
    // The avatar went through the files flow; its public URL serves the bytes.
    assert.ok(organization.avatarUrl);
    assert.equal(await page.locator('img.avatar').getAttribute('src'), organization.avatarUrl);
    const avatar = await fetch(new URL(organization.avatarUrl, floe.baseUrl));
    assert.deepEqual(Buffer.from(await avatar.arrayBuffer()), PNG);

    // A link that is no URL: the API's message next to the field.
    await page.getByLabel('Links', { exact: true }).fill('not a link');
    await page.getByRole('button', { name: 'Save organization' }).click();
    await page.locator('[data-field="profile_settings.links"] .field-error', { hasText: 'Input should be a valid URL' }).waitFor();
    await page.getByLabel('Links', { exact: true }).fill('');

    // A token, shown once.
    await page.getByLabel('Comment').fill('CI deploys');
    await page.getByLabel('Expires').selectOption({ label: '30 days' });
    await page.getByLabel('products:read', { exact: true }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#new-access-token').waitFor();
    const token = await page.locator('#new-access-token').inputValue();
    assert.match(token, /^polar_oat_/);
    assert.match(await textOf(page, 'table.list'), /CI deploys.*products:read/s);
    await screenshot(page, 'dashboard-settings');
    const listed = await floe.sdk(token).products.list({});
    assert.equal(listed.result.pagination.totalCount, 0);
    await page.reload();
    await page.locator('#token-form').waitFor();
    assert.equal(await page.locator('#new-access-token').count(), 0);
    assert.ok(!(await page.content()).includes(token));

    // Revoked with a second click; the SDK is then refused (within the authenticator's cache window).
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('button', { name: 'Click again to revoke' }).click();
    await page.locator('#flash', { hasText: 'Access token revoked.' }).waitFor();
    assert.match(await textOf(page, '#screen'), /No access tokens yet/);
    await until(async () => {
      try {
        await floe.sdk(token).products.list({});
        return false;
      } catch (error) {
        return (error as { statusCode?: number }).statusCode === 401;
      }
    }, 3000);

    // The owner invites; the e-mail lands in the outbox.
    const invitee = `member-${merchant.userId.slice(0, 8)}@example.com`;
    await page.locator('#invite-email').fill(invitee);
    await page.getByRole('button', { name: 'Invite member' }).click();
    await page.locator('#flash', { hasText: `${invitee} is a member now` }).waitFor();
    assert.match(await textOf(page, 'section.card:last-of-type table.list'), new RegExp(`Owner[\\s\\S]*${invitee}.*Member`));
    const outbox = await page.context().newPage();
    await outbox.goto('/outbox');
    const mail = (await outbox.locator('article.email', { hasText: invitee }).filter({ hasText: 'You were added to Renamed Organization' }).first().textContent()) ?? '';
    assert.ok(mail.includes(`${floe.baseUrl}/dashboard`), mail);
    await outbox.close();

    const desktop = await browser.desktopPage();
    await signIn(desktop, await emailOf(merchant));
    await desktop.goto(`${base}/settings`);
    await desktop.locator('#invite-form').waitFor();
    await screenshot(desktop, 'dashboard-settings-desktop');
    await desktop.context().close();

    // The member, in a browser of their own: sees the organization and its members, not the invite form.
    const memberPage = await browser.phonePage();
    await signIn(memberPage, invitee);
    await memberPage.goto(`${base}/settings`);
    await memberPage.getByRole('heading', { name: 'Members' }).waitFor();
    assert.equal(await memberPage.locator('#invite-form').count(), 0);
    assert.match(await textOf(memberPage, '#screen'), /Only the owner invites members\./);
    assert.equal(await memberPage.locator('#organization-switcher option:checked').textContent(), 'Renamed Organization');
    await screenshot(memberPage, 'dashboard-settings-member');
    await memberPage.context().close();
    await page.context().close();
  });

  test('test clock: a month later the renewal that fell due is listed', async () => {
    const merchant = await floe.createMerchant();
    const product = await merchant.sdk.products.create({
      name: 'Clock Monthly',
      organizationId: merchant.organizationId,
      prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 700, priceCurrency: 'usd', recurringInterval: 'month' }],
    });
    await purchase(floe, merchant.sdk, product.prices[0]!.id, 'renewing@example.com');
    const { page, base } = await signedIn(merchant);
    await page.goto(`${base}/test-clock`);
    await page.getByRole('heading', { name: 'Test clock' }).waitFor();
    const before = Date.parse((await page.locator('.clock-now').getAttribute('data-now'))!);

    await page.getByLabel('Advance by').selectOption('P1M');
    await page.getByRole('button', { name: 'Advance the clock' }).click();
    await page.getByRole('heading', { name: 'What fell due' }).waitFor();
    const after = Date.parse((await page.locator('.clock-now').getAttribute('data-now'))!);
    assert.ok(after - before >= 28 * 86400_000, `moved ${after - before} ms`);
    const rows = page.locator('section[aria-labelledby="fell-due"] tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /Renewal.*renewing@example\.com.*Clock Monthly.*\$7\.00/s);
    await screenshot(page, 'dashboard-test-clock');

    // A past instant is refused next to its field.
    await page.getByLabel('Or advance to').fill('2001-01-01T00:00');
    await page.getByRole('button', { name: 'Advance the clock' }).click();
    await page.locator('[data-field="advance_to"] .field-error').waitFor();
    await page.context().close();
  });
});
