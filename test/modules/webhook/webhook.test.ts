import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { validateEvent } from '@polar-sh/sdk/webhooks/index.js';
import { Webhook } from 'standardwebhooks';
import { WebhookSubscriptionUncanceledPayload$inboundSchema } from '@polar-sh/sdk/models/components/webhooksubscriptionuncanceledpayload.js';
import { startTestApp, type Merchant } from '../../helpers/app.js';
import { jobsDone, purchase } from '../../helpers/purchase.js';
import { startReceiver, until, type Receiver } from './receiver.js';

const floe = await startTestApp({ FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true', FLOE_WEBHOOK_RETRY_BASE_MS: '50' });
const worker = floe.startWorker();
const receivers: Receiver[] = [];
after(async () => {
  await worker.stop();
  for (const receiver of receivers) await receiver.close();
});

async function api(merchant: Merchant, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${floe.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${merchant.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function receiverEndpoint(merchant: Merchant, events: string[], secret = 'endpoint-secret-1') {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await api(merchant, 'POST', '/v1/webhooks/endpoints', { url: receiver.url, format: 'raw', secret, events, organization_id: merchant.organizationId });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return { receiver, endpoint: created.json as { id: string } };
}

function verify(received: { headers: Record<string, unknown>; body: string }, secret = 'endpoint-secret-1') {
  const headers = Object.fromEntries(Object.entries(received.headers).map(([key, value]) => [key, String(value)]));
  return validateEvent(received.body, headers, secret);
}

describe('webhook endpoints', () => {
  test('create, read, update, delete; the secret is never shown; other organizations see nothing', async () => {
    const merchant = await floe.createMerchant();
    const created = await api(merchant, 'POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/polar', format: 'slack', secret: 's3cret', events: ['order.created'], organization_id: merchant.organizationId });
    assert.equal(created.status, 201);
    assert.equal(created.json.secret, undefined);
    assert.deepEqual(created.json.events, ['order.created']);
    const updated = await api(merchant, 'PATCH', `/v1/webhooks/endpoints/${created.json.id}`, { format: 'discord', events: ['order.created', 'product.created'] });
    assert.equal(updated.json.format, 'discord');
    const list = await api(merchant, 'GET', `/v1/webhooks/endpoints?organization_id=${merchant.organizationId}`);
    assert.equal(list.json.pagination.total_count, 1);
    const stranger = await floe.createMerchant();
    assert.equal((await api(stranger, 'GET', `/v1/webhooks/endpoints/${created.json.id}`)).status, 404);
    assert.equal((await api(stranger, 'GET', '/v1/webhooks/endpoints')).json.pagination.total_count, 0);
    assert.equal((await api(merchant, 'POST', '/v1/webhooks/endpoints', { url: 'https://x.example.com', format: 'raw', secret: 's', events: ['nope.event'], organization_id: merchant.organizationId })).status, 422);
    assert.equal((await api(merchant, 'DELETE', `/v1/webhooks/endpoints/${created.json.id}`)).status, 204);
    assert.equal((await api(merchant, 'GET', `/v1/webhooks/endpoints/${created.json.id}`)).status, 404);
  });

  test('without the setting, only https URLs on public addresses are accepted', async () => {
    const strict = await startTestApp();
    const merchant = await strict.createMerchant();
    const attempt = (url: string) =>
      fetch(`${strict.baseUrl}/v1/webhooks/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, format: 'raw', secret: 's', events: ['order.created'], organization_id: merchant.organizationId }),
      }).then((response) => response.status);
    for (const url of ['http://hooks.example.com/x', 'https://127.0.0.1/x', 'https://localhost/x', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://192.168.0.10/x', 'https://[::ffff:127.0.0.1]/x']) {
      assert.equal(await attempt(url), 422, url);
    }
    assert.equal(await attempt('https://hooks.example.com/x'), 201);
    await strict.close();
  });
});

describe('webhook delivery', () => {
  test('events of the API reach the receiver signed, and the SDK validates each', async () => {
    const merchant = await floe.createMerchant();
    const { receiver } = await receiverEndpoint(merchant, ['product.created', 'product.updated', 'benefit.created', 'benefit.updated', 'organization.updated']);
    const product = await merchant.sdk.products.create({ name: 'Hooked', organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd' }] });
    await merchant.sdk.products.update({ id: product.id, productUpdate: { name: 'Hooked 2' } });
    const benefit = await merchant.sdk.benefits.create({ type: 'custom', description: 'Support', organizationId: merchant.organizationId, properties: {} });
    await merchant.sdk.benefits.update({ id: benefit.id, requestBody: { type: 'custom', description: 'More support' } });
    await merchant.sdk.organizations.update({ id: merchant.organizationId, organizationUpdate: { name: 'Renamed org' } });
    await until(() => receiver.received.length >= 5, 10_000, 'five deliveries');
    const types = receiver.received.map((received) => verify(received).type).sort();
    assert.deepEqual(types, ['benefit.created', 'benefit.updated', 'organization.updated', 'product.created', 'product.updated']);
    const productEvent = verify(receiver.received.find((received) => received.body.includes('"product.updated"'))!);
    assert.ok(productEvent.type === 'product.updated' && productEvent.data.name === 'Hooked 2');
    // A wrong secret does not verify.
    assert.throws(() => verify(receiver.received[0]!, 'another-secret'));
  });

  test('purchase, subscription and benefit grant events reach the receiver, and the SDK validates each', async () => {
    const merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const events = ['checkout.created', 'checkout.updated', 'order.created', 'subscription.created', 'subscription.active', 'subscription.updated', 'subscription.canceled', 'subscription.uncanceled', 'subscription.revoked', 'benefit_grant.created', 'benefit_grant.updated', 'benefit_grant.revoked'];
    const { receiver } = await receiverEndpoint(merchant, events);
    const license = await sdk.benefits.create({ type: 'license_keys', description: 'License', organizationId, properties: { limitUsage: 10 } });
    const plan = await sdk.products.create({ name: 'Plan', organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd', recurringInterval: 'month' }] });
    await sdk.products.updateBenefits({ id: plan.id, productBenefitsUpdate: { benefits: [license.id] } });
    const { order } = await purchase(floe, sdk, plan.prices[0]!.id, 'hooked@example.com');
    await sdk.benefits.update({ id: license.id, requestBody: { type: 'license_keys', properties: { limitUsage: 20 } } });
    await jobsDone(floe);
    await sdk.subscriptions.update({ id: order.subscription_id!, subscriptionUpdate: { cancelAtPeriodEnd: true, revoke: null } });
    await sdk.subscriptions.update({ id: order.subscription_id!, subscriptionUpdate: { cancelAtPeriodEnd: false, revoke: null } });
    await sdk.subscriptions.revoke({ id: order.subscription_id! });
    await jobsDone(floe);
    await until(() => events.every((type) => receiver.received.some((received) => received.body.includes(`"type":"${type}"`))), 10_000, 'every event type');
    for (const received of receiver.received) {
      const type = (JSON.parse(received.body) as { type: string }).type;
      if (type === 'subscription.uncanceled') {
        // SDK 0.21's validateEvent predates this event type (its switch has no case for it): the
        // signature is checked the same way, and the payload parses with the SDK's own model.
        assert.throws(() => verify(received), /Failed to parse event/);
        const headers = Object.fromEntries(Object.entries(received.headers).map(([key, value]) => [key, String(value)]));
        new Webhook(Buffer.from('endpoint-secret-1').toString('base64')).verify(received.body, headers);
        const parsed = WebhookSubscriptionUncanceledPayload$inboundSchema.parse(JSON.parse(received.body) as unknown) as { data: { id: string } };
        assert.equal(parsed.data.id, order.subscription_id);
        continue;
      }
      const event = verify(received);
      assert.equal(event.type, type);
      if (event.type === 'benefit_grant.revoked') {
        assert.equal(event.data.isRevoked, true);
        assert.equal(event.data.benefit.id, license.id);
      }
    }
  });

  test('failures are retried with the same webhook-id until a 2xx; redirects are failures; attempts are recorded', async () => {
    const merchant = await floe.createMerchant();
    const { receiver, endpoint } = await receiverEndpoint(merchant, ['product.created']);
    receiver.answer = (_request, index) => (index === 0 ? { status: 500 } : index === 1 ? { status: 302, location: 'https://elsewhere.example.com' } : index === 2 ? { status: 404 } : { status: 204 });
    await merchant.sdk.products.create({ name: 'Retried', organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd' }] });
    await until(() => receiver.received.length >= 4, 10_000, 'four attempts');
    const ids = new Set(receiver.received.map((received) => received.headers['webhook-id']));
    assert.equal(ids.size, 1);
    await until(async () => (await api(merchant, 'GET', `/v1/webhooks/deliveries?endpoint_id=${endpoint.id}`)).json.pagination.total_count === 4);
    const deliveries = (await api(merchant, 'GET', `/v1/webhooks/deliveries?endpoint_id=${endpoint.id}`)).json.items as { succeeded: boolean; http_code: number; response: string; webhook_event: { id: string; succeeded: boolean } }[];
    assert.deepEqual(deliveries.map((delivery) => delivery.http_code).sort(), [204, 302, 404, 500]);
    assert.equal(deliveries.filter((delivery) => delivery.succeeded).length, 1);
    assert.equal(deliveries.find((delivery) => delivery.http_code === 500)?.response, 'nope');
    const webhookEventId = deliveries[0]!.webhook_event.id;
    assert.equal(webhookEventId, [...ids][0]);

    // Redelivery sends it once more.
    const redeliver = await api(merchant, 'POST', `/v1/webhooks/events/${webhookEventId}/redeliver`);
    assert.equal(redeliver.status, 202);
    await until(() => receiver.received.length >= 5, 10_000, 'a redelivery');
    const stranger = await floe.createMerchant();
    assert.equal((await api(stranger, 'POST', `/v1/webhooks/events/${webhookEventId}/redeliver`)).status, 404);
    assert.equal((await api(stranger, 'GET', `/v1/webhooks/deliveries?endpoint_id=${endpoint.id}`)).json.pagination.total_count, 0);
  });

  test('a receiver down for its first calls gets every event afterwards; gives up after 10 attempts', async () => {
    const merchant = await floe.createMerchant();
    const { receiver } = await receiverEndpoint(merchant, ['product.created']);
    let down = true;
    receiver.answer = () => ({ status: down ? 503 : 200 });
    for (let index = 0; index < 5; index++) {
      await merchant.sdk.products.create({ name: `Product ${index}`, organizationId: merchant.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd' }] });
    }
    await until(() => receiver.received.length >= 10, 10_000, 'failed attempts');
    down = false;
    await until(async () => {
      const rows = await floe.db.selectFrom('webhook_events').innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_events.endpoint_id').select('webhook_events.succeeded').where('webhook_endpoints.organization_id', '=', merchant.organizationId).execute();
      return rows.length === 5 && rows.every((row) => row.succeeded === true);
    }, 15_000, 'every event delivered');
    const delivered = new Set(receiver.received.filter((_received, index) => index >= 10).map((received) => (verify(received).data as { name: string }).name));
    assert.equal(delivered.size, 5);

    // Giving up, on a Floe whose backoff starts at 1 ms.
    const fast = await startTestApp({ FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true', FLOE_WEBHOOK_RETRY_BASE_MS: '1' });
    const fastWorker = fast.startWorker();
    const gone = await fast.createMerchant();
    const deadReceiver = await startReceiver();
    receivers.push(deadReceiver);
    deadReceiver.answer = () => ({ status: 500 });
    const response = await fetch(`${fast.baseUrl}/v1/webhooks/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gone.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: deadReceiver.url, format: 'raw', secret: 'x', events: ['product.created'], organization_id: gone.organizationId }),
    });
    const deadEndpoint = (await response.json()) as { id: string };
    await gone.sdk.products.create({ name: 'Never', organizationId: gone.organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 900, priceCurrency: 'usd' }] });
    await until(async () => {
      const row = await fast.db.selectFrom('webhook_events').select(['attempts', 'next_attempt_at']).where('endpoint_id', '=', deadEndpoint.id).executeTakeFirst();
      return row?.attempts === 10 && row.next_attempt_at === null;
    }, 15_000, 'ten attempts');
    await fastWorker.stop();
    const dead = { receiver: deadReceiver };
    assert.equal(dead.receiver.received.length, 10);
  });
});
