// Linking GitHub accounts: read through GitHub's REST API (a local server answering as GitHub
// does), stored, served by /v1/external_organizations and /v1/repositories, refreshed, and left as
// they were when GitHub fails or refuses for its rate limit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../../helpers/app.js';
import { callApi, IntegrationError, RateLimitError } from '../../../src/modules/benefit/integrations.js';
import { GitHubAccountNotFound, nextPageOf } from '../../../src/modules/external-organization/github.js';
import { refreshDueExternalOrganizations } from '../../../src/modules/external-organization/jobs.js';
import { linkGitHubAccount } from '../../../src/modules/external-organization/service.js';
import { BadRequest } from '../../../src/kit/errors.js';
import { startFakeGitHub } from './github-server.js';

const github = await startFakeGitHub();
const floe = await startTestApp({ FLOE_GITHUB_TOKEN: github.token, FLOE_GITHUB_API_URL: github.url });

github.addAccount(
  { id: 1001, login: 'Acme-Labs', type: 'Organization', name: 'Acme Labs', description: 'Tools for builders', blog: 'https://acme.example', location: 'Berlin', email: 'hi@acme.example', twitter_username: 'acmelabs' },
  [
    { id: 5001, name: 'rocket', description: 'A rocket', stargazers_count: 120, license: { key: 'mit', name: 'MIT License' }, homepage: 'https://rocket.example', topics: ['space'] },
    { id: 5002, name: 'anvil', stargazers_count: 7 },
    { id: 5003, name: 'secret-plans', private: true, stargazers_count: 1 },
    { id: 5004, name: 'blueprints', stargazers_count: 40 },
    { id: 5005, name: 'dynamite', stargazers_count: 3 },
  ],
);
github.addAccount({ id: 2002, login: 'wile', type: 'User', name: 'Wile E.', bio: 'Genius', company: '' }, [{ id: 6001, name: 'traps', stargazers_count: 2 }]);

describe('external organizations', () => {
  test('a GitHub organization is read with every page of its repositories, stored, and listed', async () => {
    const merchant = await floe.createMerchant();
    const { externalOrganization, repositories } = await linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'acme-labs');
    assert.deepEqual(repositories, { stored: 5, removed: 0 });
    assert.equal(externalOrganization.name, 'Acme-Labs');
    // Three pages of two, followed by the Link header's next URLs; the token sent as a bearer.
    assert.deepEqual(github.requests.filter((request) => request.includes('/repos')), [
      'GET /orgs/Acme-Labs/repos?type=all&per_page=100',
      'GET /orgs/Acme-Labs/repos?type=all&per_page=100&page=2',
      'GET /orgs/Acme-Labs/repos?type=all&per_page=100&page=3',
    ]);

    const anonymous = floe.sdk();
    const listed = await anonymous.externalOrganizations.list({ name: 'ACME-LABS' });
    assert.equal(listed.result.pagination.totalCount, 1);
    assert.deepEqual(listed.result.items[0], {
      id: externalOrganization.id,
      platform: 'github',
      name: 'Acme-Labs',
      avatarUrl: 'https://avatars.githubusercontent.com/u/1001?v=4',
      isPersonal: false,
      bio: 'Tools for builders',
      prettyName: 'Acme Labs',
      company: null,
      blog: 'https://acme.example',
      location: 'Berlin',
      email: 'hi@acme.example',
      twitterUsername: 'acmelabs',
      organizationId: merchant.organizationId,
    });
    assert.equal((await anonymous.externalOrganizations.list({ platform: 'github', organizationId: merchant.organizationId })).result.items.length, 1);
    assert.equal((await anonymous.externalOrganizations.list({ name: 'nobody' })).result.items.length, 0);

    // Organization tokens see only the accounts linked to them.
    const ownToken = await floe.createOrganizationToken(merchant.organizationId, ['external_organizations:read']);
    assert.deepEqual((await floe.sdk(ownToken).externalOrganizations.list({})).result.items.map((item) => item.name), ['Acme-Labs']);
    const stranger = await floe.createMerchant();
    const strangerToken = await floe.createOrganizationToken(stranger.organizationId, ['external_organizations:read']);
    assert.equal((await floe.sdk(strangerToken).externalOrganizations.list({})).result.items.length, 0);

    const publicRepositories = await anonymous.repositories.list({ externalOrganizationName: 'acme-labs', sorting: ['-stars'] });
    assert.deepEqual(publicRepositories.result.items.map((item) => item.name), ['rocket', 'blueprints', 'anvil', 'dynamite']);
    const rocket = publicRepositories.result.items[0]!;
    assert.equal(rocket.description, 'A rocket');
    assert.equal(rocket.license, 'MIT License');
    assert.equal(rocket.homepage, 'https://rocket.example');
    assert.equal(rocket.stars, 120);
    assert.equal(rocket.organization.id, externalOrganization.id);
    assert.equal(rocket.internalOrganization?.id, merchant.organizationId);
  });

  test('a GitHub user is read through /users, its bio kept; a missing account or one linked elsewhere is refused', async () => {
    const merchant = await floe.createMerchant();
    const { externalOrganization, repositories } = await linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'wile');
    assert.equal(externalOrganization.is_personal, true);
    assert.equal(externalOrganization.bio, 'Genius');
    assert.equal(externalOrganization.company, null);
    assert.deepEqual(repositories, { stored: 1, removed: 0 });
    assert.ok(github.requests.includes('GET /users/wile/repos?type=owner&per_page=100'));

    await assert.rejects(linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'no-such-account'), (error: unknown) => {
      assert.ok(error instanceof GitHubAccountNotFound);
      assert.match(error.message, /GitHub has no user or organization named "no-such-account"/);
      return true;
    });
    const other = await floe.createMerchant();
    await assert.rejects(linkGitHubAccount(floe.db, floe.config, other.organizationId, 'wile'), (error: unknown) => {
      assert.ok(error instanceof BadRequest);
      assert.match(error.message, /already linked to another organization/);
      return true;
    });
    // Linking again to the same organization reads it again.
    const again = await linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'WILE');
    assert.equal(again.externalOrganization.id, externalOrganization.id);
  });

  test('a refresh stores what GitHub has now, keeps Floe\'s profile settings, and marks repositories gone', async () => {
    const merchant = await floe.createMerchant();
    github.addAccount({ id: 3003, login: 'roadrunner', type: 'Organization', name: 'Road Runner' }, [
      { id: 7001, name: 'beep', stargazers_count: 10 },
      { id: 7002, name: 'meep', stargazers_count: 5 },
    ]);
    await linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'roadrunner');
    const before = await merchant.sdk.repositories.list({ externalOrganizationName: 'roadrunner', sorting: ['name'] });
    const beep = before.result.items[0]!;
    await merchant.sdk.repositories.update({ id: beep.id, repositoryUpdate: { profileSettings: { setDescription: true, description: 'Fast' } } });

    github.addAccount({ id: 3003, login: 'roadrunner', type: 'Organization', name: 'The Road Runner' }, [
      { id: 7001, name: 'beep-beep', stargazers_count: 11 },
      { id: 7003, name: 'zoom', stargazers_count: 1 },
    ]);
    const refreshed = await refreshDueExternalOrganizations(floe.context, { intervalMs: 0 });
    assert.ok(refreshed >= 1);
    const after = await merchant.sdk.repositories.list({ externalOrganizationName: 'roadrunner', sorting: ['name'] });
    assert.deepEqual(after.result.items.map((item) => [item.name, item.stars]), [['beep-beep', 11], ['zoom', 1]]);
    const renamed = after.result.items[0]!;
    assert.equal(renamed.id, beep.id);
    assert.equal(renamed.profileSettings?.description, 'Fast');
    assert.equal(renamed.organization.prettyName, 'The Road Runner');
  });

  test('a GitHub that fails or refuses for its rate limit leaves the stored data as it was and says why', async () => {
    const merchant = await floe.createMerchant();
    github.addAccount({ id: 4004, login: 'coyote', type: 'Organization', name: 'Coyote' }, [
      { id: 8001, name: 'one' },
      { id: 8002, name: 'two' },
      { id: 8003, name: 'three' },
    ]);
    await linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'coyote');
    const stored = async () => (await floe.sdk().repositories.list({ externalOrganizationName: 'coyote', sorting: ['name'] })).result.items.map((item) => item.name);
    assert.deepEqual(await stored(), ['one', 'three', 'two']);

    // The second page fails: nothing of the first is stored either.
    github.addAccount({ id: 4004, login: 'coyote', type: 'Organization', name: 'Coyote' }, [{ id: 8001, name: 'uno' }, { id: 8002, name: 'dos' }, { id: 8004, name: 'tres' }]);
    github.failing.add('/orgs/coyote/repos?type=all&per_page=100&page=2');
    await assert.rejects(linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'coyote'), (error: unknown) => {
      assert.ok(error instanceof IntegrationError);
      assert.match(error.message, /GET \/orgs\/coyote\/repos\?type=all&per_page=100&page=2 answered 500: Server Error/);
      return true;
    });
    assert.deepEqual(await stored(), ['one', 'three', 'two']);
    github.failing.clear();

    for (const status of [403, 429] as const) {
      github.rateLimited = status;
      await assert.rejects(linkGitHubAccount(floe.db, floe.config, merchant.organizationId, 'coyote'), (error: unknown) => {
        assert.ok(error instanceof RateLimitError);
        assert.match(error.message, /refused for the rate limit/);
        assert.ok(error.resetAt && error.resetAt.getTime() > Date.now());
        return true;
      });

      // The refresh logs why, keeps the reason on the account, and stops its sweep.
      const warnings: string[] = [];
      const log = Object.create(floe.context.log, { warn: { value: (_fields: unknown, message: string) => warnings.push(message) }, info: { value: () => {} } });
      const refreshed = await refreshDueExternalOrganizations({ ...floe.context, log }, { intervalMs: 0 });
      assert.equal(refreshed, 0);
      assert.equal(warnings.length, 1, 'one refusal ends the sweep');
      assert.match(warnings[0]!, /github refresh of .+ failed, kept what was stored: GET \/users\/.+ was refused for the rate limit/);
      assert.deepEqual(await stored(), ['one', 'three', 'two']);
      const row = await floe.db.selectFrom('external_organizations').select(['sync_error']).where('sync_error', 'is not', null).execute();
      assert.ok(row.some((account) => /rate limit/.test(account.sync_error ?? '')));
    }
    github.rateLimited = null;

    // Once GitHub answers again, the refresh stores the new state and clears the reason.
    await refreshDueExternalOrganizations(floe.context, { intervalMs: 0 });
    assert.deepEqual(await stored(), ['dos', 'tres', 'uno']);
    const coyote = await floe.db.selectFrom('external_organizations').select(['sync_error', 'synced_at']).where('name', '=', 'coyote').executeTakeFirstOrThrow();
    assert.equal(coyote.sync_error, null);
  });

  test('the Link header: only rel="next" is followed, and never outside the GitHub API', async () => {
    assert.equal(nextPageOf('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'), 'https://api.github.com/x?page=2');
    assert.equal(nextPageOf('<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=1>; rel="prev"'), null);
    assert.equal(nextPageOf(null), null);
    await assert.rejects(callApi({ token: 't', apiUrl: github.url }, 'Bearer t', 'GET', 'https://elsewhere.example/steal'), /refusing to follow/);
  });
});
