import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, describe, test } from 'node:test';
import { AlreadyCanceledSubscription, HTTPValidationError, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import { clock } from '../../../src/kit/clock.js';
import { startTestApp, type Merchant, type TestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { jobsDone, purchase, until } from '../../helpers/purchase.js';
import { bytesOf, uploadFile } from '../file/upload.js';

/** A stand-in for Discord's REST API: records what Floe's Discord client asks of it. */
const discordCalls: { method: string; url: string; authorization: string | undefined; body: string }[] = [];
/** How many of the next calls fail with a 502 (a third party having a bad moment). */
let failingCalls = 0;
const discord = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    discordCalls.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body });
    if (failingCalls > 0) {
      failingCalls -= 1;
      response.writeHead(502).end();
      return;
    }
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => discord.listen(0, '127.0.0.1', resolve));
after(() => discord.close());
const discordPort = (discord.address() as { port: number }).port;

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

/** A merchant with a one-time product (custom note, downloadable file, license key) and a monthly plan. */
async function shop(app: TestApp = floe) {
  const merchant = await app.createMerchant({ keepEvents: true });
  const { sdk, organizationId } = merchant;
  const file = await uploadFile(sdk, bytesOf(3000), { organizationId, name: 'book.pdf', mimeType: 'application/pdf', partSize: 3000 });
  const note = await sdk.benefits.create({ type: 'custom', description: 'Thank-you note', organizationId, properties: { note: 'Thanks!' } });
  const files = await sdk.benefits.create({ type: 'downloadables', description: 'The e-book', organizationId, properties: { files: [file.id] } });
  const license = await sdk.benefits.create({ type: 'license_keys', description: 'License', organizationId, properties: { prefix: 'BOOK', activations: { limit: 2, enableCustomerAdmin: true } } });
  const book = await sdk.products.create({ name: 'The Book', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
  await sdk.products.updateBenefits({ id: book.id, productBenefitsUpdate: { benefits: [note.id, files.id, license.id] } });
  const plan = await sdk.products.create({ name: 'Club', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd', recurringInterval: 'month' }] });
  const yearly = await sdk.products.create({ name: 'Club yearly', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 9000, priceCurrency: 'usd', recurringInterval: 'year' }] });
  await sdk.products.updateBenefits({ id: plan.id, productBenefitsUpdate: { benefits: [note.id] } });
  return { merchant, file, note, files, license, book, plan, yearly };
}

/** A Floe with integration settings (pointing at the stand-in API), and its worker. */
async function configuredFloe(environment: Record<string, string>): Promise<TestApp> {
  const configured = await startTestApp(environment);
  const configuredWorker = configured.startWorker();
  after(() => configuredWorker.stop());
  return configured;
}

/** The account a customer links through the platform's OAuth (that flow happens on Discord's or GitHub's site). */
async function linkAccount(app: TestApp, customerId: string, platform: 'discord' | 'github', account: { account_id: string; account_username: string; access_token: string }) {
  await app.db
    .updateTable('customers')
    .set({ oauth_accounts: JSON.stringify({ [`${platform}:${account.account_id}`]: account }) })
    .where('id', '=', customerId)
    .execute();
}

async function slugOf(merchant: Merchant) {
  return (await merchant.sdk.organizations.get({ id: merchant.organizationId })).slug;
}

describe('customer portal', () => {
  test('a customer reads itself, its organization, its orders and invoices; nothing of others', async () => {
    const { merchant, book } = await shop();
    const ada = await purchase(floe, merchant.sdk, book.prices[0]!.id, 'ada@example.com');
    const bob = await purchase(floe, merchant.sdk, book.prices[0]!.id, 'bob@example.com');
    const portal = floe.sdk(ada.customerSessionToken).customerPortal;

    const me = await portal.customers.get({ id: ada.customerId });
    assert.equal(me.email, 'ada@example.com');
    assert.deepEqual(me.oauthAccounts, {});
    await expectError(portal.customers.get({ id: bob.customerId }), ResourceNotFound);

    const slug = await slugOf(merchant);
    const organization = await floe.sdk().customerPortal.organizations.get({ slug });
    assert.equal(organization.id, merchant.organizationId);
    await expectError(floe.sdk().customerPortal.organizations.get({ slug: 'no-such-shop' }), ResourceNotFound);

    const orders = await portal.orders.list({});
    assert.equal(orders.result.pagination.totalCount, 1);
    const order = orders.result.items[0]!;
    assert.equal(order.id, ada.order.id);
    assert.equal(order.amount, 2500);
    assert.equal(order.product.name, 'The Book');
    assert.equal(order.product.organization.id, merchant.organizationId);
    assert.equal(order.product.benefits.length, 3);
    assert.equal(order.subscription, null);
    assert.equal((await portal.orders.list({ query: 'book' })).result.items.length, 1);
    assert.equal((await portal.orders.list({ query: 'nothing like it' })).result.items.length, 0);
    assert.equal((await portal.orders.get({ id: ada.order.id })).id, ada.order.id);
    await expectError(portal.orders.get({ id: bob.order.id }), ResourceNotFound);
    const invoice = await portal.orders.invoice({ id: ada.order.id });
    const pdf = await fetch(invoice.url);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    await expectError(portal.orders.invoice({ id: bob.order.id }), ResourceNotFound);

    // A customer token reaches nothing of the merchant API, and a merchant token nothing of the portal.
    assert.equal((await expectError(floe.sdk(ada.customerSessionToken).orders.list({}), SDKError)).statusCode, 401);
    assert.equal((await expectError(merchant.sdk.customerPortal.orders.list({}), SDKError)).statusCode, 401);
    assert.equal((await expectError(floe.sdk().customerPortal.orders.list({}), SDKError)).statusCode, 401);
  });

  test('benefit grants: listed with their benefit as holders see it; only account-linked types change', async () => {
    const { merchant, book, note, license } = await shop();
    const ada = await purchase(floe, merchant.sdk, book.prices[0]!.id, 'ada@example.com');
    const portal = floe.sdk(ada.customerSessionToken).customerPortal;
    const grants = await portal.benefitGrants.list({});
    assert.equal(grants.result.items.length, 3);
    assert.ok(grants.result.items.every((grant) => grant.isGranted && grant.orderId === ada.order.id));
    const byType = await portal.benefitGrants.list({ typeFilter: 'license_keys' });
    assert.equal(byType.result.items.length, 1);
    const licenseGrant = byType.result.items[0]!;
    assert.equal(licenseGrant.benefit.id, license.id);
    assert.equal(licenseGrant.benefit.organization.id, merchant.organizationId);
    assert.equal((await portal.benefitGrants.list({ checkoutId: [ada.checkout.id] })).result.items.length, 3);
    assert.equal((await portal.benefitGrants.list({ benefitId: note.id })).result.items.length, 1);

    const noteGrant = (await portal.benefitGrants.list({ benefitId: note.id })).result.items[0]!;
    const fetched = await portal.benefitGrants.get({ id: noteGrant.id });
    assert.equal(fetched.benefitId, note.id);
    const unchanged = await portal.benefitGrants.update({ id: noteGrant.id, customerBenefitGrantUpdate: { benefitType: 'custom' } });
    assert.equal(unchanged.id, noteGrant.id);
    const mismatch = await expectError(portal.benefitGrants.update({ id: noteGrant.id, customerBenefitGrantUpdate: { benefitType: 'ads' } }), HTTPValidationError);
    assert.deepEqual(mismatch.detail?.[0]?.loc, ['body', 'benefit_type']);

    const bob = await purchase(floe, merchant.sdk, book.prices[0]!.id, 'bob@example.com');
    await expectError(floe.sdk(bob.customerSessionToken).customerPortal.benefitGrants.get({ id: noteGrant.id }), ResourceNotFound);
  });

  test('downloadables: a signed link that expires, counts downloads, and stops with the grant', async () => {
    const { merchant, plan, files } = await shop();
    await merchant.sdk.products.updateBenefits({ id: plan.id, productBenefitsUpdate: { benefits: [files.id] } });
    const ada = await purchase(floe, merchant.sdk, plan.prices[0]!.id, 'reader@example.com');
    const portal = floe.sdk(ada.customerSessionToken).customerPortal;
    const listed = await portal.downloadables.list({});
    assert.equal(listed.result.items.length, 1);
    const downloadable = listed.result.items[0]!;
    assert.equal(downloadable.benefitId, files.id);
    assert.equal(downloadable.file.name, 'book.pdf');
    assert.ok(downloadable.file.download.expiresAt.getTime() > Date.now() + 500_000);

    const response = await fetch(downloadable.file.download.url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const file = await fetch(response.headers.get('location')!);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), bytesOf(3000));
    const row = await floe.db.selectFrom('downloadables').selectAll().where('id', '=', downloadable.id).executeTakeFirstOrThrow();
    assert.equal(row.downloaded, 1);
    assert.ok(row.last_downloaded_at);

    // A changed character of the signature (not its last, whose low bits base64url ignores).
    const url = downloadable.file.download.url;
    const tampered = `${url.slice(0, -10)}${url.at(-10) === 'A' ? 'B' : 'A'}${url.slice(-9)}`;
    assert.equal((await fetch(tampered, { redirect: 'manual' })).status, 404);
    clock.advance(601_000);
    try {
      assert.equal((await fetch(downloadable.file.download.url, { redirect: 'manual' })).status, 410);
    } finally {
      clock.advance(-601_000);
    }

    await merchant.sdk.subscriptions.revoke({ id: ada.order.subscription_id! });
    await jobsDone(floe);
    assert.equal((await portal.downloadables.list({})).result.items.length, 0);
    assert.equal((await fetch(downloadable.file.download.url, { redirect: 'manual' })).status, 404);
  });

  test('subscriptions: cancel at period end, uncancel, change plan, cancel by DELETE; benefits follow', async () => {
    const { merchant, plan, yearly, note } = await shop();
    const ada = await purchase(floe, merchant.sdk, plan.prices[0]!.id, 'member@example.com');
    const portal = floe.sdk(ada.customerSessionToken).customerPortal;
    const listed = await portal.subscriptions.list({ active: true });
    assert.equal(listed.result.items.length, 1);
    const subscription = listed.result.items[0]!;
    assert.equal(subscription.product.name, 'Club');
    assert.equal(subscription.price.id, plan.prices[0]!.id);
    assert.equal((await portal.subscriptions.get({ id: subscription.id })).status, 'active');

    const canceled = await portal.subscriptions.update({ id: subscription.id, customerSubscriptionUpdate: { cancelAtPeriodEnd: true, cancellationReason: 'too_expensive', cancellationComment: 'pricey' } });
    assert.equal(canceled.cancelAtPeriodEnd, true);
    assert.equal(canceled.customerCancellationReason, 'too_expensive');
    assert.ok(canceled.endsAt);
    await expectError(portal.subscriptions.cancel({ id: subscription.id }), AlreadyCanceledSubscription);
    const uncanceled = await portal.subscriptions.update({ id: subscription.id, customerSubscriptionUpdate: { cancelAtPeriodEnd: false } });
    assert.equal(uncanceled.cancelAtPeriodEnd, false);
    assert.equal(uncanceled.endsAt, null);

    const moved = await portal.subscriptions.update({ id: subscription.id, customerSubscriptionUpdate: { productPriceId: yearly.prices[0]!.id } });
    assert.equal(moved.product.name, 'Club yearly');
    assert.equal(moved.recurringInterval, 'year');
    await jobsDone(floe);
    // The yearly plan has no benefits: the note the monthly plan gave is revoked.
    assert.equal((await portal.benefitGrants.list({ benefitId: note.id })).result.items.length, 0);
    const other = await expectError(portal.subscriptions.update({ id: subscription.id, customerSubscriptionUpdate: { productPriceId: '00000000-0000-4000-8000-000000000000' } }), HTTPValidationError);
    assert.equal(other.detail?.[0]?.msg, 'Price does not exist.');

    const ending = await portal.subscriptions.cancel({ id: subscription.id });
    assert.equal(ending.cancelAtPeriodEnd, true);
    assert.equal(ending.status, 'active');
    // When the period is over the subscription ends (a sweep) and so do its benefits.
    await merchant.sdk.products.updateBenefits({ id: yearly.id, productBenefitsUpdate: { benefits: [note.id] } });
    await jobsDone(floe);
    assert.equal((await portal.benefitGrants.list({ benefitId: note.id })).result.items.length, 1);
    clock.advance(366 * 86_400_000);
    try {
      await until(async () => (await floe.db.selectFrom('subscriptions').select('status').where('id', '=', subscription.id).executeTakeFirstOrThrow()).status === 'canceled');
      await jobsDone(floe);
    } finally {
      clock.advance(-366 * 86_400_000);
    }
    assert.equal((await portal.subscriptions.list({ active: true })).result.items.length, 0);
    assert.equal((await portal.benefitGrants.list({ benefitId: note.id })).result.items.length, 0);
    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', merchant.organizationId).where('type', 'in', ['subscription.canceled', 'subscription.uncanceled', 'subscription.revoked']).orderBy('created_at').execute();
    assert.deepEqual(events.map((event) => event.type), ['subscription.canceled', 'subscription.uncanceled', 'subscription.canceled', 'subscription.revoked']);
  });
});

describe('Discord and GitHub grants', () => {
  test('without settings the grant records why it is not granted', async () => {
    const { merchant, book } = await shop();
    const { organizationId, sdk } = merchant;
    const guildToken = (await import('../../../src/modules/benefit/integrations.js')).signDiscordGuildToken(floe.config, '1234');
    const role = await sdk.benefits.create({ type: 'discord', description: 'Members role', organizationId, properties: { guildToken, roleId: '42' } });
    await sdk.products.updateBenefits({ id: book.id, productBenefitsUpdate: { benefits: [role.id] } });
    const ada = await purchase(floe, sdk, book.prices[0]!.id, 'gamer@example.com');
    const raw = (await (await fetch(`${floe.baseUrl}/v1/benefits/${role.id}/grants`, { headers: { authorization: `Bearer ${merchant.token}` } })).json()) as { items: { is_granted: boolean; error: { type: string; message: string } }[] };
    assert.equal(raw.items[0]!.is_granted, false);
    assert.equal(raw.items[0]!.error.type, 'integration_not_configured');
    assert.match(raw.items[0]!.error.message, /FLOE_DISCORD_BOT_TOKEN/);
    const portal = floe.sdk(ada.customerSessionToken).customerPortal;
    const grant = (await portal.benefitGrants.list({ typeFilter: 'discord' })).result.items[0]!;
    const unknown = await expectError(portal.benefitGrants.update({ id: grant.id, customerBenefitGrantUpdate: { benefitType: 'discord', properties: { accountId: '999' } } }), HTTPValidationError);
    assert.equal(unknown.detail?.[0]?.msg, 'OAuth account does not exist.');
  });

  test('with settings, a linked account is added to the server with the role, and removed on revoke', async () => {
    const configured = await configuredFloe({ FLOE_DISCORD_BOT_TOKEN: 'bot-secret', FLOE_DISCORD_API_URL: `http://127.0.0.1:${discordPort}/api/v10` });
    const { merchant, plan } = await shop(configured);
    const { organizationId, sdk } = merchant;
    const guildToken = (await import('../../../src/modules/benefit/integrations.js')).signDiscordGuildToken(configured.config, '1234');
    const role = await sdk.benefits.create({ type: 'discord', description: 'Members role', organizationId, properties: { guildToken, roleId: '42' } });
    await sdk.products.updateBenefits({ id: plan.id, productBenefitsUpdate: { benefits: [role.id] } });
    const ada = await purchase(configured, sdk, plan.prices[0]!.id, 'gamer@example.com');
    await linkAccount(configured, ada.customerId, 'discord', { account_id: '777', account_username: 'ada#1', access_token: 'user-oauth-token' });
    const portal = configured.sdk(ada.customerSessionToken).customerPortal;
    const pending = (await portal.benefitGrants.list({ typeFilter: 'discord' })).result.items[0]!;
    assert.equal(pending.isGranted, false);
    await portal.benefitGrants.update({ id: pending.id, customerBenefitGrantUpdate: { benefitType: 'discord', properties: { accountId: '777' } } });
    await jobsDone(configured);
    const granted = await portal.benefitGrants.get({ id: pending.id });
    assert.equal(granted.isGranted, true);
    assert.deepEqual(
      discordCalls.map((call) => [call.method, call.url, call.authorization]),
      [
        ['PUT', '/api/v10/guilds/1234/members/777', 'Bot bot-secret'],
        ['PUT', '/api/v10/guilds/1234/members/777/roles/42', 'Bot bot-secret'],
      ],
    );
    assert.deepEqual(JSON.parse(discordCalls[0]!.body), { access_token: 'user-oauth-token', roles: ['42'] });
    assert.equal((await portal.customers.get({ id: ada.customerId })).oauthAccounts['discord:777']?.accountUsername, 'ada#1');

    await sdk.subscriptions.revoke({ id: ada.order.subscription_id! });
    await jobsDone(configured);
    assert.deepEqual(discordCalls.at(-1) && [discordCalls.at(-1)!.method, discordCalls.at(-1)!.url], ['DELETE', '/api/v10/guilds/1234/members/777/roles/42']);
  });

  test('a GitHub repository benefit invites the linked account as a collaborator; a failing API is retried and recorded', async () => {
    const configured = await configuredFloe({ FLOE_GITHUB_TOKEN: 'gh-secret', FLOE_GITHUB_API_URL: `http://127.0.0.1:${discordPort}/github` });
    const { merchant, book } = await shop(configured);
    const { organizationId, sdk } = merchant;
    const repository = await sdk.benefits.create({ type: 'github_repository', description: 'Source access', organizationId, properties: { repositoryOwner: 'acme', repositoryName: 'engine', permission: 'pull' } });
    await sdk.products.updateBenefits({ id: book.id, productBenefitsUpdate: { benefits: [repository.id] } });
    const ada = await purchase(configured, sdk, book.prices[0]!.id, 'dev@example.com');
    await linkAccount(configured, ada.customerId, 'github', { account_id: '555', account_username: 'ada-dev', access_token: 'gho_x' });
    const portal = configured.sdk(ada.customerSessionToken).customerPortal;
    const grant = (await portal.benefitGrants.list({ typeFilter: 'github_repository' })).result.items[0]!;
    const before = discordCalls.length;
    failingCalls = 1;
    await portal.benefitGrants.update({ id: grant.id, customerBenefitGrantUpdate: { benefitType: 'github_repository', properties: { accountId: '555' } } });
    // The first attempt fails: the grant says why, and the job is retried.
    await until(async () => (await configured.db.selectFrom('benefit_grants').select('error').where('id', '=', grant.id).executeTakeFirstOrThrow()).error !== null);
    const failed = await configured.db.selectFrom('benefit_grants').select(['error', 'granted_at']).where('id', '=', grant.id).executeTakeFirstOrThrow();
    assert.equal(failed.granted_at, null);
    assert.match(String((failed.error as { message: string }).message), /answered 502/);
    await until(async () => (await portal.benefitGrants.get({ id: grant.id })).isGranted);
    assert.equal((await configured.db.selectFrom('benefit_grants').select('error').where('id', '=', grant.id).executeTakeFirstOrThrow()).error, null);
    const call = discordCalls[before + 1]!;
    assert.deepEqual([call.method, call.url, call.authorization], ['PUT', '/github/repos/acme/engine/collaborators/ada-dev', 'Bearer gh-secret']);
    assert.deepEqual(JSON.parse(call.body), { permission: 'pull' });
  });
});
