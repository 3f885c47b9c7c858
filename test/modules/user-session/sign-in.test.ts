// Signing in to the dashboard over HTTP, as a browser would: a code by e-mail (the outbox here),
// the floe_session cookie it opens, the CSRF token every write of that session carries, signing
// out, and the limits: codes work once and expire, requests are limited per address, and nothing
// tells whether an address has an account.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clock } from '../../../src/kit/clock.js';
import { CODES_PER_WINDOW } from '../../../src/modules/user-session/service.js';
import { startTestApp } from '../../helpers/app.js';

const floe = await startTestApp();

/** A browser's cookie jar, just enough for these forms. */
class Browser {
  cookies = new Map<string, string>();
  async request(path: string, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(`${floe.baseUrl}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/Max-Age=0/.test(cookie)) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  /** The hidden CSRF field of the last sign-in form it was shown. */
  static csrfOf(pageText: string): string {
    return pageText.match(/name="csrf" value="([^"]+)"/)![1]!;
  }
}

async function emailOf(userId: string): Promise<string> {
  return (await floe.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow()).email;
}

async function codesSentTo(email: string): Promise<string[]> {
  const emails = await floe.db.selectFrom('emails').select('body').where('to_address', '=', email).orderBy('created_at').execute();
  return emails.map((row) => row.body.match(/dashboard is ([A-Z0-9]{6})/)?.[1]).filter((code): code is string => Boolean(code));
}

async function requestCode(browser: Browser, email: string) {
  const form = await browser.request('/dashboard');
  return browser.request('/dashboard/sign-in', { form: { email, csrf: Browser.csrfOf(form.text) } });
}

async function signIn(email: string): Promise<{ browser: Browser; csrf: string }> {
  const browser = new Browser();
  const sent = await requestCode(browser, email);
  assert.equal(sent.status, 200);
  const code = (await codesSentTo(email)).at(-1)!;
  const signedIn = await browser.request('/dashboard/sign-in/code', { form: { code, email, csrf: Browser.csrfOf(sent.text) } });
  assert.equal(signedIn.status, 303, signedIn.text);
  const shell = await browser.request('/dashboard');
  const csrf = JSON.parse(shell.text.match(/<script type="application\/json" id="boot">(.*?)<\/script>/)![1]!).csrf as string;
  return { browser, csrf };
}

describe('dashboard sign-in', () => {
  test('a code from the e-mail opens a session: an HttpOnly, SameSite=Lax cookie that expires, stored only as a hash', async () => {
    const merchant = await floe.createMerchant();
    const email = await emailOf(merchant.userId);
    const browser = new Browser();
    const sent = await requestCode(browser, email);
    assert.match(sent.text, /If .* has an account, a code is on its way/);
    const [code] = await codesSentTo(email);
    assert.match(code!, /^[A-Z0-9]{6}$/);
    const signedIn = await browser.request('/dashboard/sign-in/code', { form: { code: code!.toLowerCase(), email, csrf: Browser.csrfOf(sent.text) } });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/dashboard');
    const cookie = signedIn.headers.getSetCookie().find((value) => value.startsWith('floe_session='))!;
    assert.match(cookie, /^floe_session=polar_us_[^;]+; Path=\/; Max-Age=2678400; HttpOnly; SameSite=Lax$/);
    const token = decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!);
    const stored = await floe.db.selectFrom('user_sessions').selectAll().where('user_id', '=', merchant.userId).execute();
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]!.token_hash, token);
    assert.ok(!stored[0]!.token_hash.includes(token));
    const codes = await floe.db.selectFrom('login_codes').select('code_hash').where('user_id', '=', merchant.userId).execute();
    assert.ok(codes.every((row) => row.code_hash !== code));

    // The shell for the session, and the API answering it as the user.
    const shell = await browser.request('/dashboard');
    assert.match(shell.text, /id="boot"/);
    const me = JSON.parse((await browser.request('/v1/users/me')).text);
    assert.equal(me.email, email);
  });

  test('a code works once, and not after 15 minutes', async () => {
    const merchant = await floe.createMerchant();
    const email = await emailOf(merchant.userId);
    const browser = new Browser();
    const sent = await requestCode(browser, email);
    const [code] = await codesSentTo(email);
    const form = { code: code!, email, csrf: Browser.csrfOf(sent.text) };
    assert.equal((await browser.request('/dashboard/sign-in/code', { form })).status, 303);
    const again = await new Browser().request('/dashboard/sign-in/code', { form });
    assert.equal(again.status, 403, 'without the form cookie the post is refused before the code is looked at');
    const reused = await browser.request('/dashboard/sign-in/code', { form });
    assert.equal(reused.status, 401);
    assert.match(reused.text, /This code is invalid or has expired/);
    assert.equal(await floe.db.selectFrom('user_sessions').select('id').where('user_id', '=', merchant.userId).execute().then((rows) => rows.length), 1);

    const late = new Browser();
    const lateSent = await requestCode(late, email);
    const lateCode = (await codesSentTo(email)).at(-1)!;
    clock.advance(15 * 60_000 + 1000);
    try {
      const expired = await late.request('/dashboard/sign-in/code', { form: { code: lateCode, email, csrf: Browser.csrfOf(lateSent.text) } });
      assert.equal(expired.status, 401);
    } finally {
      clock.advance(-(15 * 60_000 + 1000));
    }
  });

  test('an address without an account gets the same answer and no e-mail', async () => {
    const merchant = await floe.createMerchant();
    const known = await requestCode(new Browser(), await emailOf(merchant.userId));
    const unknown = await requestCode(new Browser(), 'nobody-here@example.com');
    assert.equal(unknown.status, known.status);
    const strip = (text: string) => text.replace(/name="csrf" value="[^"]+"/, '').replace(/value="[^"]*@[^"]*"/g, '').replace(/If [^ ]+ has/, 'If X has');
    assert.equal(strip(unknown.text), strip(known.text));
    assert.deepEqual(await codesSentTo('nobody-here@example.com'), []);
  });

  test('code requests are limited per address, whether or not it has an account, even when sent at once', async () => {
    const merchant = await floe.createMerchant();
    for (const email of [await emailOf(merchant.userId), 'limit-unknown@example.com']) {
      const browser = new Browser();
      const form = await browser.request('/dashboard');
      const csrf = Browser.csrfOf(form.text);
      const answers = await Promise.all(Array.from({ length: CODES_PER_WINDOW + 3 }, () => browser.request('/dashboard/sign-in', { form: { email, csrf } })));
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [...Array(CODES_PER_WINDOW).fill(200), 429, 429, 429]);
      const limited = answers.find((answer) => answer.status === 429)!;
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.match(limited.text, /Too many codes were requested for this address/);
    }
    assert.equal((await codesSentTo(await emailOf(merchant.userId))).length, CODES_PER_WINDOW);
    // Another address is not limited by these.
    assert.equal((await requestCode(new Browser(), 'someone-else@example.com')).status, 200);
  });

  test('the sign-in forms refuse a post without their own CSRF token (no signing in someone from another site)', async () => {
    const merchant = await floe.createMerchant();
    const email = await emailOf(merchant.userId);
    const answer = await new Browser().request('/dashboard/sign-in', { form: { email, csrf: 'forged-token-forged-token' } });
    assert.equal(answer.status, 403);
    assert.deepEqual(await codesSentTo(email), []);
  });
});

describe('the session on the API', () => {
  test('reads need no CSRF token; every write needs the session\'s own, else 403 and nothing changes', async () => {
    const merchant = await floe.createMerchant();
    const other = await floe.createMerchant();
    const { browser, csrf } = await signIn(await emailOf(merchant.userId));
    const list = JSON.parse((await browser.request('/v1/organizations/')).text);
    assert.deepEqual(list.items.map((organization: { id: string }) => organization.id), [merchant.organizationId]);
    assert.equal((await browser.request(`/v1/organizations/${other.organizationId}`)).status, 404);

    const rename = (headers: Record<string, string>) => browser.request(`/v1/organizations/${merchant.organizationId}`, { method: 'PATCH', json: { name: 'Renamed Org' }, headers });
    for (const headers of [{} as Record<string, string>, { 'x-csrf-token': 'not-the-token' }, { 'x-csrf-token': (await signIn(await emailOf(other.userId))).csrf }]) {
      const refused = await rename(headers);
      assert.equal(refused.status, 403, refused.text);
      assert.deepEqual(JSON.parse(refused.text), { error: 'NotPermitted', detail: 'Missing or invalid CSRF token.' });
    }
    assert.notEqual((await merchant.sdk.organizations.get({ id: merchant.organizationId })).name, 'Renamed Org');
    assert.equal((await rename({ 'x-csrf-token': csrf })).status, 200);
    assert.equal((await merchant.sdk.organizations.get({ id: merchant.organizationId })).name, 'Renamed Org');
    // A bearer token needs no CSRF token: no browser sends it by itself.
    assert.equal((await fetch(`${floe.baseUrl}/v1/organizations/${merchant.organizationId}`, { method: 'PATCH', headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' }, body: '{"name":"Bearer Org"}' })).status, 200);
  });

  test('a session token is accepted from the cookie only, never as a bearer token', async () => {
    const merchant = await floe.createMerchant();
    const { browser } = await signIn(await emailOf(merchant.userId));
    const token = decodeURIComponent(browser.cookies.get('floe_session')!);
    const response = await fetch(`${floe.baseUrl}/v1/organizations/`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 401);
  });

  test('signing out needs the CSRF token, deletes the session and the cookie stops working', async () => {
    const merchant = await floe.createMerchant();
    const { browser, csrf } = await signIn(await emailOf(merchant.userId));
    const cookie = browser.cookies.get('floe_session')!;
    assert.equal((await browser.request('/dashboard/sign-out', { form: { csrf: 'wrong' } })).status, 403);
    assert.equal((await browser.request('/v1/users/me')).status, 200);
    const out = await browser.request('/dashboard/sign-out', { form: { csrf } });
    assert.equal(out.status, 303);
    assert.match(out.headers.getSetCookie().join(), /floe_session=; Path=\/; Max-Age=0/);
    assert.equal(await floe.db.selectFrom('user_sessions').select('id').where('user_id', '=', merchant.userId).execute().then((rows) => rows.length), 0);
    const replayed = await fetch(`${floe.baseUrl}/v1/users/me`, { headers: { cookie: `floe_session=${cookie}` } });
    assert.equal(replayed.status, 401);
    assert.doesNotMatch((await browser.request('/dashboard')).text, /id="boot"/);
  });

  test('a session ends after 31 days', async () => {
    const merchant = await floe.createMerchant();
    const { browser } = await signIn(await emailOf(merchant.userId));
    floe.context.authenticator.forget();
    clock.advance(31 * 86_400_000 + 1000);
    try {
      assert.equal((await browser.request('/v1/users/me')).status, 401);
      assert.match((await browser.request('/dashboard')).text, /Sign in to the dashboard/);
    } finally {
      clock.advance(-(31 * 86_400_000 + 1000));
    }
  });

  test('return_to brings the user back to a path on this server, never to another site', async () => {
    const merchant = await floe.createMerchant();
    const email = await emailOf(merchant.userId);
    const cases = [['/oauth2/authorize?client_id=x', '/oauth2/authorize?client_id=x'], ['//evil.example/x', '/dashboard'], ['https://evil.example/', '/dashboard'], ['/\\evil.example', '/dashboard']] as const;
    for (const [returnTo, expected] of cases) {
      const browser = new Browser();
      const form = await browser.request(`/dashboard?return_to=${encodeURIComponent(returnTo)}`);
      const sent = await browser.request('/dashboard/sign-in', { form: { email, csrf: Browser.csrfOf(form.text), return_to: returnTo } });
      const code = (await codesSentTo(email)).at(-1)!;
      const signedIn = await browser.request('/dashboard/sign-in/code', { form: { code, email, csrf: Browser.csrfOf(sent.text), return_to: returnTo } });
      assert.equal(signedIn.headers.get('location'), expected);
    }
  });
});
