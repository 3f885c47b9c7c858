// The API conventions every module shares: errors, pagination, sorting, body limits, platform routes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { HTTPValidationError, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import { startTestApp } from '../helpers/app.js';
import { expectError } from '../helpers/errors.js';

const floe = await startTestApp();

async function request(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(`${floe.baseUrl}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('errors', () => {
  test('no token on a protected route: 401 Unauthorized in Polar shape, exactly application/json', async () => {
    const response = await request('/v1/organizations/');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(response.body, { error: 'Unauthorized', detail: 'Unauthorized' });
    assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
  });

  test('an unknown token is 401 with the invalid_token challenge', async () => {
    const response = await request('/v1/organizations/', { token: 'polar_pat_doesnotexist' });
    assert.equal(response.status, 401);
    assert.equal(response.body?.error, 'Unauthorized');
    assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  test('an unknown route is a 404 ResourceNotFound', async () => {
    const response = await request('/v1/nothing-here');
    assert.equal(response.status, 404);
    assert.equal(response.body?.error, 'ResourceNotFound');
  });

  test('a malformed path id is a 422 on path', async () => {
    const merchant = await floe.createMerchant();
    const response = await request('/v1/organizations/not-a-uuid', { token: merchant.token });
    assert.equal(response.status, 422);
    assert.equal(response.body?.error, 'RequestValidationError');
    const [issue] = response.body?.detail as { type: string; loc: unknown[]; msg: string; input: unknown }[];
    assert.deepEqual(issue?.loc, ['path', 'id']);
    assert.equal(issue?.type, 'uuid_parsing');
    assert.equal(issue?.input, 'not-a-uuid');
  });

  test('malformed JSON, a missing body, a wrong type: 422 with a detail list, never 500', async () => {
    const merchant = await floe.createMerchant();
    const post = (body: string | undefined, contentType = 'application/json') =>
      request('/v1/organizations/', { method: 'POST', token: merchant.token, body, headers: body === undefined ? {} : { 'content-type': contentType } });
    for (const body of ['{broken', '', '[]', '{"name": 5, "slug": ["x"]}', 'null']) {
      const response = await post(body);
      assert.equal(response.status, 422, `body ${JSON.stringify(body)}: ${response.text}`);
      assert.ok(Array.isArray(response.body?.detail));
    }
    const wrongType = await post('name=x', 'application/x-www-form-urlencoded');
    assert.ok(wrongType.status >= 400 && wrongType.status < 500, wrongType.text);
    assert.ok(typeof wrongType.body?.error === 'string');
  });

  test('a body over 1 MiB is refused with 413', async () => {
    const merchant = await floe.createMerchant();
    const response = await request('/v1/organizations/', {
      method: 'POST',
      token: merchant.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), slug: 'big-one' }),
    });
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('content-type'), 'application/json');
  });

  test('the SDK surfaces 404 and 422 as its error classes', async () => {
    const merchant = await floe.createMerchant();
    await expectError(merchant.sdk.organizations.get({ id: randomUUID() }), ResourceNotFound);
    const error = await expectError(merchant.sdk.organizations.get({ id: 'nope' }), HTTPValidationError);
    assert.deepEqual(error.detail?.[0]?.loc, ['path', 'id']);
  });
});

describe('pagination and sorting', () => {
  test('limit is clamped to 100, max_page follows, pages past the end are empty', async () => {
    const merchant = await floe.createMerchant();
    // 120 more organizations for this user, inserted directly: the list is what is under test.
    await sql`
      WITH created AS (
        INSERT INTO organizations (id, name, slug, created_at)
        SELECT gen_random_uuid(), 'Bulk ' || n, 'bulk-' || n || '-' || ${merchant.userId.slice(0, 8)}, now() - n * interval '1 second'
        FROM generate_series(1, 120) n RETURNING id
      )
      INSERT INTO user_organizations (user_id, organization_id) SELECT ${merchant.userId}, id FROM created`.execute(floe.db);
    // Memberships are cached with the token for a moment; forget so this process sees the new ones now.
    floe.context.authenticator.forget();

    const clamped = await request('/v1/organizations/?limit=1000', { token: merchant.token });
    assert.equal(clamped.status, 200);
    assert.equal((clamped.body?.items as unknown[]).length, 100);
    assert.deepEqual(clamped.body?.pagination, { total_count: 121, max_page: 2 });

    const second = await request('/v1/organizations/?limit=100&page=2', { token: merchant.token });
    assert.equal((second.body?.items as unknown[]).length, 21);
    const past = await request('/v1/organizations/?limit=100&page=5', { token: merchant.token });
    assert.deepEqual(past.body?.items, []);
    assert.deepEqual(past.body?.pagination, { total_count: 121, max_page: 2 });

    const small = await request('/v1/organizations/', { token: merchant.token });
    assert.equal((small.body?.items as unknown[]).length, 10);
    assert.equal((small.body?.pagination as { max_page: number }).max_page, 13);

    for (const query of ['page=0', 'limit=0', 'page=-1', 'limit=abc']) {
      const response = await request(`/v1/organizations/?${query}`, { token: merchant.token });
      assert.equal(response.status, 422, query);
      const [issue] = response.body?.detail as { loc: string[] }[];
      assert.equal(issue?.loc[0], 'query');
    }
  });

  test('sorting is repeatable, "-" descends, and unknown fields are a 422', async () => {
    const merchant = await floe.createMerchant();
    for (const slug of ['sort-b', 'sort-a', 'sort-c']) await merchant.sdk.organizations.create({ name: `Name ${slug}`, slug: `${slug}-${merchant.userId.slice(0, 6)}` });
    const slugs = async (sorting: string) => {
      const response = await request(`/v1/organizations/?${sorting}`, { token: merchant.token });
      assert.equal(response.status, 200, response.text);
      return (response.body?.items as { slug: string }[]).map((organization) => organization.slug.split('-').slice(0, 2).join('-'));
    };
    assert.deepEqual((await slugs('sorting=name')).filter((slug) => slug.startsWith('sort')), ['sort-a', 'sort-b', 'sort-c']);
    assert.deepEqual((await slugs('sorting=-name')).filter((slug) => slug.startsWith('sort')), ['sort-c', 'sort-b', 'sort-a']);
    assert.deepEqual((await slugs('sorting=-created_at&sorting=name')).filter((slug) => slug.startsWith('sort')), ['sort-c', 'sort-a', 'sort-b']);
    const bad = await request('/v1/organizations/?sorting=color', { token: merchant.token });
    assert.equal(bad.status, 422);
    const issues = bad.body?.detail as { type: string; loc: unknown[] }[];
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]?.loc, ['query', 'sorting', 0]);
    assert.equal(issues[0]?.type, 'enum');
  });
});

describe('platform routes', () => {
  test('healthz answers once the database does', async () => {
    const response = await request('/healthz');
    assert.equal(response.status, 200);
  });

  test('openapi.json is OpenAPI 3.1 with every route, and /docs renders it', async () => {
    const response = await request('/openapi.json');
    assert.equal(response.status, 200);
    assert.equal(response.body?.openapi, '3.1.0');
    const paths = response.body?.paths as Record<string, Record<string, { operationId?: string }>>;
    assert.ok(paths['/v1/organizations/']?.get);
    assert.ok(paths['/v1/organizations/{id}']?.patch);
    const docs = await fetch(`${floe.baseUrl}/docs`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger|openapi/i);
  });
});
