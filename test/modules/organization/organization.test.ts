import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, NotPermitted, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';

const floe = await startTestApp();

async function collect<T>(pages: AsyncIterable<{ result: { items: T[] } }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.result.items);
  return items;
}

describe('organizations', () => {
  test('a user creates an organization, becomes its member, and reads it back', async () => {
    const merchant = await floe.createMerchant();
    const created = await merchant.sdk.organizations.create({ name: 'Acme Inc', slug: 'Acme-Tools' });
    assert.equal(created.slug, 'acme-tools');
    assert.equal(created.name, 'Acme Inc');
    assert.equal(created.pledgeMinimumAmount, 2000);
    assert.equal(created.featureSettings?.issueFundingEnabled, false);
    assert.equal(created.modifiedAt, null);

    const fetched = await merchant.sdk.organizations.get({ id: created.id });
    assert.equal(fetched.id, created.id);
    const listed = await collect(await merchant.sdk.organizations.list({ slug: 'acme-tools' }));
    assert.deepEqual(listed.map((organization) => organization.id), [created.id]);
  });

  test('slugs are validated, reserved words refused, and unique', async () => {
    const merchant = await floe.createMerchant();
    for (const slug of ['has space', 'dashboard', 'ab']) {
      const error = await expectError(merchant.sdk.organizations.create({ name: 'Name', slug }), HTTPValidationError);
      assert.deepEqual(error.detail?.[0]?.loc, ['body', 'slug'], `slug "${slug}"`);
    }
    await merchant.sdk.organizations.create({ name: 'First', slug: 'taken-slug' });
    const other = await floe.createMerchant();
    const error = await expectError(other.sdk.organizations.create({ name: 'Second', slug: 'TAKEN-slug' }), HTTPValidationError);
    assert.equal(error.detail?.[0]?.msg, 'An organization with this slug already exists.');
  });

  test('an organization of another tenant is not found, for reads and updates', async () => {
    const owner = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    await assert.rejects(stranger.sdk.organizations.get({ id: owner.organizationId }), ResourceNotFound);
    await assert.rejects(
      stranger.sdk.organizations.update({ id: owner.organizationId, organizationUpdate: { name: 'Hijacked' } }),
      ResourceNotFound,
    );
    const strangerList = await collect(await stranger.sdk.organizations.list({}));
    assert.ok(strangerList.every((organization) => organization.id !== owner.organizationId));
  });

  test('update changes fields, merges profile settings, and checks spending limits', async () => {
    const merchant = await floe.createMerchant({ keepEvents: true });
    const id = merchant.organizationId;
    const updated = await merchant.sdk.organizations.update({
      id,
      organizationUpdate: { name: 'Renamed', profileSettings: { description: 'Hello', accentColor: '#fff' } },
    });
    assert.equal(updated.name, 'Renamed');
    assert.ok(updated.modifiedAt instanceof Date);
    assert.equal(updated.profileSettings?.description, 'Hello');
    const merged = await merchant.sdk.organizations.update({ id, organizationUpdate: { profileSettings: { enabled: true } } });
    assert.equal(merged.profileSettings?.description, 'Hello');
    assert.equal(merged.profileSettings?.enabled, true);

    await assert.rejects(
      merchant.sdk.organizations.update({ id, organizationUpdate: { perUserMonthlySpendingLimit: 100 } }),
      HTTPValidationError,
    );
    await assert.rejects(
      merchant.sdk.organizations.update({ id, organizationUpdate: { totalMonthlySpendingLimit: 50, perUserMonthlySpendingLimit: 100 } }),
      HTTPValidationError,
    );
    await assert.rejects(merchant.sdk.organizations.update({ id, organizationUpdate: { name: 'ab' } }), HTTPValidationError);

    const events = await floe.db.selectFrom('events').select(['type', 'payload']).where('organization_id', '=', id).execute();
    assert.ok(events.some((event) => event.type === 'organization.updated'));
  });

  test('an organization token sees only its organization and cannot create organizations', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const token = await floe.createOrganizationToken(merchant.organizationId);
    const sdk = floe.sdk(token);
    assert.ok(token.startsWith('polar_oat_'));
    const listed = await collect(await sdk.organizations.list({}));
    assert.deepEqual(listed.map((organization) => organization.id), [merchant.organizationId]);
    await assert.rejects(sdk.organizations.get({ id: other.organizationId }), ResourceNotFound);
    const error = await expectError(sdk.organizations.create({ name: 'Nope', slug: 'nope-org' }), SDKError);
    assert.equal(error.statusCode, 401);
  });

  test('scopes are enforced: a read-only token cannot update', async () => {
    const merchant = await floe.createMerchant({ scopes: ['organizations:read'] });
    await merchant.sdk.organizations.get({ id: merchant.organizationId });
    const error = await expectError(
      merchant.sdk.organizations.update({ id: merchant.organizationId, organizationUpdate: { name: 'Changed' } }),
      NotPermitted,
    );
    assert.match(error.detail, /higher privileges/);
  });
});
