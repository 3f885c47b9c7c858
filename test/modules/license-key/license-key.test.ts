import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { NotPermitted, ResourceNotFound, Unauthorized } from '@polar-sh/sdk/models/errors/index.js';
import { startTestApp, type Merchant } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { jobsDone, purchase } from '../../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

async function licensedProduct(merchant: Merchant, properties: Record<string, unknown>, recurring = false) {
  const benefit = await merchant.sdk.benefits.create({ type: 'license_keys', description: 'License key', organizationId: merchant.organizationId, properties });
  const product = recurring
    ? await merchant.sdk.products.create({ name: 'Editor Pro', organizationId: merchant.organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd', recurringInterval: 'month' }] })
    : await merchant.sdk.products.create({ name: 'Editor Pro', organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 4900, priceCurrency: 'usd' }] });
  await merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefit.id] } });
  return { benefit, product, priceId: product.prices[0]!.id };
}

async function keyOf(merchant: Merchant, benefitId: string) {
  const page = await merchant.sdk.licenseKeys.list({ organizationId: merchant.organizationId, benefitId });
  assert.equal(page.result.items.length, 1);
  return page.result.items[0]!;
}

/** The public endpoints over plain HTTP: the SDK drops `conditions` and `meta` (empty schemas). */
async function post(path: string, body: object) {
  const response = await fetch(`${floe.baseUrl}/v1/customer-portal/license-keys/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as Record<string, unknown>) };
}

describe('license keys', () => {
  test('a purchase grants a key with the benefit settings; the merchant lists, reads and updates it', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, priceId } = await licensedProduct(merchant, { prefix: ' edit ', activations: { limit: 3, enableCustomerAdmin: true }, limitUsage: 5, expires: { ttl: 1, timeframe: 'month' } });
    const { customerId } = await purchase(floe, merchant.sdk, priceId, 'coder@example.com');
    const key = await keyOf(merchant, benefit.id);
    assert.match(key.key, /^EDIT-[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.equal(key.displayKey, `****-${key.key.slice(-6)}`);
    assert.equal(key.status, 'granted');
    assert.equal(key.customerId, customerId);
    assert.equal(key.customer.email, 'coder@example.com');
    assert.equal(key.limitActivations, 3);
    assert.equal(key.limitUsage, 5);
    const days = (key.expiresAt!.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 27 && days < 32, `expires in about a month, got ${days} days`);

    const grants = await merchant.sdk.benefits.grants({ id: benefit.id });
    assert.equal(grants.result.items.length, 1);
    const grant = grants.result.items[0]!;
    assert.equal(grant.isGranted, true);
    // The SDK parses grant properties as the first branch of its union (custom: `{}`); read them raw.
    assert.deepEqual(grant.properties, {});
    const raw = (await (await fetch(`${floe.baseUrl}/v1/benefits/${benefit.id}/grants`, { headers: { authorization: `Bearer ${merchant.token}` } })).json()) as { items: { properties: unknown }[] };
    assert.deepEqual(raw.items[0]!.properties, { license_key_id: key.id, display_key: key.displayKey });

    const full = await merchant.sdk.licenseKeys.get({ id: key.id });
    assert.deepEqual(full.activations, []);
    const updated = await merchant.sdk.licenseKeys.update({ id: key.id, licenseKeyUpdate: { limitUsage: 10, limitActivations: 2 } });
    assert.equal(updated.limitUsage, 10);
    assert.equal(updated.limitActivations, 2);

    const stranger = await floe.createMerchant();
    // Polar answers 401, not 404, for another organization's key.
    await expectError(stranger.sdk.licenseKeys.get({ id: key.id }), Unauthorized);
    assert.equal((await stranger.sdk.licenseKeys.list({})).result.items.length, 0);
    await expectError(merchant.sdk.licenseKeys.get({ id: '00000000-0000-4000-8000-000000000000' }), ResourceNotFound);
  });

  test('validation checks status, expiry, benefit, customer and usage, and records each validation', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, priceId } = await licensedProduct(merchant, { limitUsage: 3 });
    const { customerId } = await purchase(floe, merchant.sdk, priceId, 'validator@example.com');
    const key = await keyOf(merchant, benefit.id);
    const client = floe.sdk();
    const base = { key: key.key, organizationId: merchant.organizationId };

    const first = await client.customerPortal.licenseKeys.validate({ ...base, benefitId: benefit.id, customerId });
    assert.equal(first.validations, 1);
    assert.ok(first.lastValidatedAt);
    assert.equal(first.activation ?? null, null);
    const used = await client.customerPortal.licenseKeys.validate({ ...base, incrementUsage: 2 });
    assert.equal(used.usage, 2);
    assert.equal(used.validations, 2);

    const overUse = await post('validate', { ...base, organization_id: merchant.organizationId, increment_usage: 2 });
    assert.equal(overUse.status, 400);
    assert.equal(overUse.body!.detail, 'License key only has 1 more usages.');
    const expectDetail = async (body: object, detail: string) => {
      const answer = await post('validate', { key: key.key, organization_id: merchant.organizationId, ...body });
      assert.equal(answer.status, 404);
      assert.equal(answer.body!.detail, detail);
    };
    await expectDetail({ benefit_id: '00000000-0000-4000-8000-000000000000' }, 'License key does not match given benefit.');
    await expectDetail({ customer_id: '00000000-0000-4000-8000-000000000000' }, 'License key does not match given user.');
    await expectDetail({ key: 'NOT-A-KEY' }, 'Not found');
    const otherOrganization = await floe.createMerchant();
    await expectDetail({ organization_id: otherOrganization.organizationId }, 'Not found');

    await merchant.sdk.licenseKeys.update({ id: key.id, licenseKeyUpdate: { status: 'disabled', usage: 2 } });
    await expectDetail({}, 'License key is no longer active.');
    await merchant.sdk.licenseKeys.update({ id: key.id, licenseKeyUpdate: { status: 'granted', usage: 2, expiresAt: new Date(Date.now() - 1000) } });
    await expectDetail({}, 'License key has expired.');
    await expectError(client.customerPortal.licenseKeys.validate(base), ResourceNotFound);

    // Refused validations count nothing.
    const after = await merchant.sdk.licenseKeys.get({ id: key.id });
    assert.equal(after.validations, 2);
    assert.equal(after.usage, 2);
  });

  test('activations: up to the limit, with conditions and meta; deactivation frees a slot', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, priceId } = await licensedProduct(merchant, { activations: { limit: 2, enableCustomerAdmin: false } });
    const { customerSessionToken } = await purchase(floe, merchant.sdk, priceId, 'activator@example.com');
    const key = await keyOf(merchant, benefit.id);
    const base = { key: key.key, organization_id: merchant.organizationId };

    const laptop = await post('activate', { ...base, label: 'laptop', conditions: { major_version: 2 }, meta: { host: 'ada-mbp' } });
    assert.equal(laptop.status, 200);
    assert.equal(laptop.body!.label, 'laptop');
    assert.deepEqual(laptop.body!.meta, { host: 'ada-mbp' });
    const desktop = await floe.sdk().customerPortal.licenseKeys.activate({ key: key.key, organizationId: merchant.organizationId, label: 'desktop' });
    assert.equal(desktop.licenseKey.id, key.id);
    const third = await expectError(floe.sdk().customerPortal.licenseKeys.activate({ key: key.key, organizationId: merchant.organizationId, label: 'third' }), NotPermitted);
    assert.equal(third.detail, 'License key activation limit already reached');

    const laptopId = String(laptop.body!.id);
    const validated = await post('validate', { ...base, activation_id: laptopId, conditions: { major_version: 2 } });
    assert.equal(validated.status, 200);
    assert.equal((validated.body!.activation as { id: string }).id, laptopId);
    const wrongConditions = await post('validate', { ...base, activation_id: laptopId, conditions: { major_version: 3 } });
    assert.equal(wrongConditions.status, 404);
    assert.equal(wrongConditions.body!.detail, 'License key does not match required conditions');
    // An activation without conditions accepts any.
    assert.equal((await post('validate', { ...base, activation_id: desktop.id, conditions: { anything: true } })).status, 200);

    const activation = await merchant.sdk.licenseKeys.getActivation({ id: key.id, activationId: laptopId });
    assert.equal(activation.label, 'laptop');
    assert.equal((await merchant.sdk.licenseKeys.get({ id: key.id })).activations.length, 2);
    // The benefit does not let customers manage activations: the portal shows none.
    const portal = floe.sdk(customerSessionToken);
    assert.deepEqual((await portal.customerPortal.licenseKeys.get({ id: key.id })).activations, []);

    await floe.sdk().customerPortal.licenseKeys.deactivate({ key: key.key, organizationId: merchant.organizationId, activationId: laptopId });
    await expectError(floe.sdk().customerPortal.licenseKeys.deactivate({ key: key.key, organizationId: merchant.organizationId, activationId: laptopId }), ResourceNotFound);
    assert.equal((await post('validate', { ...base, activation_id: laptopId })).status, 404);
    await expectError(merchant.sdk.licenseKeys.getActivation({ id: key.id, activationId: laptopId }), ResourceNotFound);
    assert.equal((await post('activate', { ...base, label: 'replacement' })).status, 200);

    const unlimited = await licensedProduct(merchant, {});
    await purchase(floe, merchant.sdk, unlimited.priceId, 'activator@example.com');
    const plain = await keyOf(merchant, unlimited.benefit.id);
    const refused = await post('activate', { key: plain.key, organization_id: merchant.organizationId, label: 'x' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body!.detail, 'License key does not require activation');
  });

  test('40 concurrent activations on a limit of 3 make exactly 3', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, priceId } = await licensedProduct(merchant, { activations: { limit: 3, enableCustomerAdmin: true } });
    await purchase(floe, merchant.sdk, priceId, 'race@example.com');
    const key = await keyOf(merchant, benefit.id);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => post('activate', { key: key.key, organization_id: merchant.organizationId, label: `machine-${index}` })));
    assert.equal(answers.filter((answer) => answer.status === 200).length, 3);
    assert.equal(answers.filter((answer) => answer.status === 403).length, 37);
    const rows = await floe.db.selectFrom('license_key_activations').select('id').where('license_key_id', '=', key.id).where('deleted_at', 'is', null).execute();
    assert.equal(rows.length, 3);
  });

  test('the customer portal lists its own keys, with activations when the benefit allows', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, priceId } = await licensedProduct(merchant, { activations: { limit: 2, enableCustomerAdmin: true } });
    const ada = await purchase(floe, merchant.sdk, priceId, 'ada@example.com');
    const bob = await purchase(floe, merchant.sdk, priceId, 'bob@example.com');
    const adaPortal = floe.sdk(ada.customerSessionToken);
    const listed = await adaPortal.customerPortal.licenseKeys.list({ organizationId: merchant.organizationId });
    assert.equal(listed.result.items.length, 1);
    const adaKey = listed.result.items[0]!;
    assert.equal(adaKey.customerId, ada.customerId);
    await floe.sdk().customerPortal.licenseKeys.activate({ key: adaKey.key, organizationId: merchant.organizationId, label: 'home' });
    assert.equal((await adaPortal.customerPortal.licenseKeys.get({ id: adaKey.id })).activations.length, 1);
    assert.equal((await adaPortal.customerPortal.licenseKeys.list({ benefitId: benefit.id })).result.items.length, 1);
    const bobKey = (await floe.sdk(bob.customerSessionToken).customerPortal.licenseKeys.list({})).result.items[0]!;
    await expectError(adaPortal.customerPortal.licenseKeys.get({ id: bobKey.id }), ResourceNotFound);
    // A customer token is no merchant token, and a merchant token is no customer token.
    await expectError(adaPortal.licenseKeys.list({}), Unauthorized);
    await expectError(merchant.sdk.customerPortal.licenseKeys.list({}), Unauthorized);
  });

  test('a benefit added to a product reaches its existing buyers; removed, it is revoked from them', async () => {
    const merchant = await floe.createMerchant();
    const { benefit, product, priceId } = await licensedProduct(merchant, {});
    const { customerId } = await purchase(floe, merchant.sdk, priceId, 'early@example.com');
    const extra = await merchant.sdk.benefits.create({ type: 'license_keys', description: 'Add-on license', organizationId: merchant.organizationId, properties: { prefix: 'ADDON' } });
    await merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefit.id, extra.id] } });
    await jobsDone(floe);
    const addOn = await keyOf(merchant, extra.id);
    assert.equal(addOn.customerId, customerId);
    assert.match(addOn.key, /^ADDON-/);

    await merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [extra.id] } });
    await jobsDone(floe);
    assert.equal((await keyOf(merchant, benefit.id)).status, 'revoked');
    assert.equal((await keyOf(merchant, extra.id)).status, 'granted');
    const grants = (await merchant.sdk.benefits.grants({ id: benefit.id })).result.items;
    assert.deepEqual(grants.map((grant) => [grant.isGranted, grant.isRevoked]), [[false, true]]);
  });

  test('revoking a subscription revokes its key; a changed benefit updates the key it gave', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const { benefit, priceId } = await licensedProduct(merchant, { activations: { limit: 1, enableCustomerAdmin: false } }, true);
    const { order } = await purchase(floe, merchant.sdk, priceId, 'subscriber@example.com');
    const key = await keyOf(merchant, benefit.id);
    assert.equal(key.status, 'granted');

    await merchant.sdk.benefits.update({ id: benefit.id, requestBody: { type: 'license_keys', properties: { activations: { limit: 5, enableCustomerAdmin: false }, limitUsage: 100 } } });
    await jobsDone(floe);
    const updated = await merchant.sdk.licenseKeys.get({ id: key.id });
    assert.equal(updated.key, key.key);
    assert.equal(updated.limitActivations, 5);
    assert.equal(updated.limitUsage, 100);

    await merchant.sdk.subscriptions.revoke({ id: order.subscription_id! });
    await jobsDone(floe);
    assert.equal((await merchant.sdk.licenseKeys.get({ id: key.id })).status, 'revoked');
    const grant = (await merchant.sdk.benefits.grants({ id: benefit.id })).result.items[0]!;
    assert.equal(grant.isRevoked, true);
    assert.equal(grant.isGranted, false);
    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', merchant.organizationId).where('type', 'like', 'benefit_grant.%').orderBy('created_at').execute();
    assert.deepEqual(events.map((event) => event.type), ['benefit_grant.created', 'benefit_grant.updated', 'benefit_grant.revoked']);
  });
});
