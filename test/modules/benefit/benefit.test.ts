import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, NotPermitted, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import { newId } from '../../../src/kit/ids.js';
import { signDiscordGuildToken } from '../../../src/modules/benefit/integrations.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

async function collect<T>(pages: AsyncIterable<{ result: { items: T[] } }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.result.items);
  return items;
}

/** An uploaded file row: the files module is tested on its own. */
async function insertFile(organizationId: string, service: 'downloadable' | 'product_media' = 'downloadable'): Promise<string> {
  const id = newId();
  await floe.db
    .insertInto('files')
    .values({ id, organization_id: organizationId, service, name: 'guide.pdf', path: `${organizationId}/${id}`, mime_type: 'application/pdf', size: 10, is_uploaded: true, upload_parts: JSON.stringify([]), created_at: new Date() })
    .execute();
  return id;
}

describe('benefits', () => {
  test('every type is created with its properties, read back, and announced', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const custom = await sdk.benefits.create({ type: 'custom', description: 'Priority support', organizationId, properties: { note: 'Write to vip@example.com' } });
    assert.equal(custom.type, 'custom');
    assert.deepEqual(custom.properties, { note: 'Write to vip@example.com' });
    assert.ok(custom.selectable && custom.deletable);
    const ads = await sdk.benefits.create({ type: 'ads', description: 'Sponsor slot', organizationId, properties: { imageWidth: 240 } });
    assert.deepEqual(ads.properties, { imageHeight: 400, imageWidth: 240 });
    const keys = await sdk.benefits.create({
      type: 'license_keys',
      description: 'License key',
      organizationId,
      properties: { prefix: 'FLOE', expires: { ttl: 1, timeframe: 'year' }, activations: { limit: 3, enableCustomerAdmin: true }, limitUsage: 100 },
    });
    assert.deepEqual(keys.properties, { prefix: 'FLOE', expires: { ttl: 1, timeframe: 'year' }, activations: { limit: 3, enableCustomerAdmin: true }, limitUsage: 100 });
    const fileId = await insertFile(organizationId);
    const downloads = await sdk.benefits.create({ type: 'downloadables', description: 'The e-book files', organizationId, properties: { files: [fileId] } });
    assert.deepEqual(downloads.properties, { files: [fileId], archived: {} });
    const discord = await sdk.benefits.create({ type: 'discord', description: 'Discord role', organizationId, properties: { guildToken: signDiscordGuildToken(floe.config, '1234567890'), roleId: '42' } });
    assert.ok(discord.type === 'discord' && discord.properties.guildId === '1234567890' && discord.properties.roleId === '42');
    const github = await sdk.benefits.create({ type: 'github_repository', description: 'Private repo', organizationId, properties: { repositoryOwner: 'floe', repositoryName: 'private', permission: 'pull' } });
    assert.ok(github.type === 'github_repository' && github.properties.repositoryName === 'private');

    const fetched = await sdk.benefits.get({ id: keys.id });
    assert.equal(fetched.description, 'License key');
    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).where('type', '=', 'benefit.created').execute();
    assert.equal(events.length, 6);
  });

  test('properties are checked: description length, license key bounds, files of the organization, Discord tokens', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    await expectError(sdk.benefits.create({ type: 'custom', description: 'ab', organizationId, properties: {} }), HTTPValidationError);
    await expectError(sdk.benefits.create({ type: 'custom', description: 'x'.repeat(43), organizationId, properties: {} }), HTTPValidationError);
    await expectError(sdk.benefits.create({ type: 'license_keys', description: 'Keys', organizationId, properties: { activations: { limit: 51, enableCustomerAdmin: false } } }), HTTPValidationError);
    await expectError(sdk.benefits.create({ type: 'downloadables', description: 'Files', organizationId, properties: { files: [] } }), HTTPValidationError);
    const other = await floe.createMerchant();
    const foreignFile = await insertFile(other.organizationId);
    const foreign = await expectError(sdk.benefits.create({ type: 'downloadables', description: 'Files', organizationId, properties: { files: [foreignFile] } }), HTTPValidationError);
    assert.deepEqual(foreign.detail?.[0]?.loc, ['body', 'properties', 'files', 0]);
    const media = await insertFile(organizationId, 'product_media');
    await expectError(sdk.benefits.create({ type: 'downloadables', description: 'Files', organizationId, properties: { files: [media] } }), HTTPValidationError);
    const forged = await expectError(sdk.benefits.create({ type: 'discord', description: 'Role', organizationId, properties: { guildToken: 'forged', roleId: '1' } }), HTTPValidationError);
    assert.deepEqual(forged.detail?.[0]?.loc, ['body', 'properties', 'guild_token']);
    const token = await floe.createOrganizationToken(organizationId);
    await expectError(floe.sdk(token).benefits.create({ type: 'github_repository', description: 'Repo', properties: { repositoryOwner: 'a', repositoryName: 'b', permission: 'pull' } }), HTTPValidationError);
  });

  test('update changes description and properties, never the type', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ keepEvents: true });
    const benefit = await sdk.benefits.create({ type: 'custom', description: 'Support', organizationId, properties: { note: 'a' } });
    const updated = await sdk.benefits.update({ id: benefit.id, requestBody: { type: 'custom', description: 'Better support', properties: { note: 'b' } } });
    assert.equal(updated.description, 'Better support');
    assert.deepEqual(updated.properties, { note: 'b' });
    await expectError(sdk.benefits.update({ id: benefit.id, requestBody: { type: 'ads', description: 'Ads now' } }), HTTPValidationError);
    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', organizationId).where('type', '=', 'benefit.updated').execute();
    assert.equal(events.length, 1);
  });

  test('delete detaches from products; a benefit that is not deletable stays', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const benefit = await sdk.benefits.create({ type: 'custom', description: 'Support', organizationId, properties: {} });
    const product = await sdk.products.create({ name: 'Plan', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
    await sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefit.id] } });
    await sdk.benefits.delete({ id: benefit.id });
    await expectError(sdk.benefits.get({ id: benefit.id }), ResourceNotFound);
    assert.deepEqual((await sdk.products.get({ id: product.id })).benefits, []);
    const fixed = await sdk.benefits.create({ type: 'custom', description: 'Built in', organizationId, properties: {} });
    await floe.db.updateTable('benefits').set({ deletable: false }).where('id', '=', fixed.id).execute();
    const refused = await sdk.benefits.delete({ id: fixed.id }).then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof NotPermitted || (refused instanceof SDKError && refused.statusCode === 403), String(refused));
  });

  test('list with type filter and paging; grants of a benefit; tenancy', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const custom = await sdk.benefits.create({ type: 'custom', description: 'Support', organizationId, properties: {} });
    await sdk.benefits.create({ type: 'ads', description: 'Ad slot', organizationId, properties: {} });
    await sdk.benefits.create({ type: 'license_keys', description: 'Key', organizationId, properties: {} });
    assert.equal((await collect(await sdk.benefits.list({ organizationId }))).length, 3);
    const filtered = await collect(await sdk.benefits.list({ organizationId, typeFilter: ['custom', 'ads'] }));
    assert.deepEqual(filtered.map((benefit) => benefit.type).sort(), ['ads', 'custom']);
    assert.equal((await sdk.benefits.list({ organizationId, limit: 2 })).result.pagination.maxPage, 2);

    // Grants are made by purchases; here two are written directly.
    const customerId = newId();
    await floe.db.insertInto('customers').values({ id: customerId, organization_id: organizationId, email: 'buyer@example.com', metadata: JSON.stringify({}), created_at: new Date() }).execute();
    const product = await sdk.products.create({ name: 'Plan', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
    const priceId = product.prices[0]!.id;
    const orderIds = [newId(), newId()];
    for (const orderId of orderIds) {
      await floe.db.insertInto('orders').values({ id: orderId, organization_id: organizationId, customer_id: customerId, product_id: product.id, product_price_id: priceId, amount: 1000, currency: 'usd', billing_reason: 'purchase', custom_field_data: JSON.stringify({}), metadata: JSON.stringify({}), created_at: new Date() }).execute();
    }
    await floe.db.insertInto('benefit_grants').values({ id: newId(), customer_id: customerId, benefit_id: custom.id, order_id: orderIds[0]!, granted_at: new Date(), properties: JSON.stringify({}), created_at: new Date() }).execute();
    await floe.db.insertInto('benefit_grants').values({ id: newId(), customer_id: customerId, benefit_id: custom.id, order_id: orderIds[1]!, granted_at: new Date(), revoked_at: new Date(), properties: JSON.stringify({}), created_at: new Date() }).execute();
    const grants = await collect(await sdk.benefits.grants({ id: custom.id }));
    assert.equal(grants.length, 2);
    assert.equal(grants[0]?.customer.email, 'buyer@example.com');
    assert.equal((await collect(await sdk.benefits.grants({ id: custom.id, isGranted: true }))).length, 2);
    assert.equal((await collect(await sdk.benefits.grants({ id: custom.id, customerId: newId() }))).length, 0);

    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.benefits.get({ id: custom.id }), ResourceNotFound);
    await expectError(stranger.sdk.benefits.grants({ id: custom.id }), ResourceNotFound);
    await expectError(stranger.sdk.benefits.delete({ id: custom.id }), ResourceNotFound);
    assert.equal((await collect(await stranger.sdk.benefits.list({}))).length, 0);
  });
});
