// OAuth2 and OpenID Connect through the SDK's ten operations and the endpoints' raw forms: clients
// (RFC 7591/7592), the code flow with PKCE and consent, token pairs, refresh rotation, revocation,
// introspection, userinfo, signing-key rotation, and OAuth2 tokens on the rest of the API. Every
// refused request is checked to leave the database as it was.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Polar } from '@polar-sh/sdk';
import { HTTPClient } from '@polar-sh/sdk/lib/http.js';
import { SDKError } from '@polar-sh/sdk/models/errors/sdkerror.js';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { SCOPES } from '../../../src/kit/auth.js';
import { clock } from '../../../src/kit/clock.js';
import { newId } from '../../../src/kit/ids.js';
import { generateToken } from '../../../src/modules/access-token/token.js';
import { startTestApp, type Merchant } from '../../helpers/app.js';
import { runFloe } from '../../helpers/cli.js';

const floe = await startTestApp();
const base = floe.baseUrl;
const REDIRECT = 'https://app.example.com/callback';

/** A dashboard session for the user, as signing in makes one (the cookie's token). */
async function sessionFor(userId: string): Promise<string> {
  const token = generateToken('polar_us_');
  await floe.db
    .insertInto('user_sessions')
    .values({ id: newId(), user_id: userId, token_hash: floe.context.authenticator.hashToken(token), user_agent: 'test', expires_at: new Date(Date.now() + 86_400_000) })
    .execute();
  return token;
}

/** The SDK acting as the dashboard: the session cookie and its CSRF header on every request; `query` added to the URL. */
function dashboardSdk(session: string, query?: Record<string, string>): Polar {
  const httpClient = new HTTPClient();
  httpClient.addHook('beforeRequest', (request) => {
    const url = new URL(request.url);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const next = new Request(url, request);
    next.headers.set('cookie', `floe_session=${session}`);
    next.headers.set('x-csrf-token', floe.context.authenticator.csrfToken(session));
    return next;
  });
  return new Polar({ serverURL: base, httpClient });
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  location: string | null;
  headers: Headers;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, location: response.headers.get('location'), headers: response.headers };
}

function postForm(path: string, fields: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Answer> {
  const body = new URLSearchParams(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body, redirect: 'manual' }).then(answer);
}

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return fetch(`${base}${path}`, { headers, redirect: 'manual' }).then(answer);
}

interface Client {
  client_id: string;
  client_secret?: string;
  registration_access_token: string;
  registration_client_uri: string;
  [field: string]: unknown;
}

async function register(session: string, body: Record<string, unknown>): Promise<Client> {
  const response = await fetch(`${base}/v1/oauth2/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `floe_session=${session}`, 'x-csrf-token': floe.context.authenticator.csrfToken(session) },
    body: JSON.stringify({ client_name: 'Test app', redirect_uris: [REDIRECT], ...body }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Client;
}

interface Flow {
  params: Record<string, string>;
  verifier?: string;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Allows (or denies) the request on the consent endpoint, as the consent page's form does; answers the redirect. */
async function consent(session: string, params: Record<string, string | undefined>, action = 'allow'): Promise<URL> {
  const result = await postForm('/v1/oauth2/consent', { ...params, action, csrf: floe.context.authenticator.csrfToken(session) }, { cookie: `floe_session=${session}` });
  assert.equal(result.status, 302, JSON.stringify(result.body));
  return new URL(result.location!);
}

async function codeFor(session: string, client: Client, extra: Record<string, string> = {}): Promise<string> {
  const location = await consent(session, { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid email products:read', state: 'st', ...extra });
  assert.equal(location.searchParams.get('state'), 'st');
  return location.searchParams.get('code')!;
}

function exchange(client: Client, code: string, extra: Record<string, string> = {}): Promise<Answer> {
  return postForm('/v1/oauth2/token', { grant_type: 'authorization_code', client_id: client.client_id, client_secret: client.client_secret, code, redirect_uri: REDIRECT, ...extra });
}

async function tokenCount(): Promise<number> {
  const row = await floe.db.selectFrom('oauth2_tokens').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A snapshot of the token rows (with their revocations), to prove a refused request changed nothing. */
async function tokenRows(): Promise<string> {
  return JSON.stringify(await floe.db.selectFrom('oauth2_tokens').selectAll().orderBy('id').execute());
}

async function sdkError(promise: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const error = await promise.then(
    () => assert.fail('expected the SDK to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SDKError, `expected an SDKError, got ${String(error)}`);
  return { status: error.statusCode, body: JSON.parse(error.body) as Record<string, unknown> };
}

const merchant: Merchant = await floe.createMerchant();
const session = await sessionFor(merchant.userId);
const email = (await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow()).email;

describe('clients (RFC 7591 / 7592)', () => {
  test('create, list, get, update and delete through the SDK, by the owner or the registration token', async () => {
    const dashboard = dashboardSdk(session);
    const created = (await dashboard.oauth2.clients.create({ redirectUris: [REDIRECT], clientName: 'Acme', clientUri: 'https://acme.example', logoUri: 'https://acme.example/logo.png' })) as Client;
    assert.match(created.client_id, /^polar_ci_/);
    assert.match(created.client_secret!, /^polar_cs_/);
    assert.match(created.registration_access_token, /^polar_crt_/);
    assert.equal(created.registration_client_uri, `${base}/v1/oauth2/register/${created.client_id}`);
    assert.equal(created.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(created.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(created.response_types, ['code']);
    assert.equal(created.scope, SCOPES.join(' '));
    assert.equal(created.client_secret_expires_at, 0);
    assert.equal(typeof created.client_id_issued_at, 'number');

    const page = await dashboard.oauth2.clients.list({});
    const listed = page.result.items.find((item) => item.clientId === created.client_id);
    assert.ok(listed);
    assert.equal(listed.clientSecret, created.client_secret);
    assert.equal(listed.clientName, 'Acme');

    // A personal token is not a dashboard session: client management is the dashboard's.
    assert.equal((await sdkError(merchant.sdk.oauth2.clients.list({}))).status, 403);

    const byToken = new Polar({ serverURL: base, accessToken: created.registration_access_token });
    const read = (await byToken.oauth2.clients.get({ clientId: created.client_id })) as Client;
    assert.equal(read.client_id, created.client_id);
    assert.equal(read.client_name, 'Acme');
    assert.equal((await dashboard.oauth2.clients.get({ clientId: created.client_id })) !== undefined, true);

    const updated = (await byToken.oauth2.clients.update({
      clientId: created.client_id,
      oAuth2ClientConfigurationUpdate: { clientId: created.client_id, clientName: 'Acme 2', redirectUris: [REDIRECT, 'http://localhost:3000/cb'], scope: 'openid email' },
    })) as Client;
    assert.equal(updated.client_name, 'Acme 2');
    assert.deepEqual(updated.redirect_uris, [REDIRECT, 'http://localhost:3000/cb']);
    assert.equal(updated.scope, 'openid email');
    assert.equal(updated.client_secret, created.client_secret);

    // The body's client_id must be the client's own.
    const mismatch = await sdkError(byToken.oauth2.clients.update({ clientId: created.client_id, oAuth2ClientConfigurationUpdate: { clientId: 'polar_ci_other', clientName: 'x', redirectUris: [REDIRECT] } }));
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error, 'invalid_request');

    // Another user, a wrong token, no credential: refused, and the client is unchanged.
    const stranger = await floe.createMerchant();
    const strangerSession = await sessionFor(stranger.userId);
    assert.equal((await sdkError(dashboardSdk(strangerSession).oauth2.clients.get({ clientId: created.client_id }))).body.error, 'invalid_client');
    assert.equal((await sdkError(new Polar({ serverURL: base, accessToken: 'polar_crt_wrong' }).oauth2.clients.delete({ clientId: created.client_id }))).status, 401);
    const anonymous = await get(`/v1/oauth2/register/${created.client_id}`);
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.body.error, 'access_denied');
    // A cookie write without the CSRF header is refused.
    const noCsrf = await fetch(`${base}/v1/oauth2/register/${created.client_id}`, { method: 'DELETE', headers: { cookie: `floe_session=${session}` } });
    assert.equal(noCsrf.status, 403);
    assert.equal(((await byToken.oauth2.clients.get({ clientId: created.client_id })) as Client).client_name, 'Acme 2');

    assert.deepEqual(await dashboard.oauth2.clients.delete({ clientId: created.client_id }), {});
    assert.equal((await sdkError(byToken.oauth2.clients.get({ clientId: created.client_id }))).status, 401);
    const after = await dashboard.oauth2.clients.list({});
    assert.equal(after.result.items.some((item) => item.clientId === created.client_id), false);
    const row = await floe.db.selectFrom('oauth2_clients').select('deleted_at').where('client_id', '=', created.client_id).executeTakeFirstOrThrow();
    assert.ok(row.deleted_at, 'deleted softly');
  });

  test('redirect URIs are HTTPS, or HTTP on localhost and private IPv4 hosts; public clients get no secret', async () => {
    const response = await fetch(`${base}/v1/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `floe_session=${session}`, 'x-csrf-token': floe.context.authenticator.csrfToken(session) },
      body: JSON.stringify({ client_name: 'Bad', redirect_uris: ['https://ok.example/cb', 'http://example.com/cb'], scope: 'openid admin' }),
    });
    assert.equal(response.status, 422);
    const body = (await response.json()) as { detail: { loc: (string | number)[]; msg: string }[] };
    assert.deepEqual(body.detail.map((issue) => issue.loc), [['body', 'redirect_uris', 1], ['body', 'scope']]);
    assert.match(body.detail[0]!.msg, /HTTPS URL is required/);

    const local = await register(session, { redirect_uris: ['http://localhost:8080/cb', 'http://app.localhost/cb', 'http://192.168.1.20/cb', 'http://10.0.0.2:3000/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(local.client_secret, undefined);
    assert.equal(local.token_endpoint_auth_method, 'none');
    const missingName = await fetch(`${base}/v1/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `floe_session=${session}`, 'x-csrf-token': floe.context.authenticator.csrfToken(session) },
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    });
    assert.equal(missingName.status, 422);
  });
});

describe('authorization and tokens', () => {
  test('authorize answers the consent data (SDK), 401 to nobody, and its errors before a redirect is trusted', async () => {
    const client = await register(session, {});
    const params = { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid email', state: 'xyz' };
    const data = await dashboardSdk(session, params).oauth2.authorize();
    assert.equal(data.subType, 'user');
    assert.equal(data.client.clientId, client.client_id);
    assert.equal(data.client.clientName, 'Test app');
    assert.deepEqual(data.scopes, ['openid', 'email']);
    assert.deepEqual(data.sub, { id: merchant.userId, email, avatarUrl: null });

    const query = (extra: Record<string, string>) => `/v1/oauth2/authorize?${new URLSearchParams({ ...params, ...extra })}`;
    const cookie = { cookie: `floe_session=${session}` };
    assert.equal((await get(query({}))).status, 401, 'nobody signed in');
    assert.equal((await get(query({ prompt: 'login' }), cookie)).status, 401);
    // Without any parameter (the SDK cannot send them), the response type is the first thing missing.
    const bare = await sdkError(dashboardSdk(session).oauth2.authorize());
    assert.deepEqual([bare.status, bare.body.error], [400, 'unsupported_response_type']);
    // A token (even with every scope) is not a dashboard session.
    assert.equal((await get(query({}), { authorization: `Bearer ${merchant.token}` })).status, 403);

    const foreign = await get(query({ redirect_uri: 'https://evil.example/steal' }), cookie);
    assert.equal(foreign.status, 400, 'never redirected to an unregistered URI');
    assert.equal(foreign.location, null);
    assert.deepEqual(foreign.body, { error: 'invalid_request', error_description: 'Redirect URI is not supported by client.', state: 'xyz' });
    assert.equal((await get(query({ client_id: 'polar_ci_nope' }), cookie)).body.error, 'invalid_client');
    assert.equal((await get(query({ scope: 'openid admin' }), cookie)).body.error, 'invalid_scope');
    assert.equal((await get(query({ sub: merchant.organizationId }), cookie)).body.error, 'invalid_request');
    const noneClient = await register(session, { token_endpoint_auth_method: 'none' });
    const noChallenge = await get(`/v1/oauth2/authorize?${new URLSearchParams({ ...params, client_id: noneClient.client_id })}`, cookie);
    assert.deepEqual([noneClient.client_id.length > 0, noChallenge.status, noChallenge.body.error_description], [true, 400, 'Missing "code_challenge"']);

    // prompt=none before any consent: back to the client with consent_required.
    const silent = await get(query({ prompt: 'none' }), cookie);
    assert.equal(silent.status, 302);
    const silentUrl = new URL(silent.location!);
    assert.equal(`${silentUrl.origin}${silentUrl.pathname}`, REDIRECT);
    assert.deepEqual([silentUrl.searchParams.get('error'), silentUrl.searchParams.get('state')], ['consent_required', 'xyz']);

    // Deny: access_denied with the state, and no grant.
    const denied = await consent(session, params, 'deny');
    assert.deepEqual([denied.searchParams.get('error'), denied.searchParams.get('state'), denied.searchParams.get('code')], ['access_denied', 'xyz', null]);
    assert.equal((await floe.db.selectFrom('oauth2_grants').select('id').where('client_id', '=', client.client_id).execute()).length, 0);

    // Allow: a code; then the same scope again goes straight back with a code (consent remembered).
    const allowed = await consent(session, params);
    assert.match(allowed.searchParams.get('code')!, /^polar_ac_/);
    const again = await get(query({}), cookie);
    assert.equal(again.status, 302);
    assert.match(new URL(again.location!).searchParams.get('code')!, /^polar_ac_/);
    const silentAgain = await get(query({ prompt: 'none' }), cookie);
    assert.match(new URL(silentAgain.location!).searchParams.get('code')!, /^polar_ac_/);
    // A wider scope is asked again.
    const wider = await get(query({ scope: 'openid email products:read' }), cookie);
    assert.equal(wider.status, 200);
  });

  test('code exchange (SDK), hashed storage, the API with exactly its scopes, userinfo and introspection (SDK)', async () => {
    const client = await register(session, {});
    const code = await codeFor(session, client, { nonce: 'n-1' });
    const token = await floe.sdk().oauth2.token({ grantType: 'authorization_code', clientId: client.client_id, clientSecret: client.client_secret!, code, redirectUri: REDIRECT });
    assert.match(token.accessToken, /^polar_at_u_/);
    assert.match(token.refreshToken!, /^polar_rt_u_/);
    assert.equal(token.tokenType, 'Bearer');
    assert.equal(token.expiresIn, 864_000);
    assert.equal(token.scope, 'openid email products:read');
    const jwks = (await get('/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
    const { payload } = await jwtVerify(token.idToken, createLocalJWKSet(jwks), { issuer: base, audience: client.client_id });
    assert.deepEqual([payload.sub, payload.nonce, payload.email, payload.email_verified], [merchant.userId, 'n-1', email, false]);
    assert.equal(payload.exp! - payload.iat!, 3600);

    // Only HMACs are stored.
    const row = await floe.db.selectFrom('oauth2_tokens').selectAll().where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    assert.notEqual(row.access_token_hash, token.accessToken);
    assert.equal(row.access_token_hash, floe.context.authenticator.hashToken(token.accessToken));
    assert.equal(row.refresh_token_hash, floe.context.authenticator.hashToken(token.refreshToken!));
    assert.equal((await floe.db.selectFrom('oauth2_authorization_codes').select('code_hash').where('client_id', '=', client.client_id).execute()).length, 0, 'the code is spent');

    // The token on the API: products:read lets it list products; nothing else is granted.
    const api = floe.sdk(token.accessToken);
    const products = await api.products.list({ organizationId: merchant.organizationId });
    assert.equal(products.result.pagination.totalCount, 0);
    const create = await fetch(`${base}/v1/products/`, { method: 'POST', headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', prices: [{ amount_type: 'free' }], organization_id: merchant.organizationId }) });
    assert.equal(create.status, 403);
    assert.match(create.headers.get('www-authenticate')!, /insufficient_scope/);
    assert.equal((await fetch(`${base}/v1/organizations/`, { headers: { authorization: `Bearer ${token.accessToken}` } })).status, 403);

    // The SDK parses userinfo as the first branch of its union (the organization's), which drops a
    // user's e-mail claims; the answer itself carries them.
    assert.equal((await api.oauth2.userinfo()).sub, merchant.userId);
    assert.deepEqual((await get('/v1/oauth2/userinfo', { authorization: `Bearer ${token.accessToken}` })).body, { sub: merchant.userId, email, email_verified: false });
    const introspected = await floe.sdk().oauth2.introspect({ token: token.accessToken, clientId: client.client_id, clientSecret: client.client_secret! });
    assert.equal(introspected.active, true);
    assert.equal(introspected.tokenType, 'access_token');
    assert.deepEqual([introspected.sub, introspected.subType, introspected.aud, introspected.iss, introspected.scope], [merchant.userId, 'user', client.client_id, base, 'openid email products:read']);
    assert.equal(introspected.exp - introspected.iat, 864_000);

    // A reused code: invalid_grant, and no second pair.
    const before = await tokenRows();
    const reused = await exchange(client, code);
    assert.deepEqual([reused.status, reused.body.error], [400, 'invalid_grant']);
    assert.equal(reused.headers.get('cache-control'), 'no-store');
    assert.equal(await tokenRows(), before);

    // Userinfo takes OAuth2 access tokens only.
    assert.equal((await get('/v1/oauth2/userinfo', { authorization: `Bearer ${merchant.token}` })).body.error, 'invalid_token');
    assert.equal((await get('/v1/oauth2/userinfo')).status, 401);
    assert.equal((await postForm('/v1/oauth2/userinfo', {}, { authorization: `Bearer ${token.accessToken}` })).body.sub, merchant.userId);
  });

  test('refresh rotates the pair, revocation (SDK) ends both halves, and refused requests change nothing', async () => {
    const client = await register(session, {});
    const first = (await exchange(client, await codeFor(session, client))).body as { access_token: string; refresh_token: string };
    const refresh = (refreshToken: string, credentials: Client = client) =>
      postForm('/v1/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: credentials.client_id, client_secret: credentials.client_secret });

    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.expires_in, 3600);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.equal(second.body.id_token, undefined);
    // The old pair is one revoked row: its access token stops at once.
    assert.equal((await fetch(`${base}/v1/oauth2/userinfo`, { headers: { authorization: `Bearer ${first.access_token}` } })).status, 401);
    assert.equal((await fetch(`${base}/v1/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(second.body.access_token)}` } })).status, 200);

    // The revoked refresh token: invalid_grant, nothing new.
    let before = await tokenRows();
    const replay = await refresh(first.refresh_token);
    assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant']);
    assert.equal(await tokenRows(), before);

    // Another client's token: its refresh, revocation and introspection do nothing to it.
    const other = await register(session, {});
    before = await tokenRows();
    assert.equal((await refresh(String(second.body.refresh_token), other)).body.error, 'invalid_grant');
    assert.deepEqual(await floe.sdk().oauth2.revoke({ token: String(second.body.access_token), clientId: other.client_id, clientSecret: other.client_secret! }), {});
    assert.deepEqual((await postForm('/v1/oauth2/introspect', { token: String(second.body.access_token), client_id: other.client_id, client_secret: other.client_secret })).body, { active: false });
    assert.equal(await tokenRows(), before);
    assert.equal((await fetch(`${base}/v1/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(second.body.access_token)}` } })).status, 200);

    // Client authentication: a wrong secret, Basic for a client_secret_post client, a public client on refresh.
    assert.deepEqual((await refresh(String(second.body.refresh_token), { ...client, client_secret: 'polar_cs_wrong' })).body.error, 'invalid_client');
    const basic = await postForm('/v1/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(second.body.refresh_token) }, { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` });
    assert.deepEqual([basic.status, basic.body.error], [401, 'invalid_client']);
    assert.match(basic.headers.get('www-authenticate')!, /^Basic/);
    assert.equal((await postForm('/v1/oauth2/token', { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret })).body.error, 'unsupported_grant_type');
    assert.equal(await tokenRows(), before);

    // Revoking the access token (hint) kills the pair: the refresh token no longer works either.
    assert.deepEqual(await floe.sdk().oauth2.revoke({ token: String(second.body.access_token), tokenTypeHint: 'access_token', clientId: client.client_id, clientSecret: client.client_secret! }), {});
    assert.equal((await refresh(String(second.body.refresh_token))).body.error, 'invalid_grant');
    assert.deepEqual((await postForm('/v1/oauth2/introspect', { token: String(second.body.refresh_token), client_id: client.client_id, client_secret: client.client_secret })).body, { active: false });
    const stored = await floe.db.selectFrom('oauth2_tokens').selectAll().where('access_token_hash', '=', floe.context.authenticator.hashToken(String(second.body.access_token))).executeTakeFirstOrThrow();
    assert.ok(stored.access_token_revoked_at);
    assert.equal(stored.refresh_token_revoked_at, null, 'the hint revokes the access half only; the row is revoked all the same');
    // Unknown tokens: 200 {} too.
    assert.deepEqual((await postForm('/v1/oauth2/revoke', { token: 'polar_at_u_unknown', client_id: client.client_id, client_secret: client.client_secret })).body, {});
  });

  test('PKCE: a wrong verifier is refused and leaves the code usable; a foreign redirect URI too; codes last 5 minutes', async () => {
    const publicClient = await register(session, { token_endpoint_auth_method: 'none' });
    const { verifier, challenge } = pkce();
    const code = await codeFor(session, publicClient, { code_challenge: challenge, code_challenge_method: 'S256' });
    const before = await tokenRows();
    const wrong = await exchange(publicClient, code, { code_verifier: pkce().verifier });
    assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
    const missing = await exchange(publicClient, code);
    assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
    const foreign = await exchange(publicClient, code, { code_verifier: verifier, redirect_uri: 'https://evil.example/cb' });
    assert.deepEqual([foreign.status, foreign.body.error], [400, 'invalid_grant']);
    assert.equal(await tokenRows(), before);
    const right = await exchange(publicClient, code, { code_verifier: verifier });
    assert.equal(right.status, 200, JSON.stringify(right.body));
    assert.match(String(right.body.refresh_token), /^polar_rt_u_/);
    // A public client cannot refresh: it has no secret to authenticate with.
    const refused = await postForm('/v1/oauth2/token', { grant_type: 'refresh_token', refresh_token: String(right.body.refresh_token), client_id: publicClient.client_id });
    assert.equal(refused.body.error, 'invalid_client');

    // plain PKCE, and the 5-minute life of a code.
    const confidential = await register(session, {});
    const plainVerifier = pkce().verifier;
    const plainCode = await codeFor(session, confidential, { code_challenge: plainVerifier, code_challenge_method: 'plain' });
    assert.equal((await exchange(confidential, plainCode, { code_verifier: plainVerifier })).status, 200);
    const late = await codeFor(session, confidential);
    clock.advance(5 * 60 * 1000 + 1000);
    try {
      assert.equal((await exchange(confidential, late)).body.error, 'invalid_grant');
    } finally {
      clock.reset();
    }
  });

  test('organization tokens: the member chooses the organization; the token acts as it', async () => {
    const client = await register(session, {});
    const params = { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid products:read', sub_type: 'organization', state: 's' };
    const data = await dashboardSdk(session, params).oauth2.authorize();
    assert.equal(data.subType, 'organization');
    assert.ok('organizations' in data);
    assert.deepEqual(data.organizations.map((organization) => organization.id), [merchant.organizationId]);
    assert.equal(data.sub, null);

    const stranger = await floe.createMerchant();
    const notMine = await get(`/v1/oauth2/authorize?${new URLSearchParams({ ...params, sub: stranger.organizationId })}`, { cookie: `floe_session=${session}` });
    assert.equal(notMine.body.error, 'invalid_sub');
    const notMineConsent = await postForm('/v1/oauth2/consent', { ...params, sub: stranger.organizationId, action: 'allow', csrf: floe.context.authenticator.csrfToken(session) }, { cookie: `floe_session=${session}` });
    assert.equal(notMineConsent.body.error, 'invalid_sub');
    const noCsrf = await postForm('/v1/oauth2/consent', { ...params, sub: merchant.organizationId, action: 'allow' }, { cookie: `floe_session=${session}` });
    assert.equal(noCsrf.status, 403);

    const location = await consent(session, { ...params, sub: merchant.organizationId });
    const token = (await exchange(client, location.searchParams.get('code')!)).body as { access_token: string; refresh_token: string; id_token: string };
    assert.match(token.access_token, /^polar_at_o_/);
    assert.match(token.refresh_token, /^polar_rt_o_/);
    const api = floe.sdk(token.access_token);
    assert.equal((await api.products.list({})).result.pagination.totalCount, 0);
    assert.deepEqual(await api.oauth2.userinfo(), { sub: merchant.organizationId, name: (await floe.db.selectFrom('organizations').select('slug').where('id', '=', merchant.organizationId).executeTakeFirstOrThrow()).slug });
    const stored = await floe.db.selectFrom('oauth2_tokens').select(['sub_type', 'organization_id', 'user_id']).where('access_token_hash', '=', floe.context.authenticator.hashToken(token.access_token)).executeTakeFirstOrThrow();
    assert.deepEqual(stored, { sub_type: 'organization', organization_id: merchant.organizationId, user_id: null });
  });
});

describe('OpenID Connect', () => {
  test('discovery names every endpoint', async () => {
    const metadata = (await get('/.well-known/openid-configuration')).body;
    assert.equal(metadata.issuer, base);
    assert.equal(metadata.authorization_endpoint, `${base}/oauth2/authorize`);
    assert.equal(metadata.token_endpoint, `${base}/v1/oauth2/token`);
    assert.equal(metadata.jwks_uri, `${base}/.well-known/jwks.json`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['plain', 'S256']);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
    assert.deepEqual(metadata.scopes_supported, SCOPES);
  });

  test('key rotation: the old key stays in the JWKS until its ID tokens have expired', async () => {
    const client = await register(session, {});
    const oldToken = String((await exchange(client, await codeFor(session, client))).body.id_token);
    const oldKid = decodeProtectedHeader(oldToken).kid;
    const environment = { DATABASE_URL: floe.config.databaseUrl, FLOE_SECRET: floe.config.secret, FLOE_DATA_DIR: floe.config.dataDir };
    const rotated = await runFloe(['oauth2', 'rotate-key', '--json'], environment);
    assert.equal(rotated.code, 0, rotated.stderr);
    const result = JSON.parse(rotated.stdout) as { kid: string; retired: string[] };
    assert.deepEqual(result.retired, [oldKid]);

    const jwks = (await get('/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
    assert.deepEqual(jwks.keys.map((key) => key.kid).sort(), [oldKid, result.kid].sort());
    assert.ok(jwks.keys.every((key) => key.kty === 'RSA' && key.alg === 'RS256' && !('d' in key)), 'public keys only');
    await jwtVerify(oldToken, createLocalJWKSet(jwks), { issuer: base, audience: client.client_id });
    const newToken = String((await exchange(client, await codeFor(session, client))).body.id_token);
    assert.equal(decodeProtectedHeader(newToken).kid, result.kid);

    const stored = await floe.db.selectFrom('oauth2_signing_keys').select('private_jwk_encrypted').where('kid', '=', result.kid).executeTakeFirstOrThrow();
    assert.doesNotMatch(stored.private_jwk_encrypted, /"d"/, 'the private key is stored encrypted');

    clock.advance(3601 * 1000);
    try {
      const later = (await get('/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
      assert.deepEqual(later.keys.map((key) => key.kid), [result.kid]);
      await assert.rejects(jwtVerify(oldToken, createLocalJWKSet(later), { currentDate: clock.now() }));
    } finally {
      clock.reset();
    }
  });
});
