// Access tokens: stored only as hashes, scoped, expiring, revocable within a second.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SDKError } from '@polar-sh/sdk/models/errors/index.js';
import { clock } from '../../src/kit/clock.js';
import { transaction } from '../../src/kit/db.js';
import { createAccessToken, revokeAccessToken } from '../../src/modules/access-token/service.js';
import { startTestApp } from '../helpers/app.js';
import { expectError } from '../helpers/errors.js';

const floe = await startTestApp();

describe('access tokens', () => {
  test('are random, prefixed, checksummed, and stored only as an HMAC', async () => {
    const merchant = await floe.createMerchant();
    assert.match(merchant.token, /^polar_pat_[A-Za-z0-9]{43}$/);
    const organizationToken = await floe.createOrganizationToken(merchant.organizationId);
    assert.match(organizationToken, /^polar_oat_[A-Za-z0-9]{43}$/);
    const rows = await floe.db.selectFrom('access_tokens').selectAll().execute();
    const stored = JSON.stringify(rows);
    assert.ok(!stored.includes(merchant.token) && !stored.includes(organizationToken));
    assert.ok(rows.some((row) => row.token_hash === floe.context.authenticator.hashToken(merchant.token)));
  });

  test('a revoked token stops working within a second, on a process that did not revoke it', async () => {
    const merchant = await floe.createMerchant();
    await merchant.sdk.organizations.get({ id: merchant.organizationId });
    // Revoke straight in the database, as another Floe process would: this process's cache is not told.
    await floe.db.updateTable('access_tokens').set({ revoked_at: new Date() }).where('token_hash', '=', floe.context.authenticator.hashToken(merchant.token)).execute();
    const revokedAt = Date.now();
    let stillWorking = true;
    while (stillWorking && Date.now() - revokedAt < 2000) {
      try {
        await merchant.sdk.organizations.get({ id: merchant.organizationId });
        await new Promise((resolve) => setTimeout(resolve, 50));
      } catch (error) {
        assert.ok(error instanceof SDKError);
        assert.equal(error.statusCode, 401);
        stillWorking = false;
      }
    }
    assert.equal(stillWorking, false);
    assert.ok(Date.now() - revokedAt <= 1000, `took ${Date.now() - revokedAt} ms`);
  });

  test('revocation through the service takes effect at once in this process', async () => {
    const merchant = await floe.createMerchant();
    await merchant.sdk.organizations.get({ id: merchant.organizationId });
    assert.equal(await transaction(floe.db, (trx) => revokeAccessToken(trx, floe.context.authenticator, merchant.token)), true);
    const error = await expectError(merchant.sdk.organizations.get({ id: merchant.organizationId }), SDKError);
    assert.equal(error.statusCode, 401);
  });

  test('an expired token is refused', async () => {
    const merchant = await floe.createMerchant();
    const { token } = await transaction(floe.db, (trx) =>
      createAccessToken(trx, floe.context.authenticator, { kind: 'personal', userId: merchant.userId }, { expiresInSeconds: 60 }),
    );
    const sdk = floe.sdk(token);
    await sdk.organizations.get({ id: merchant.organizationId });
    clock.advance(61_000);
    try {
      const error = await expectError(sdk.organizations.get({ id: merchant.organizationId }), SDKError);
      assert.equal(error.statusCode, 401);
    } finally {
      clock.reset();
    }
  });
});
