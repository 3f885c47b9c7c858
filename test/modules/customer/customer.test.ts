import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import { transaction } from '../../../src/kit/db.js';
import { upsertCustomerByEmail } from '../../../src/modules/customer/service.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

async function collect<T>(pages: AsyncIterable<{ result: { items: T[] } }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.result.items);
  return items;
}

describe('customers', () => {
  test('create, read, update, delete; email unique per organization whatever its case', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const customer = await sdk.customers.create({ email: 'Ada@Example.com', name: 'Ada', organizationId, billingAddress: { country: 'FR', city: 'Paris' }, taxId: ['FR61954506077', 'eu_vat'] });
    assert.equal(customer.email, 'Ada@Example.com');
    assert.equal(customer.billingAddress?.country, 'FR');
    assert.deepEqual(customer.taxId, ['FR61954506077', 'eu_vat']);
    assert.match(customer.avatarUrl, /^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{64}\?d=blank$/);
    const taken = await expectError(sdk.customers.create({ email: 'ada@example.com', organizationId }), HTTPValidationError);
    assert.deepEqual(taken.detail?.[0]?.loc, ['body', 'email']);
    await expectError(sdk.customers.create({ email: 'not-an-email', organizationId }), HTTPValidationError);
    const other = await sdk.customers.create({ email: 'grace@example.com', organizationId });
    await expectError(sdk.customers.update({ id: other.id, customerUpdate: { email: 'ADA@example.com' } }), HTTPValidationError);
    const updated = await sdk.customers.update({ id: customer.id, customerUpdate: { name: 'Ada Lovelace' } });
    assert.equal(updated.name, 'Ada Lovelace');
    assert.equal((await sdk.customers.get({ id: customer.id })).name, 'Ada Lovelace');
    await sdk.customers.delete({ id: customer.id });
    await expectError(sdk.customers.get({ id: customer.id }), ResourceNotFound);
    // The email is free again once its customer is gone.
    await sdk.customers.create({ email: 'ada@example.com', organizationId });
    const stranger = await floe.createMerchant();
    await stranger.sdk.customers.create({ email: 'grace@example.com', organizationId: stranger.organizationId });
    await expectError(stranger.sdk.customers.get({ id: other.id }), ResourceNotFound);
    await expectError(stranger.sdk.customers.delete({ id: other.id }), ResourceNotFound);
  });

  test('list by query, sorted and paged; only the organization’s own', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    for (const [email, name] of [['b@example.com', 'Bob'], ['a@example.com', 'Alice'], ['c@example.com', 'Carol']] as const) {
      await sdk.customers.create({ email, name, organizationId });
    }
    assert.deepEqual((await collect(await sdk.customers.list({ organizationId, sorting: ['email'] }))).map((customer) => customer.name), ['Alice', 'Bob', 'Carol']);
    assert.deepEqual((await collect(await sdk.customers.list({ organizationId, query: 'car' }))).map((customer) => customer.email), ['c@example.com']);
    assert.equal((await sdk.customers.list({ organizationId, limit: 2 })).result.pagination.maxPage, 2);
    const stranger = await floe.createMerchant();
    assert.equal((await collect(await stranger.sdk.customers.list({}))).length, 0);
  });

  test('a checkout’s customer is found or created by email, once, under concurrency', async () => {
    const { organizationId } = await floe.createMerchant();
    const customers = await Promise.all(Array.from({ length: 10 }, () => transaction(floe.db, (trx) => upsertCustomerByEmail(trx, organizationId, { email: 'Same@Example.com' }))));
    assert.equal(new Set(customers.map((customer) => customer.id)).size, 1);
    const named = await transaction(floe.db, (trx) => upsertCustomerByEmail(trx, organizationId, { email: 'same@example.com', name: 'Sam' }));
    assert.equal(named.id, customers[0]!.id);
    assert.equal(named.name, 'Sam');
    // What a later checkout gives replaces what was known; what it leaves out is kept.
    const addressed = await transaction(floe.db, (trx) => upsertCustomerByEmail(trx, organizationId, { email: 'SAME@example.com', billingAddress: { country: 'FR' } }));
    assert.equal(addressed.id, named.id);
    assert.equal(addressed.name, 'Sam');
    assert.deepEqual(addressed.billing_address, { country: 'FR' });
    assert.ok(addressed.modified_at);
  });
});

describe('customer sessions', () => {
  test('a session token signs the customer in, sees nothing of the merchant API, and links to the portal', async () => {
    const { sdk, organizationId } = await floe.createMerchant({ slug: `shop-${Date.now()}` });
    const customer = await sdk.customers.create({ email: 'buyer@example.com', organizationId });
    const session = await sdk.customerSessions.create({ customerId: customer.id });
    assert.match(session.token, /^polar_cst_[A-Za-z0-9]{43}$/);
    assert.equal(session.customerId, customer.id);
    assert.equal(session.customer.email, 'buyer@example.com');
    assert.ok(session.customerPortalUrl.startsWith(`${floe.baseUrl}/shop-`));
    assert.ok(session.customerPortalUrl.endsWith(`/portal?customer_session_token=${session.token}`));
    assert.ok(session.expiresAt.getTime() > Date.now() + 50 * 60 * 1000);
    const stored = await floe.db.selectFrom('customer_sessions').select('token_hash').where('id', '=', session.id).executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, session.token);
    const resolved = await floe.context.authenticator.resolve(`Bearer ${session.token}`);
    assert.deepEqual(resolved && resolved.kind === 'customer' ? resolved.customerId : null, customer.id);
    const asCustomer = floe.sdk(session.token);
    const refused = await asCustomer.customers.list({}).then(() => null, (error: unknown) => error as { statusCode?: number });
    assert.equal(refused?.statusCode, 401);

    const stranger = await floe.createMerchant();
    const error = await expectError(stranger.sdk.customerSessions.create({ customerId: customer.id }), HTTPValidationError);
    assert.deepEqual(error.detail?.[0]?.loc, ['body', 'customer_id']);
  });
});
