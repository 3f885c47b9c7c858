// "Sign in with Floe" as a third-party application does it: openid-client (a certified OpenID
// Connect client library) discovers Floe, sends the user's browser (headless Chromium) to the
// consent page, where they sign in and allow; the callback lands on a server of the test's own,
// and the library exchanges the code with PKCE, verifies the ID token against the JWKS, reads
// userinfo, refreshes (rotation), introspects and revokes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { errors, generators, Issuer } from 'openid-client';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { codeFromOutbox, screenshot } from '../helpers/dashboard.js';

const floe = await startTestApp();
const browser = useBrowser(floe.baseUrl);

/** The application's callback: answers the browser and hands each request's URL to whoever waits. */
const callbacks: ((url: URL) => void)[] = [];
const callbackServer = createServer((request, response) => {
  const url = new URL(request.url ?? '/', `http://127.0.0.1`);
  response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Example app</title><p>Signed in.</p>');
  callbacks.shift()?.(url);
});
await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
after(() => callbackServer.close());
const callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
const nextCallback = () => new Promise<URL>((resolve) => callbacks.push(resolve));

describe('the OAuth2 consent page with a real OpenID client', { skip: skipWithoutChromium }, () => {
  test('discovery, sign-in and consent in the browser, code + PKCE, ID token, userinfo, refresh, introspection, revocation', async () => {
    const merchant = await floe.createMerchant();
    const email = (await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow()).email;
    const page = await browser.phonePage();

    // The developer registers the app in the dashboard session (the API the dashboard uses).
    await page.goto('/dashboard');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code').fill(await codeFromOutbox(page, email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header.top').waitFor();
    const registered = await page.evaluate(async (redirectUri) => {
      const boot = JSON.parse(document.getElementById('boot')!.textContent!) as { csrf: string };
      const response = await fetch('/v1/oauth2/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': boot.csrf },
        body: JSON.stringify({ client_name: 'Example Analytics', client_uri: 'https://analytics.example', redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }),
      });
      return (await response.json()) as { client_id: string; client_secret: string };
    }, callbackUrl);
    // Signed out again: the application's user arrives without a session.
    await page.context().clearCookies();

    const issuer = await Issuer.discover(floe.baseUrl);
    assert.equal(issuer.metadata.issuer, floe.baseUrl);
    assert.equal(issuer.metadata.authorization_endpoint, `${floe.baseUrl}/oauth2/authorize`);
    const client = new issuer.Client({ client_id: registered.client_id, client_secret: registered.client_secret, redirect_uris: [callbackUrl], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const authorizationUrl = client.authorizationUrl({ scope: 'openid email products:read', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256', state, nonce });

    // Not signed in: the consent page sends the browser to sign in, and back.
    await page.goto(authorizationUrl);
    assert.match(page.url(), /\/dashboard\?return_to=%2Foauth2%2Fauthorize/);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('Code').fill(await codeFromOutbox(page, email));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Example Analytics wants to access your Floe account' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    assert.match(text, /It will act as you, merchant-/);
    assert.match(text, /Know who you are on Floe/);
    assert.match(text, /Read your e-mail address/);
    assert.match(text, /Read products/);
    assert.match(text, /analytics\.example/);
    await screenshot(page, 'oauth2-consent-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'oauth2-consent-desktop');

    // Allow, from the keyboard.
    const landed = nextCallback();
    await page.getByRole('button', { name: 'Allow' }).focus();
    await page.keyboard.press('Enter');
    const callback = await landed;
    assert.equal(callback.searchParams.get('state'), state);

    const tokens = await client.callback(callbackUrl, client.callbackParams(callback.toString()), { code_verifier: verifier, state, nonce });
    assert.match(tokens.access_token!, /^polar_at_u_/);
    assert.equal(tokens.expires_in! > 863_000, true);
    const claims = tokens.claims();
    assert.deepEqual([claims.sub, claims.email, claims.email_verified, claims.aud, claims.iss], [merchant.userId, email, true, registered.client_id, floe.baseUrl]);
    assert.deepEqual(await client.userinfo(tokens.access_token!), { sub: merchant.userId, email, email_verified: true });
    // The same code again: refused by the token endpoint.
    await assert.rejects(client.callback(callbackUrl, client.callbackParams(callback.toString()), { code_verifier: verifier, state, nonce }), (error: unknown) => error instanceof errors.OPError && error.error === 'invalid_grant');

    const refreshed = await client.refresh(tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(refreshed.expires_in! <= 3600, true);
    await assert.rejects(client.refresh(tokens.refresh_token!), (error: unknown) => error instanceof errors.OPError && error.error === 'invalid_grant');
    assert.equal((await client.introspect(tokens.access_token!)).active, false, 'rotation ended the first pair');
    const live = await client.introspect(refreshed.access_token!);
    assert.deepEqual([live.active, live.sub, live.client_id, live.scope], [true, merchant.userId, registered.client_id, 'openid email products:read']);

    await client.revoke(refreshed.refresh_token!);
    assert.equal((await client.introspect(refreshed.access_token!)).active, false);
    await assert.rejects(client.userinfo(refreshed.access_token!));

    // A request the page cannot send back to a registered address is explained, not redirected.
    await page.setViewportSize({ width: 390, height: 844 });
    const broken = await page.goto(`/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: registered.client_id, redirect_uri: 'https://evil.example/cb', scope: 'openid' })}`);
    assert.equal(broken?.status(), 400);
    assert.equal(await page.getByRole('alert').textContent(), 'Redirect URI is not supported by client.');

    // Deny, and an organization token: the member picks the organization on the page.
    const denied = nextCallback();
    await page.goto(client.authorizationUrl({ scope: 'openid metrics:read', state: 'deny-me', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
    await page.getByRole('button', { name: 'Deny' }).click();
    const deniedUrl = await denied;
    assert.deepEqual([deniedUrl.searchParams.get('error'), deniedUrl.searchParams.get('state')], ['access_denied', 'deny-me']);

    const organizationState = generators.state();
    await page.goto(client.authorizationUrl({ scope: 'openid products:read', sub_type: 'organization', state: organizationState, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
    const select = page.getByLabel('Organization it will act for');
    assert.equal(await select.inputValue(), merchant.organizationId);
    await screenshot(page, 'oauth2-consent-organization-phone');
    const organizationCallback = nextCallback();
    await page.getByRole('button', { name: 'Allow' }).click();
    const organizationUrl = await organizationCallback;
    const organizationTokens = await client.callback(callbackUrl, client.callbackParams(organizationUrl.toString()), { code_verifier: verifier, state: organizationState });
    assert.match(organizationTokens.access_token!, /^polar_at_o_/);
    assert.equal(organizationTokens.claims().sub, merchant.organizationId);
    const products = await floe.sdk(organizationTokens.access_token).products.list({});
    assert.equal(products.result.pagination.totalCount, 0);
  });
});
