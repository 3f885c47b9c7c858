// `floe github link` as an operator runs it: against GitHub's REST API (a local server answering as
// GitHub does), with a clear error and nothing changed when GitHub fails or rate-limits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Polar } from '@polar-sh/sdk';
import { createTestDatabase } from '../../helpers/database.js';
import { runFloe } from '../../helpers/cli.js';
import { startFakeGitHub } from './github-server.js';


const database = await createTestDatabase();
after(() => database.drop());
const github = await startFakeGitHub();
github.addAccount({ id: 31, login: 'cli-org', type: 'Organization', name: 'CLI Org' }, [
  { id: 3101, name: 'alpha' },
  { id: 3102, name: 'beta' },
  { id: 3103, name: 'gamma', private: true },
]);

describe('floe github link', () => {
  test('links a GitHub organization and its repositories; failures exit 1 saying why and change nothing', async () => {
    const base = { DATABASE_URL: database.url, FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-cli-')), FLOE_SECRET: 'cli-test-secret-0123456789' };
    const environment = { ...base, FLOE_GITHUB_TOKEN: github.token, FLOE_GITHUB_API_URL: github.url };
    const bootstrap = await runFloe(['bootstrap', '--email', 'gh@example.com', '--org-name', 'GitHub Org', '--org-slug', 'gh-org', '--json'], environment);
    assert.equal(bootstrap.code, 0, bootstrap.stderr);
    const { organization_id: organizationId, token } = JSON.parse(bootstrap.stdout) as { organization_id: string; token: string };

    const linked = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org', '--json'], environment);
    assert.equal(linked.code, 0, linked.stderr);
    const result = JSON.parse(linked.stdout) as { external_organization_id: string; name: string; organization_id: string; repositories: number; removed: number };
    assert.equal(result.name, 'cli-org');
    assert.equal(result.organization_id, organizationId);
    assert.equal(result.repositories, 3);
    const text = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], environment);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, 'linked GitHub organization cli-org to gh-org: 3 repositories stored, 0 removed\n');

    // What the API then serves (a Floe started on the same database).
    const serve = spawn(process.execPath, ['bin/floe.js', 'serve'], { env: { ...process.env, ...environment, PORT: '0', FLOE_LOG_LEVEL: 'info' } });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        serve.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        serve.on('exit', () => reject(new Error(`serve exited: ${output}`)));
      });
      const sdk = new Polar({ accessToken: token, serverURL: `http://127.0.0.1:${port}` });
      const repositories = await sdk.repositories.list({ externalOrganizationName: 'cli-org', sorting: ['name'] });
      assert.deepEqual(repositories.result.items.map((item) => item.name), ['alpha', 'beta', 'gamma']);
      const anonymous = new Polar({ serverURL: `http://127.0.0.1:${port}` });
      assert.deepEqual((await anonymous.repositories.list({ sorting: ['name'] })).result.items.map((item) => item.name), ['alpha', 'beta']);
      assert.equal((await anonymous.externalOrganizations.list({})).result.items[0]?.organizationId, organizationId);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('exit', resolve));
    }

    const count = async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<{ count: string }>('SELECT count(*) FROM repositories WHERE deleted_at IS NULL')).rows[0]!.count;
      } finally {
        await client.end();
      }
    };
    github.addAccount({ id: 31, login: 'cli-org', type: 'Organization' }, [{ id: 3101, name: 'alpha' }]);
    github.rateLimited = 403;
    const limited = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], environment);
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /github link failed, nothing was changed: GET \/users\/cli-org was refused for the rate limit \(403: API rate limit exceeded.*\); it resets at \d{4}-/);
    github.rateLimited = 429;
    const secondary = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], environment);
    assert.equal(secondary.code, 1);
    assert.match(secondary.stderr, /refused for the rate limit \(429/);
    github.rateLimited = null;
    github.failing.add('/orgs/cli-org/repos?type=all&per_page=100');
    const failing = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], environment);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /answered 500: Server Error/);
    github.failing.clear();
    assert.equal(await count(), '3');

    const missing = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'nobody-here'], environment);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /GitHub has no user or organization named "nobody-here"/);
    const noSlug = await runFloe(['github', 'link', '--org-slug', 'no-such-org', '--github-org', 'cli-org'], environment);
    assert.equal(noSlug.code, 1);
    assert.match(noSlug.stderr, /no organization with slug "no-such-org"/);
    const noOption = await runFloe(['github', 'link', '--org-slug', 'gh-org'], environment);
    assert.equal(noOption.code, 1);
    assert.match(noOption.stderr, /--github-org is required/);
    const badToken = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], { ...environment, FLOE_GITHUB_TOKEN: 'wrong' });
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /answered 401: Bad credentials/);
    const unconfigured = await runFloe(['github', 'link', '--org-slug', 'gh-org', '--github-org', 'cli-org'], base);
    assert.equal(unconfigured.code, 1);
    assert.match(unconfigured.stderr, /GitHub is not configured: set FLOE_GITHUB_TOKEN/);
    assert.equal(await count(), '3');

    const usage = await runFloe(['help'], base);
    assert.match(usage.stdout, /github link .*\n\s+--org-slug S --github-org NAME/);
  });
});
