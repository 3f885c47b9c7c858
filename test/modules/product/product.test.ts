import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import type { Polar } from '@polar-sh/sdk';
import { newId } from '../../../src/kit/ids.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

async function collect<T>(pages: AsyncIterable<{ result: { items: T[] } }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.result.items);
  return items;
}

// The SDK resolves its price unions in declaration order and strips unknown keys, so a price is
// always sent with its `type` and `amountType` spelled out (a bare `{ priceAmount }` would go out as
// a custom price).
function oneTime(sdk: Polar, organizationId: string, name = 'E-book', amount = 1500, metadata: Record<string, string | number | boolean> = {}) {
  return sdk.products.create({ name, organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: amount, priceCurrency: 'usd' }], metadata });
}

function recurringPrice(interval: 'month' | 'year') {
  return { type: 'recurring' as const, amountType: 'fixed' as const, priceAmount: interval === 'month' ? 1000 : 10000, recurringInterval: interval };
}

/** A benefit row, inserted directly: the benefit module is tested on its own. */
async function insertBenefit(organizationId: string, selectable = true): Promise<string> {
  const id = newId();
  await floe.db.insertInto('benefits').values({ id, organization_id: organizationId, type: 'custom', description: 'Support', selectable, properties: { note: 'hi' } }).execute();
  return id;
}

async function insertCustomField(organizationId: string, slug: string): Promise<string> {
  const id = newId();
  await floe.db.insertInto('custom_fields').values({ id, organization_id: organizationId, type: 'text', slug, name: slug, properties: {}, metadata: {} }).execute();
  return id;
}

describe('products', () => {
  test('a one-time product with a fixed price, read back with everything it embeds', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const product = await oneTime(merchant.sdk, merchant.organizationId, 'E-book', 1500, { sku: 'EB-1', stock: 3, digital: true });
    assert.equal(product.isRecurring, false);
    assert.equal(product.prices.length, 1);
    const [price] = product.prices;
    assert.ok(price && 'priceAmount' in price);
    assert.equal(price.priceAmount, 1500);
    assert.deepEqual(product.metadata, { sku: 'EB-1', stock: 3, digital: true });
    assert.deepEqual(product.benefits, []);
    const fetched = await merchant.sdk.products.get({ id: product.id });
    assert.equal(fetched.name, 'E-book');
    const events = await floe.db.selectFrom('events').select('type').where('organization_id', '=', merchant.organizationId).execute();
    assert.ok(events.some((event) => event.type === 'product.created'));
  });

  test('custom (pay what you want) and free one-time prices; recurring monthly and yearly; free recurring', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const custom = await sdk.products.create({
      name: 'Tip jar',
      organizationId,
      prices: [{ type: 'one_time', amountType: 'custom', minimumAmount: 100, maximumAmount: 10000, presetAmount: 500 }],
    });
    const customPrice = custom.prices[0];
    assert.ok(customPrice && customPrice.amountType === 'custom' && 'minimumAmount' in customPrice);
    assert.equal(customPrice.presetAmount, 500);
    const free = await sdk.products.create({ name: 'Freebie', organizationId, prices: [{ type: 'one_time', amountType: 'free' }] });
    assert.equal(free.prices[0]?.amountType, 'free');
    const plan = await sdk.products.create({
      name: 'Pro plan',
      organizationId,
      prices: [
        { type: 'recurring', amountType: 'fixed', priceAmount: 1000, recurringInterval: 'month' },
        { type: 'recurring', amountType: 'fixed', priceAmount: 10000, recurringInterval: 'year' },
      ],
    });
    assert.equal(plan.isRecurring, true);
    assert.deepEqual(plan.prices.map((price) => ('recurringInterval' in price ? price.recurringInterval : null)).sort(), ['month', 'year']);
    const freePlan = await sdk.products.create({ name: 'Free plan', organizationId, prices: [{ type: 'recurring', amountType: 'free', recurringInterval: 'month' }] });
    assert.equal(freePlan.isRecurring, true);
  });

  test('prices come back in the order they were given, on create, get, list and update', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const intervalsOf = (product: { prices: object[] }) => product.prices.map((price) => ('recurringInterval' in price ? price.recurringInterval : null));
    // Prices given in one request share their creation time; a tie broken at random would pass
    // about once in 2^10 here.
    const orders = Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? ['month', 'year'] : ['year', 'month']) as ('month' | 'year')[]);
    const created = [];
    for (const [index, order] of orders.entries()) {
      const product = await sdk.products.create({ name: `Ordered ${index}`, organizationId, prices: order.map(recurringPrice) });
      assert.deepEqual(intervalsOf(product), order);
      assert.deepEqual(intervalsOf(await sdk.products.get({ id: product.id })), order);
      created.push(product);
    }
    const listed = new Map((await collect(await sdk.products.list({ organizationId, limit: 100 }))).map((product) => [product.id, product]));
    created.forEach((product, index) => assert.deepEqual(intervalsOf(listed.get(product.id) ?? { prices: [] }), orders[index]));

    // New prices of an update follow the request, after the kept ones (which keep their place).
    for (const [index, order] of orders.entries()) {
      const product = await sdk.products.create({ name: `Replaced ${index}`, organizationId, prices: [recurringPrice('month')] });
      const replaced = await sdk.products.update({ id: product.id, productUpdate: { prices: order.map(recurringPrice) } });
      assert.deepEqual(intervalsOf(replaced), order);
      const kept = await sdk.products.update({ id: product.id, productUpdate: { prices: [recurringPrice(order[1]!), { id: replaced.prices[0]!.id }] } });
      assert.equal(kept.prices[0]?.id, replaced.prices[0]?.id);
      assert.deepEqual(intervalsOf(kept), order);
    }
  });

  test('invalid prices and names are 422 with a location', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const tooCheap = await expectError(oneTime(sdk, organizationId, 'Cheap', 10), HTTPValidationError);
    assert.equal(tooCheap.detail?.[0]?.loc[0], 'body');
    await expectError(oneTime(sdk, organizationId, 'Pricey', 100_000_000), HTTPValidationError);
    await expectError(oneTime(sdk, organizationId, 'ab'), HTTPValidationError);
    const twoMonthly = await expectError(
      sdk.products.create({ name: 'Twice', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 1000, recurringInterval: 'month' }, { type: 'recurring', amountType: 'fixed', priceAmount: 2000, recurringInterval: 'month' }] }),
      HTTPValidationError,
    );
    assert.deepEqual(twoMonthly.detail?.[0]?.loc, ['body', 'prices']);
    const euro = await fetch(`${floe.baseUrl}/v1/products/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await floe.createMerchant()).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Euro', prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1000, price_currency: 'eur' }] }),
    });
    assert.equal(euro.status, 422);
    const missingOrganization = await expectError(sdk.products.create({ name: 'Nowhere', prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000 }] }), HTTPValidationError);
    assert.deepEqual(missingOrganization.detail?.[0]?.loc, ['body', 'organization_id']);
  });

  test('an update that leaves a price out archives it; archived prices are kept for history', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const plan = await sdk.products.create({ name: 'Plan', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 1000, recurringInterval: 'month' }] });
    const monthly = plan.prices[0]!;
    const updated = await sdk.products.update({
      id: plan.id,
      productUpdate: { name: 'Plan v2', prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 12000, recurringInterval: 'year' }] },
    });
    assert.equal(updated.name, 'Plan v2');
    assert.deepEqual(updated.prices.map((price) => price.id).includes(monthly.id), false);
    const archived = await floe.db.selectFrom('product_prices').select('is_archived').where('id', '=', monthly.id).executeTakeFirstOrThrow();
    assert.equal(archived.is_archived, true);
    const kept = await sdk.products.update({ id: plan.id, productUpdate: { prices: [{ id: updated.prices[0]!.id }, { type: 'recurring', amountType: 'fixed', priceAmount: 1200, recurringInterval: 'month' }] } });
    assert.equal(kept.prices.length, 2);
    const archivedProduct = await sdk.products.update({ id: plan.id, productUpdate: { isArchived: true, metadata: { tier: 'legacy' } } });
    assert.equal(archivedProduct.isArchived, true);
    assert.deepEqual(archivedProduct.metadata, { tier: 'legacy' });
    await expectError(sdk.products.update({ id: plan.id, productUpdate: { prices: [] } }), HTTPValidationError);
  });

  test('benefits: attach in order, non-selectable refused, another organization’s benefit refused', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const product = await oneTime(merchant.sdk, merchant.organizationId);
    const first = await insertBenefit(merchant.organizationId);
    const second = await insertBenefit(merchant.organizationId);
    const updated = await merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [second, first] } });
    assert.deepEqual(updated.benefits.map((benefit) => benefit.id), [second, first]);
    const foreign = await insertBenefit(other.organizationId);
    const error = await expectError(merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [foreign] } }), HTTPValidationError);
    assert.deepEqual(error.detail?.[0]?.loc, ['body', 'benefits', 0]);
    const locked = await insertBenefit(merchant.organizationId, false);
    await expectError(merchant.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [locked] } }), HTTPValidationError);
    const listed = await collect(await merchant.sdk.products.list({ benefitId: second }));
    assert.deepEqual(listed.map((item) => item.id), [product.id]);
  });

  test('attached custom fields in order with required flags; foreign fields and files refused', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const company = await insertCustomField(merchant.organizationId, 'company');
    const seats = await insertCustomField(merchant.organizationId, 'seats');
    const product = await merchant.sdk.products.create({
      name: 'Team licence',
      organizationId: merchant.organizationId,
      prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 5000 }],
      attachedCustomFields: [
        { customFieldId: seats, required: true },
        { customFieldId: company, required: false },
      ],
    });
    assert.deepEqual(product.attachedCustomFields.map((field) => [field.customField.slug, field.required, field.order]), [['seats', true, 0], ['company', false, 1]]);
    const foreignField = await insertCustomField(other.organizationId, 'foreign');
    const error = await expectError(
      merchant.sdk.products.create({ name: 'Bad', organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 5000 }], attachedCustomFields: [{ customFieldId: foreignField, required: false }] }),
      HTTPValidationError,
    );
    assert.deepEqual(error.detail?.[0]?.loc, ['body', 'attached_custom_fields', 0]);
    const mediaError = await expectError(
      merchant.sdk.products.create({ name: 'Bad media', organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 5000 }], medias: [randomUUID()] }),
      HTTPValidationError,
    );
    assert.deepEqual(mediaError.detail?.[0]?.loc, ['body', 'medias', 0]);
  });

  test('list filters, repeatable ids, query, sorting by price, pagination', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const cheap = await oneTime(sdk, organizationId, 'Alpha sticker', 500);
    const pricey = await oneTime(sdk, organizationId, 'Beta poster', 5000);
    const plan = await sdk.products.create({ name: 'Gamma plan', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 900, recurringInterval: 'month' }] });
    const byIds = await collect(await sdk.products.list({ id: [cheap.id, plan.id] }));
    assert.deepEqual(byIds.map((product) => product.id).sort(), [cheap.id, plan.id].sort());
    const recurring = await collect(await sdk.products.list({ organizationId, isRecurring: true }));
    assert.deepEqual(recurring.map((product) => product.id), [plan.id]);
    const query = await collect(await sdk.products.list({ organizationId, query: 'POSTER' }));
    assert.deepEqual(query.map((product) => product.id), [pricey.id]);
    const byAmount = await sdk.products.list({ organizationId, sorting: ['-price_amount'] });
    assert.deepEqual(byAmount.result.items.map((product) => product.id), [pricey.id, plan.id, cheap.id]);
    const firstPage = await sdk.products.list({ organizationId, limit: 2 });
    assert.equal(firstPage.result.items.length, 2);
    assert.deepEqual(firstPage.result.pagination, { totalCount: 3, maxPage: 2 });
  });

  test('tenancy: another merchant’s product is not found; an organization token works on its own', async () => {
    const owner = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    const product = await oneTime(owner.sdk, owner.organizationId);
    await expectError(stranger.sdk.products.get({ id: product.id }), ResourceNotFound);
    await expectError(stranger.sdk.products.update({ id: product.id, productUpdate: { name: 'Stolen' } }), ResourceNotFound);
    const strangerList = await collect(await stranger.sdk.products.list({ organizationId: owner.organizationId }));
    assert.deepEqual(strangerList, []);
    const forbidden = await expectError(oneTime(stranger.sdk, owner.organizationId), SDKError);
    assert.equal(forbidden.statusCode, 403);
    assert.equal(JSON.parse(forbidden.body).error, 'NotPermitted');

    const organizationSdk = floe.sdk(await floe.createOrganizationToken(owner.organizationId));
    const created = await organizationSdk.products.create({ name: 'Via org token', prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 700 }] });
    assert.equal(created.organizationId, owner.organizationId);
    const withOrganization = await expectError(oneTime(organizationSdk, owner.organizationId), HTTPValidationError);
    assert.equal(withOrganization.detail?.[0]?.type, 'organization_token');
  });

  test('metadata rules: at most 50 keys, keys 1–40 characters, values up to 500 characters', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`key${index}`, index]));
    await expectError(oneTime(sdk, organizationId, 'Many', 1000, tooMany), HTTPValidationError);
    await expectError(oneTime(sdk, organizationId, 'Long key', 1000, { ['k'.repeat(41)]: 'v' }), HTTPValidationError);
    await expectError(oneTime(sdk, organizationId, 'Long value', 1000, { key: 'v'.repeat(501) }), HTTPValidationError);
    const ok = await oneTime(sdk, organizationId, 'Fifty', 1000, Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`key${index}`, index])));
    assert.equal(Object.keys(ok.metadata).length, 50);
  });

  test('a listed page follows every catalog change, through the API or straight in the database', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await oneTime(sdk, organizationId, 'Cached', 700);
    const names = async () => (await sdk.products.list({ organizationId })).result.items.map((item) => item.name);
    assert.deepEqual(await names(), ['Cached']);
    assert.deepEqual(await names(), ['Cached']);
    await sdk.products.update({ id: product.id, productUpdate: { name: 'Renamed' } });
    assert.deepEqual(await names(), ['Renamed']);
    // Another process (here: SQL) changing an embedded benefit or a price is seen at once too.
    const benefitId = await insertBenefit(organizationId);
    await sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [benefitId] } });
    const described = async () => (await sdk.products.list({ organizationId })).result.items[0]?.benefits[0]?.description;
    assert.equal(await described(), 'Support');
    await floe.db.updateTable('benefits').set({ description: 'Priority support' }).where('id', '=', benefitId).execute();
    assert.equal(await described(), 'Priority support');
    await floe.db.updateTable('product_prices').set({ price_amount: 900 }).where('product_id', '=', product.id).execute();
    const [listed] = (await sdk.products.list({ organizationId })).result.items;
    assert.ok(listed && listed.prices[0] && 'priceAmount' in listed.prices[0]);
    assert.equal(listed.prices[0].priceAmount, 900);
  });
});
