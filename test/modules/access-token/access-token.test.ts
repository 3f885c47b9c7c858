// Organization access tokens (Polar's later API, not in SDK 0.21: plain HTTP): created by members,
// shown once, listed without their value, revoked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../../helpers/app.js';
import { until } from '../../helpers/purchase.js';

const floe = await startTestApp();

const call = floe.call;

const BASE = '/v1/organization-access-tokens/';

describe('organization access tokens', () => {
  test('a member creates a token, shown once, that acts as the organization with its scopes', async () => {
    const merchant = await floe.createMerchant();
    const before = Date.now();
    const created = await call(merchant.token, 'POST', BASE, { organization_id: merchant.organizationId, comment: 'CI deploys', scopes: ['products:read'], expires_in: 3600 });
    assert.equal(created.status, 201);
    const { organization_access_token: record, token } = created.body;
    assert.match(token, /^polar_oat_[0-9A-Za-z]{43}$/);
    assert.equal(record.organization_id, merchant.organizationId);
    assert.equal(record.comment, 'CI deploys');
    assert.deepEqual(record.scopes, ['products:read']);
    assert.equal(record.last_used_at, null);
    const expiresAt = Date.parse(record.expires_at);
    assert.ok(expiresAt >= before + 3600_000 - 1000 && expiresAt <= Date.now() + 3600_000 + 1000);
    assert.ok(!JSON.stringify(record).includes(token));

    // Stored as its HMAC only.
    const stored = await floe.db.selectFrom('access_tokens').select('token_hash').where('id', '=', record.id).executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token);

    const listed = await call(merchant.token, 'GET', `${BASE}?organization_id=${merchant.organizationId}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.items.map((item: { id: string }) => item.id), [record.id]);
    assert.ok(!JSON.stringify(listed.body).includes(token));
    assert.equal(listed.body.items[0].token, undefined);

    const products = await call(token, 'GET', '/v1/products/');
    assert.equal(products.status, 200);
    const write = await call(token, 'POST', '/v1/products/', { name: 'Nope', prices: [{ amount_type: 'free' }] });
    assert.equal(write.status, 403);
  });

  test('a token without an expiry never expires; organization_id comes from the only rule there is', async () => {
    const merchant = await floe.createMerchant();
    const created = await call(merchant.token, 'POST', BASE, { organization_id: merchant.organizationId, comment: '', scopes: [] });
    assert.equal(created.status, 201);
    assert.equal(created.body.organization_access_token.expires_at, null);

    const missing = await call(merchant.token, 'POST', BASE, { comment: 'x', scopes: [] });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.detail[0].loc, ['body', 'organization_id']);
  });

  test('unknown and reserved scopes, bad expiries and foreign organizations are 422', async () => {
    const merchant = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    for (const [body, loc] of [
      [{ organization_id: merchant.organizationId, comment: 'x', scopes: ['products:destroy'] }, ['body', 'scopes', 0]],
      [{ organization_id: merchant.organizationId, comment: 'x', scopes: ['products:read', 'web_default'] }, ['body', 'scopes', 1]],
      [{ organization_id: merchant.organizationId, comment: 'x', scopes: [], expires_in: 0 }, ['body', 'expires_in']],
      [{ organization_id: merchant.organizationId, comment: 'x', scopes: [], expires_in: 'P1D' }, ['body', 'expires_in']],
      [{ organization_id: stranger.organizationId, comment: 'x', scopes: [] }, ['body', 'organization_id']],
    ] as const) {
      const response = await call(merchant.token, 'POST', BASE, body);
      assert.equal(response.status, 422, JSON.stringify(body));
      assert.deepEqual(response.body.detail[0].loc, loc, JSON.stringify(body));
    }
  });

  test('a revoked token is no longer listed and stops working; others see 404', async () => {
    const merchant = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    const created = await call(merchant.token, 'POST', BASE, { organization_id: merchant.organizationId, comment: 'temporary', scopes: ['products:read'] });
    const { organization_access_token: record, token } = created.body;
    assert.equal((await call(token, 'GET', '/v1/products/')).status, 200);

    assert.equal((await call(stranger.token, 'DELETE', `${BASE}${record.id}`)).status, 404);
    const strangerList = await call(stranger.token, 'GET', `${BASE}?organization_id=${merchant.organizationId}`);
    assert.deepEqual(strangerList.body.items, []);

    const revoked = await call(merchant.token, 'DELETE', `${BASE}${record.id}`);
    assert.equal(revoked.status, 204);
    // Within the authenticator's cache window (here: at once, as this process forgot its cache).
    await until(async () => (await call(token, 'GET', '/v1/products/')).status === 401, 2000);
    const listed = await call(merchant.token, 'GET', `${BASE}?organization_id=${merchant.organizationId}`);
    assert.deepEqual(listed.body.items, []);
    assert.equal((await call(merchant.token, 'DELETE', `${BASE}${record.id}`)).status, 404);
    const stored = await floe.db.selectFrom('access_tokens').select('revoked_at').where('id', '=', record.id).executeTakeFirstOrThrow();
    assert.ok(stored.revoked_at);
  });

  test('tokens do not manage tokens; scopes of a personal token are checked', async () => {
    const merchant = await floe.createMerchant();
    const organizationToken = await floe.createOrganizationToken(merchant.organizationId);
    assert.equal((await call(organizationToken, 'GET', BASE)).status, 401);
    assert.equal((await call(organizationToken, 'POST', BASE, { comment: 'x', scopes: [] })).status, 401);

    const reader = await floe.createMerchant({ scopes: ['organizations:read'] });
    assert.equal((await call(reader.token, 'GET', BASE)).status, 200);
    const refused = await call(reader.token, 'POST', BASE, { organization_id: reader.organizationId, comment: 'x', scopes: [] });
    assert.equal(refused.status, 403);
  });
});
