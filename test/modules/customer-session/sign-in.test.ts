// Signing in to the customer portal by e-mail: codes are delivered over SMTP when FLOE_SMTP_URL is
// set (here to a local SMTP server), work once, expire, and never tell who is a customer.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { clock } from '../../../src/kit/clock.js';
import { startTestApp } from '../../helpers/app.js';
import { jobsDone, until } from '../../helpers/purchase.js';

const received: { to: string[]; data: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, callback) {
    let data = '';
    stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((address) => address.address), data });
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
const smtpPort = (smtp.server.address() as { port: number }).port;

const floe = await startTestApp({ FLOE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, FLOE_EMAIL_FROM: 'Shop <shop@example.com>' });
const worker = floe.startWorker();
after(() => worker.stop());

async function post(path: string, body: object) {
  const response = await fetch(`${floe.baseUrl}/v1/customer-portal/customer-session/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: response.status === 202 ? null : ((await response.json()) as Record<string, string>) };
}

describe('sign-in by e-mail code', () => {
  test('a code sent over SMTP becomes a customer session token once; e-mail verified', async () => {
    const merchant = await floe.createMerchant();
    const customer = await merchant.sdk.customers.create({ email: 'Ada@Example.com', organizationId: merchant.organizationId });
    assert.equal(customer.emailVerified, false);
    assert.equal((await post('request', { email: 'ada@example.com', organization_id: merchant.organizationId })).status, 202);
    await jobsDone(floe);
    await until(async () => received.length === 1);
    assert.deepEqual(received[0]!.to.map((address) => address.toLowerCase()), ['ada@example.com']);
    assert.match(received[0]!.data, /From: Shop <shop@example.com>/);
    const code = /is ([A-Z0-9]{6})\./.exec(received[0]!.data)?.[1];
    assert.ok(code);
    const sent = await floe.db.selectFrom('emails').select('sent_at').where('to_address', '=', customer.email).executeTakeFirstOrThrow();
    assert.ok(sent.sent_at);

    const authenticated = await post('authenticate', { code: code.toLowerCase() });
    assert.equal(authenticated.status, 200);
    assert.match(authenticated.body!.token!, /^polar_cst_/);
    const me = await floe.sdk(authenticated.body!.token).customerPortal.customers.get({ id: customer.id });
    assert.equal(me.emailVerified, true);
    const again = await post('authenticate', { code });
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, { error: 'CustomerSessionCodeInvalidOrExpired', detail: 'This customer session code is invalid or has expired.' });
  });

  test('an unknown e-mail gets the same answer and no e-mail; codes expire after 30 minutes', async () => {
    const merchant = await floe.createMerchant();
    const before = received.length;
    assert.equal((await post('request', { email: 'nobody@example.com', organization_id: merchant.organizationId })).status, 202);
    await jobsDone(floe);
    assert.equal(received.length, before);
    assert.equal((await post('request', { email: 'not an email', organization_id: merchant.organizationId })).status, 422);

    await merchant.sdk.customers.create({ email: 'late@example.com', organizationId: merchant.organizationId });
    await post('request', { email: 'late@example.com', organization_id: merchant.organizationId });
    await jobsDone(floe);
    await until(async () => received.length === before + 1);
    const code = /is ([A-Z0-9]{6})\./.exec(received.at(-1)!.data)![1]!;
    clock.advance(31 * 60 * 1000);
    try {
      assert.equal((await post('authenticate', { code })).status, 401);
    } finally {
      clock.advance(-31 * 60 * 1000);
    }
  });

  test('the development outbox exists only without a mail server and with Floe on this machine', async () => {
    assert.equal((await fetch(`${floe.baseUrl}/outbox`)).status, 404);
    const deployed = await startTestApp({ FLOE_BASE_URL: 'https://shop.example.com' });
    assert.equal((await fetch(`${deployed.baseUrl}/outbox`)).status, 404);
    const local = await startTestApp();
    assert.equal((await fetch(`${local.baseUrl}/outbox`)).status, 200);
  });
});
