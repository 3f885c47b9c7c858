// Repositories through the SDK: who sees which (anonymous: public only; members: their
// organization's private ones too; organization tokens: their own), filters, and profile settings
// updates with Polar's 404s, 403s and 422s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPValidationError, NotPermitted, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import { SDKError } from '@polar-sh/sdk/models/errors/sdkerror.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { linkGitHubAccount } from '../../../src/modules/external-organization/service.js';
import { startFakeGitHub } from '../external-organization/github-server.js';

const github = await startFakeGitHub();
const floe = await startTestApp({ FLOE_GITHUB_TOKEN: github.token, FLOE_GITHUB_API_URL: github.url });
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

github.addAccount({ id: 11, login: 'owner-org', type: 'Organization' }, [
  { id: 101, name: 'open-tool', stargazers_count: 50 },
  { id: 102, name: 'closed-tool', private: true, stargazers_count: 5 },
]);
github.addAccount({ id: 22, login: 'other-org', type: 'Organization' }, [
  { id: 201, name: 'their-open', stargazers_count: 9 },
  { id: 202, name: 'their-closed', private: true },
]);

const owner = await floe.createMerchant();
const other = await floe.createMerchant();
await linkGitHubAccount(floe.db, floe.config, owner.organizationId, 'owner-org');
await linkGitHubAccount(floe.db, floe.config, other.organizationId, 'other-org');
const ownerToken = await floe.createOrganizationToken(owner.organizationId, ['repositories:read', 'repositories:write']);

async function idOf(name: string): Promise<string> {
  const page = await owner.sdk.repositories.list({ name });
  if (page.result.items.length === 1) return page.result.items[0]!.id;
  const theirs = await other.sdk.repositories.list({ name });
  return theirs.result.items[0]!.id;
}

const names = (page: { result: { items: { name: string }[] } }) => page.result.items.map((item) => item.name).sort();

describe('repositories: visibility', () => {
  test('anonymous callers see public repositories only', async () => {
    const anonymous = floe.sdk();
    assert.deepEqual(names(await anonymous.repositories.list({})), ['open-tool', 'their-open']);
    await expectError(anonymous.repositories.get({ id: await idOf('closed-tool') }), ResourceNotFound);
    const open = await anonymous.repositories.get({ id: await idOf('open-tool') });
    assert.equal(open.name, 'open-tool');
    assert.equal(open.isPrivate, false);
    assert.equal(open.internalOrganization?.id, owner.organizationId);
    assert.deepEqual(open.profileSettings, { description: null, coverImageUrl: null, featuredOrganizations: null, highlightedSubscriptionTiers: null, links: null });
  });

  test('users see public repositories and their organizations\' private ones', async () => {
    assert.deepEqual(names(await owner.sdk.repositories.list({})), ['closed-tool', 'open-tool', 'their-open']);
    assert.deepEqual(names(await other.sdk.repositories.list({})), ['open-tool', 'their-closed', 'their-open']);
    await expectError(owner.sdk.repositories.get({ id: await idOf('their-closed') }), ResourceNotFound);
    assert.equal((await owner.sdk.repositories.get({ id: await idOf('their-open') })).name, 'their-open');
  });

  test('organization tokens see their own repositories only, private ones included', async () => {
    const sdk = floe.sdk(ownerToken);
    assert.deepEqual(names(await sdk.repositories.list({})), ['closed-tool', 'open-tool']);
    await expectError(sdk.repositories.get({ id: await idOf('their-open') }), ResourceNotFound);
    await expectError(sdk.repositories.get({ id: await idOf('their-closed') }), ResourceNotFound);
    assert.equal((await sdk.repositories.get({ id: await idOf('closed-tool') })).isPrivate, true);
  });

  test('unknown ids are not found; a malformed id or a token without the scope is refused', async () => {
    await expectError(owner.sdk.repositories.get({ id: UNKNOWN }), ResourceNotFound);
    await expectError(floe.sdk().repositories.get({ id: UNKNOWN }), ResourceNotFound);
    await expectError(owner.sdk.repositories.get({ id: 'not-a-uuid' }), HTTPValidationError);
    const unscoped = await floe.createOrganizationToken(owner.organizationId, ['products:read']);
    const refused = await expectError(floe.sdk(unscoped).repositories.list({}), SDKError);
    assert.equal(refused.statusCode, 403);
  });

  test('filters: name, external organization name, privacy, organization, platform; sorting', async () => {
    assert.deepEqual(names(await owner.sdk.repositories.list({ name: ['OPEN-TOOL', 'their-open'] })), ['open-tool', 'their-open']);
    assert.deepEqual(names(await owner.sdk.repositories.list({ externalOrganizationName: 'Owner-Org' })), ['closed-tool', 'open-tool']);
    assert.deepEqual(names(await owner.sdk.repositories.list({ isPrivate: true })), ['closed-tool']);
    assert.deepEqual(names(await owner.sdk.repositories.list({ isPrivate: false })), ['open-tool', 'their-open']);
    assert.deepEqual(names(await owner.sdk.repositories.list({ organizationId: other.organizationId })), ['their-open']);
    assert.deepEqual(names(await owner.sdk.repositories.list({ platform: 'github', organizationId: [owner.organizationId, other.organizationId] })), ['closed-tool', 'open-tool', 'their-open']);
    const byStars = await owner.sdk.repositories.list({ sorting: ['-stars'] });
    assert.deepEqual(byStars.result.items.map((item) => item.name), ['open-tool', 'their-open', 'closed-tool']);
    const paged = await owner.sdk.repositories.list({ sorting: ['name'], limit: 2, page: 2 });
    assert.deepEqual(paged.result.items.map((item) => item.name), ['their-open']);
    assert.deepEqual(paged.result.pagination, { totalCount: 3, maxPage: 2 });
    const invalid = await fetch(`${floe.baseUrl}/v1/repositories/?sorting=-color`);
    assert.equal(invalid.status, 422);
    const badPlatform = await fetch(`${floe.baseUrl}/v1/repositories/?platform=gitlab`);
    assert.equal(badPlatform.status, 422);
  });
});

describe('repositories: profile settings', () => {
  test('a member sets the description (trimmed) and cover only with their flags; links, featured organizations and tiers when sent', async () => {
    const id = await idOf('open-tool');
    const product = await owner.sdk.products.create({ name: 'Sponsor', organizationId: owner.organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 500, priceCurrency: 'usd', recurringInterval: 'month' }] });
    const updated = await owner.sdk.repositories.update({
      id,
      repositoryUpdate: {
        profileSettings: {
          setDescription: true,
          description: '  Our open tool  ',
          coverImageUrl: 'https://img.example/ignored.png',
          featuredOrganizations: [other.organizationId],
          highlightedSubscriptionTiers: [product.id],
          links: ['https://example.com', 'http://docs.example.com/guide'],
        },
      },
    });
    assert.deepEqual(updated.profileSettings, {
      description: 'Our open tool',
      coverImageUrl: null,
      featuredOrganizations: [other.organizationId],
      highlightedSubscriptionTiers: [product.id],
      links: ['https://example.com/', 'http://docs.example.com/guide'],
    });
    // Without its flag the description stays; with it, a null clears it. Unsent keys stay.
    const second = await floe.sdk(ownerToken).repositories.update({ id, repositoryUpdate: { profileSettings: { description: 'ignored', setCoverImageUrl: true, coverImageUrl: 'https://img.example/cover.png' } } });
    assert.equal(second.profileSettings?.description, 'Our open tool');
    assert.equal(second.profileSettings?.coverImageUrl, 'https://img.example/cover.png');
    assert.deepEqual(second.profileSettings?.links, ['https://example.com/', 'http://docs.example.com/guide']);
    const cleared = await owner.sdk.repositories.update({ id, repositoryUpdate: { profileSettings: { setDescription: true, description: null } } });
    assert.equal(cleared.profileSettings?.description, null);
    // Read back by anyone.
    assert.equal((await floe.sdk().repositories.get({ id })).profileSettings?.coverImageUrl, 'https://img.example/cover.png');
    // An empty update changes nothing.
    assert.deepEqual((await owner.sdk.repositories.update({ id, repositoryUpdate: {} })).profileSettings, cleared.profileSettings);
  });

  test('another organization\'s repository: 403 when readable (public), 404 when not; unknown ids 404', async () => {
    await expectError(owner.sdk.repositories.update({ id: await idOf('their-open'), repositoryUpdate: { profileSettings: { setDescription: true, description: 'mine now' } } }), NotPermitted);
    await expectError(owner.sdk.repositories.update({ id: await idOf('their-closed'), repositoryUpdate: { profileSettings: {} } }), ResourceNotFound);
    await expectError(floe.sdk(ownerToken).repositories.update({ id: await idOf('their-open'), repositoryUpdate: {} }), ResourceNotFound);
    await expectError(owner.sdk.repositories.update({ id: UNKNOWN, repositoryUpdate: {} }), ResourceNotFound);
    const unchanged = await other.sdk.repositories.get({ id: await idOf('their-open') });
    assert.equal(unchanged.profileSettings?.description, null);
    // Anonymous callers may not update at all.
    const anonymous = await fetch(`${floe.baseUrl}/v1/repositories/${await idOf('open-tool')}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(anonymous.status, 401);
  });

  test('referenced organizations and tiers must exist (and tiers be the linked organization\'s): 404', async () => {
    const id = await idOf('open-tool');
    await expectError(owner.sdk.repositories.update({ id, repositoryUpdate: { profileSettings: { featuredOrganizations: [UNKNOWN] } } }), ResourceNotFound);
    await expectError(owner.sdk.repositories.update({ id, repositoryUpdate: { profileSettings: { highlightedSubscriptionTiers: [UNKNOWN] } } }), ResourceNotFound);
    const theirProduct = await other.sdk.products.create({ name: 'Theirs', organizationId: other.organizationId, prices: [{ type: 'one_time', amountType: 'free' }] });
    await expectError(owner.sdk.repositories.update({ id, repositoryUpdate: { profileSettings: { highlightedSubscriptionTiers: [theirProduct.id] } } }), ResourceNotFound);
  });

  test('a repository whose account is linked to no organization cannot be updated: 404', async () => {
    const now = new Date();
    const externalOrganizationId = '11111111-1111-4111-8111-111111111111';
    await floe.db.insertInto('external_organizations').values({ id: externalOrganizationId, created_at: now, organization_id: null, platform: 'github', external_id: 999, name: 'unlinked', avatar_url: 'https://avatars.example/999', is_personal: false, bio: null, pretty_name: null, company: null, blog: null, location: null, email: null, twitter_username: null, synced_at: now, sync_attempted_at: now, sync_error: null }).execute();
    const repositoryId = '22222222-2222-4222-8222-222222222222';
    await floe.db.insertInto('repositories').values({ id: repositoryId, created_at: now, external_organization_id: externalOrganizationId, platform: 'github', external_id: 9991, name: 'orphan', description: null, stars: 0, forks: 0, open_issues: 0, watchers: 0, main_branch: 'main', topics: '[]', license: null, homepage: null, is_private: false, is_fork: false, is_archived: false, repository_pushed_at: null, repository_created_at: null, repository_modified_at: null }).execute();
    const orphan = await floe.sdk().repositories.get({ id: repositoryId });
    assert.equal(orphan.internalOrganization, null);
    assert.equal(orphan.organization.organizationId, null);
    await expectError(owner.sdk.repositories.update({ id: repositoryId, repositoryUpdate: { profileSettings: { setDescription: true, description: 'x' } } }), ResourceNotFound);
  });

  test('invalid profile settings are a 422 naming the field', async () => {
    const id = await idOf('open-tool');
    const patch = (body: unknown) => fetch(`${floe.baseUrl}/v1/repositories/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const cases: [unknown, (string | number)[]][] = [
      [{ profile_settings: { set_description: true, description: 'x'.repeat(241) } }, ['body', 'profile_settings', 'description']],
      [{ profile_settings: { highlighted_subscription_tiers: [UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN] } }, ['body', 'profile_settings', 'highlighted_subscription_tiers']],
      [{ profile_settings: { links: ['not a url'] } }, ['body', 'profile_settings', 'links', 0]],
      [{ profile_settings: { links: ['ftp://example.com/file'] } }, ['body', 'profile_settings', 'links', 0]],
      [{ profile_settings: { featured_organizations: ['nope'] } }, ['body', 'profile_settings', 'featured_organizations', 0]],
      [{ profile_settings: { set_description: 'yes please' } }, ['body', 'profile_settings', 'set_description']],
    ];
    for (const [body, loc] of cases) {
      const response = await patch(body);
      assert.equal(response.status, 422, JSON.stringify(body));
      const detail = ((await response.json()) as { detail: { loc: (string | number)[] }[] }).detail;
      assert.ok(detail.some((issue) => JSON.stringify(issue.loc) === JSON.stringify(loc)), `${JSON.stringify(body)}: ${JSON.stringify(detail)}`);
    }
    const viaSdk = await expectError(owner.sdk.repositories.update({ id, repositoryUpdate: { profileSettings: { setDescription: true, description: 'y'.repeat(300) } } }), HTTPValidationError);
    assert.ok(viaSdk.detail?.length);
    assert.equal((await owner.sdk.repositories.get({ id })).profileSettings?.description, null);
  });
});
