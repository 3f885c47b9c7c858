// Members (not SDK operations: plain HTTP): the list, and invitations by the organization's owner.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transaction } from '../../../src/kit/db.js';
import { createAccessToken } from '../../../src/modules/access-token/service.js';
import { startTestApp } from '../../helpers/app.js';

const floe = await startTestApp();

const call = floe.call;

async function emailOf(userId: string): Promise<string> {
  return (await floe.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow()).email;
}

async function personalToken(userId: string): Promise<string> {
  return (await transaction(floe.db, (trx) => createAccessToken(trx, floe.context.authenticator, { kind: 'personal', userId }))).token;
}

describe('organization members', () => {
  test('the creator is listed as the owner', async () => {
    const merchant = await floe.createMerchant();
    const listed = await call(merchant.token, 'GET', `/v1/organizations/${merchant.organizationId}/members`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.pagination, { total_count: 1, max_page: 1 });
    const [owner] = listed.body.items;
    assert.equal(owner.user_id, merchant.userId);
    assert.equal(owner.email, await emailOf(merchant.userId));
    assert.equal(owner.is_owner, true);
    assert.equal(owner.avatar_url, null);
    assert.ok(!Number.isNaN(Date.parse(owner.created_at)));
  });

  test('the owner invites a new address: a user and a membership are made, and an e-mail sent, once', async () => {
    const merchant = await floe.createMerchant();
    const email = `invitee-${merchant.userId.slice(0, 8)}@example.com`;
    const invited = await call(merchant.token, 'POST', `/v1/organizations/${merchant.organizationId}/members/invite`, { email });
    assert.equal(invited.status, 201);
    assert.equal(invited.body.email, email);
    assert.equal(invited.body.is_owner, false);

    const again = await call(merchant.token, 'POST', `/v1/organizations/${merchant.organizationId}/members/invite`, { email: email.toUpperCase() });
    assert.equal(again.status, 200);
    assert.equal(again.body.user_id, invited.body.user_id);

    const listed = await call(merchant.token, 'GET', `/v1/organizations/${merchant.organizationId}/members`);
    assert.deepEqual(listed.body.items.map((member: { user_id: string; is_owner: boolean }) => [member.user_id, member.is_owner]), [[merchant.userId, true], [invited.body.user_id, false]]);

    const emails = await floe.db.selectFrom('emails').select(['subject', 'body']).where('to_address', '=', email).execute();
    assert.equal(emails.length, 1);
    assert.match(emails[0]!.subject, /You were added to Org /);
    assert.ok(emails[0]!.body.includes(`${floe.baseUrl}/dashboard`));

    // The new member sees the organization at once (their memberships were not cached stale).
    const memberToken = await personalToken(invited.body.user_id);
    const seen = await call(memberToken, 'GET', `/v1/organizations/${merchant.organizationId}`);
    assert.equal(seen.status, 200);
    const memberList = await call(memberToken, 'GET', `/v1/organizations/${merchant.organizationId}/members`);
    assert.equal(memberList.body.items.length, 2);
  });

  test('an existing user is added as they are', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const invited = await call(merchant.token, 'POST', `/v1/organizations/${merchant.organizationId}/members/invite`, { email: await emailOf(other.userId) });
    assert.equal(invited.status, 201);
    assert.equal(invited.body.user_id, other.userId);
    const seen = await call(other.token, 'GET', `/v1/organizations/${merchant.organizationId}`);
    assert.equal(seen.status, 200);
  });

  test('a former member invited again joins anew and does not become the owner', async () => {
    const merchant = await floe.createMerchant();
    const member = await floe.createMerchant();
    const path = `/v1/organizations/${merchant.organizationId}/members`;
    await call(merchant.token, 'POST', `${path}/invite`, { email: await emailOf(member.userId) });
    // Joined long before the owner, then left (Floe has no removal endpoint yet: in the database).
    await floe.db
      .updateTable('user_organizations')
      .set({ created_at: new Date('2000-01-01T00:00:00Z'), deleted_at: new Date() })
      .where('user_id', '=', member.userId)
      .where('organization_id', '=', merchant.organizationId)
      .execute();
    floe.context.authenticator.forget();
    assert.equal((await call(member.token, 'GET', `/v1/organizations/${merchant.organizationId}`)).status, 404);
    const again = await call(merchant.token, 'POST', `${path}/invite`, { email: await emailOf(member.userId) });
    assert.equal(again.status, 201);
    const listed = await call(merchant.token, 'GET', path);
    assert.deepEqual(listed.body.items.map((item: { user_id: string; is_owner: boolean }) => [item.user_id, item.is_owner]), [[merchant.userId, true], [member.userId, false]]);
  });

  test('a member who is not the owner may not invite (403)', async () => {
    const merchant = await floe.createMerchant();
    const member = await floe.createMerchant();
    await call(merchant.token, 'POST', `/v1/organizations/${merchant.organizationId}/members/invite`, { email: await emailOf(member.userId) });
    const refused = await call(member.token, 'POST', `/v1/organizations/${merchant.organizationId}/members/invite`, { email: 'someone-else@example.com' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'NotPermitted');
    const created = await floe.db.selectFrom('users').select('id').where('email', '=', 'someone-else@example.com').executeTakeFirst();
    assert.equal(created, undefined);
  });

  test("another organization's member sees 404, bad input 422, an organization token 401", async () => {
    const merchant = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    const path = `/v1/organizations/${merchant.organizationId}`;
    assert.equal((await call(stranger.token, 'GET', `${path}/members`)).status, 404);
    const invite = await call(stranger.token, 'POST', `${path}/members/invite`, { email: 'x@example.com' });
    assert.equal(invite.status, 404);
    assert.equal(invite.body.error, 'ResourceNotFound');

    const invalid = await call(merchant.token, 'POST', `${path}/members/invite`, { email: 'not an address' });
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.body.detail[0].loc, ['body', 'email']);
    assert.equal((await call(merchant.token, 'GET', '/v1/organizations/not-a-uuid/members')).status, 422);

    const organizationToken = await floe.createOrganizationToken(merchant.organizationId);
    assert.equal((await call(organizationToken, 'GET', `${path}/members`)).status, 200);
    assert.equal((await call(organizationToken, 'POST', `${path}/members/invite`, { email: 'y@example.com' })).status, 401);
  });
});
