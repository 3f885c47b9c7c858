import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import type { Polar } from '@polar-sh/sdk';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

async function collect<T>(pages: AsyncIterable<{ result: { items: T[] } }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.result.items);
  return items;
}

function textField(sdk: Polar, organizationId: string, slug: string, name = slug) {
  return sdk.customFields.create({ type: 'text', slug, name, organizationId, properties: { formLabel: 'Your company', textarea: true, minLength: 2, maxLength: 100 } });
}

describe('custom fields', () => {
  test('every type is created with its properties and read back', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const text = await textField(sdk, organizationId, 'company');
    assert.equal(text.type, 'text');
    assert.deepEqual(text.properties, { formLabel: 'Your company', textarea: true, minLength: 2, maxLength: 100 });
    const number = await sdk.customFields.create({ type: 'number', slug: 'seats', name: 'Seats', organizationId, properties: { ge: 1, le: 50 } });
    assert.deepEqual(number.properties, { ge: 1, le: 50 });
    const date = await sdk.customFields.create({ type: 'date', slug: 'birthday', name: 'Birthday', organizationId, properties: {} });
    assert.equal(date.type, 'date');
    const checkbox = await sdk.customFields.create({ type: 'checkbox', slug: 'terms', name: 'Terms', organizationId, properties: { formLabel: 'I agree' }, metadata: { legal: true } });
    assert.deepEqual(checkbox.metadata, { legal: true });
    const select = await sdk.customFields.create({
      type: 'select',
      slug: 'size',
      name: 'Size',
      organizationId,
      properties: { options: [{ value: 's', label: 'Small' }, { value: 'l', label: 'Large' }] },
    });
    assert.ok(select.type === 'select' && select.properties.options.length === 2);
    const fetched = await sdk.customFields.get({ id: select.id });
    assert.equal(fetched.name, 'Size');
  });

  test('properties are checked per type; empty inputs are dropped; a slug is lowercased and unique per organization', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    await expectError(sdk.customFields.create({ type: 'select', slug: 'empty', name: 'Empty', organizationId, properties: { options: [] } }), HTTPValidationError);
    await expectError(sdk.customFields.create({ type: 'number', slug: 'bounds', name: 'Bounds', organizationId, properties: { ge: 10, le: 1 } }), HTTPValidationError);
    await expectError(sdk.customFields.create({ type: 'text', slug: 'not a slug', name: 'Bad', organizationId, properties: {} }), HTTPValidationError);
    const dropped = await sdk.customFields.create({ type: 'text', slug: 'Dropped', name: 'Dropped', organizationId, properties: { formLabel: '', formHelpText: 'Help' } });
    assert.equal(dropped.slug, 'dropped');
    assert.deepEqual(dropped.properties, { formHelpText: 'Help' });
    const error = await expectError(textField(sdk, organizationId, 'DROPPED'), HTTPValidationError);
    assert.deepEqual(error.detail?.[0]?.loc, ['body', 'slug']);
    // Another organization may use the same slug.
    const other = await floe.createMerchant();
    await textField(other.sdk, other.organizationId, 'dropped');
  });

  test('update keeps the type, moves stored answers to a new slug; delete frees the slug and detaches it from products', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const field = await textField(sdk, organizationId, 'company');
    await expectError(sdk.customFields.update({ id: field.id, customFieldUpdate: { type: 'number', name: 'Seats' } }), HTTPValidationError);
    const other = await textField(sdk, organizationId, 'vat');
    await expectError(sdk.customFields.update({ id: other.id, customFieldUpdate: { type: 'text', slug: 'company' } }), HTTPValidationError);
    const renamed = await sdk.customFields.update({ id: field.id, customFieldUpdate: { type: 'text', name: 'Company', slug: 'organization', properties: { formLabel: 'Organization' } } });
    assert.equal(renamed.slug, 'organization');
    assert.deepEqual(renamed.properties, { formLabel: 'Organization' });
    assert.ok(renamed.modifiedAt);

    const product = await sdk.products.create({
      name: 'With a question',
      organizationId,
      prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }],
      attachedCustomFields: [{ customFieldId: field.id, required: true }],
    });
    assert.equal(product.attachedCustomFields.length, 1);
    await sdk.customFields.delete({ id: field.id });
    await expectError(sdk.customFields.get({ id: field.id }), ResourceNotFound);
    assert.equal((await sdk.products.get({ id: product.id })).attachedCustomFields.length, 0);
    await textField(sdk, organizationId, 'organization');
  });

  test('list filters by query and type, sorts, pages; another organization’s fields are not found', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    await textField(sdk, organizationId, 'alpha', 'Alpha');
    await textField(sdk, organizationId, 'beta', 'Beta');
    await sdk.customFields.create({ type: 'checkbox', slug: 'gamma', name: 'Gamma', organizationId, properties: {} });
    const all = await collect(await sdk.customFields.list({ organizationId }));
    assert.deepEqual(all.map((field) => field.slug), ['alpha', 'beta', 'gamma']);
    const byQuery = await collect(await sdk.customFields.list({ organizationId, query: 'ETA' }));
    assert.deepEqual(byQuery.map((field) => field.slug), ['beta']);
    const checkboxes = await collect(await sdk.customFields.list({ organizationId, typeFilter: ['checkbox'] }));
    assert.deepEqual(checkboxes.map((field) => field.slug), ['gamma']);
    const sorted = await collect(await sdk.customFields.list({ organizationId, sorting: ['-name'] }));
    assert.deepEqual(sorted.map((field) => field.slug), ['gamma', 'beta', 'alpha']);
    const page = await sdk.customFields.list({ organizationId, limit: 2, page: 2 });
    assert.equal(page.result.pagination.totalCount, 3);
    assert.equal(page.result.items.length, 1);

    const stranger = await floe.createMerchant();
    await expectError(stranger.sdk.customFields.get({ id: all[0]!.id }), ResourceNotFound);
    await expectError(stranger.sdk.customFields.delete({ id: all[0]!.id }), ResourceNotFound);
    assert.equal((await collect(await stranger.sdk.customFields.list({}))).length, 0);
    const token = await floe.createOrganizationToken(organizationId);
    assert.equal((await collect(await floe.sdk(token).customFields.list({}))).length, 3);
  });
});
