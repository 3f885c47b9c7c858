// The tenancy matrix: for every operation of Floe's OpenAPI document, organization B's callers on
// organization A's objects (one of every kind), and a customer of A on another customer's: refused
// (404, 403, or 401 where Polar answers it), never a byte of A's data, nothing of A changed. Lists
// filtered to A's ids answer nothing of A. The matrix is checked against the document: an operation
// that is neither in MATRIX nor in NO_TENANT_OBJECT fails the test, so none is left out silently.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { startTestApp } from '../helpers/app.js';
import { loadOperations } from '../helpers/operations.js';
import { buildShop, type Shop } from '../helpers/shop.js';
import { startFakeGitHub } from '../modules/external-organization/github-server.js';

const github = await startFakeGitHub();
const floe = await startTestApp({ FLOE_GITHUB_TOKEN: github.token, FLOE_GITHUB_API_URL: github.url });
const worker = floe.startWorker();
const a = await buildShop(floe, github);
const b = await buildShop(floe, github);
// Nothing runs in the background while the matrix runs: any write is one a request made.
await worker.stop();
const operations = await loadOperations(floe);

/** Who calls: B's merchant (personal token), B's organization token, B's buyer, A's customer without purchases, B's dashboard session. */
type Caller = 'merchant-b' | 'organization-b' | 'customer-b' | 'customer-x' | 'dashboard-b';

interface Case {
  /** The path, query included, with A's ids in it. */
  url: string;
  body?: unknown;
  /** Where A's ids are: a path id is answered 404/403/401; an id in a body or query may be a 422 too (Polar validates it as a field). */
  idsIn: 'path' | 'body';
  /** A list filtered to A's ids: 200 with nothing of A, or refused. */
  list?: boolean;
  /** Re-read after the call, with A's own credentials, to see nothing changed (defaults to the case's path when it is a GET-able object). */
  reread?: string;
}

const MERCHANT: Caller[] = ['merchant-b', 'organization-b'];
const PORTAL: Caller[] = ['customer-x', 'customer-b'];
const DASHBOARD: Caller[] = ['dashboard-b'];

interface Row {
  callers: Caller[];
  cases: (a: Shop, b: Shop) => Case[];
}

const path = (url: string, body?: unknown, reread?: string): Case => ({ url, body, idsIn: 'path', reread });
const inBody = (url: string, body: unknown): Case => ({ url, body, idsIn: 'body' });
const list = (url: string): Case => ({ url, idsIn: 'body', list: true });
const merchant = (cases: Row['cases']): Row => ({ callers: MERCHANT, cases });
const portal = (cases: Row['cases']): Row => ({ callers: PORTAL, cases });

/** Every operation that names a tenant's object, by path id, body field or query filter. */
const MATRIX: Record<string, Row> = {
  'get /v1/organizations/': merchant((a) => [list(`/v1/organizations/?slug=${a.organizationSlug}`)]),
  'get /v1/organizations/{id}': merchant((a) => [path(`/v1/organizations/${a.organizationId}`)]),
  'patch /v1/organizations/{id}': merchant((a) => [path(`/v1/organizations/${a.organizationId}`, { name: 'Taken over' }, `/v1/organizations/${a.organizationId}`)]),
  'get /v1/organizations/{id}/members': merchant((a) => [path(`/v1/organizations/${a.organizationId}/members`)]),
  'post /v1/organizations/{id}/members/invite': merchant((a) => [path(`/v1/organizations/${a.organizationId}/members/invite`, { email: 'intruder@example.com' }, `/v1/organizations/${a.organizationId}/members`)]),
  'get /v1/organization-access-tokens/': merchant((a) => [list(`/v1/organization-access-tokens/?organization_id=${a.organizationId}`)]),
  'post /v1/organization-access-tokens/': merchant((a) => [inBody('/v1/organization-access-tokens/', { organization_id: a.organizationId, comment: 'intruder', scopes: ['products:read'] })]),
  'delete /v1/organization-access-tokens/{id}': merchant((a) => [path(`/v1/organization-access-tokens/${a.organizationAccessTokenId}`, undefined, `/v1/organization-access-tokens/?organization_id=${a.organizationId}`)]),
  'get /v1/products/': merchant((a) => [list(`/v1/products/?organization_id=${a.organizationId}`), list(`/v1/products/?id=${a.productId}`), list(`/v1/products/?benefit_id=${a.benefitId}`)]),
  'post /v1/products/': merchant((a) => [inBody('/v1/products/', { name: 'Intruder', organization_id: a.organizationId, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 100, price_currency: 'usd' }] })]),
  'get /v1/products/{id}': merchant((a) => [path(`/v1/products/${a.productId}`)]),
  'patch /v1/products/{id}': merchant((a) => [path(`/v1/products/${a.productId}`, { name: 'Taken over' })]),
  'post /v1/products/{id}/benefits': merchant((a, b) => [path(`/v1/products/${a.productId}/benefits`, { benefits: [] }, `/v1/products/${a.productId}`), inBody(`/v1/products/${b.productId}/benefits`, { benefits: [a.benefitId] })]),
  'get /v1/benefits/': merchant((a) => [list(`/v1/benefits/?organization_id=${a.organizationId}`)]),
  'post /v1/benefits/': merchant((a) => [inBody('/v1/benefits/', { type: 'custom', description: 'Intruder', organization_id: a.organizationId, properties: { note: 'x' } })]),
  'get /v1/benefits/{id}': merchant((a) => [path(`/v1/benefits/${a.benefitId}`)]),
  'patch /v1/benefits/{id}': merchant((a) => [path(`/v1/benefits/${a.benefitId}`, { type: 'custom', description: 'Taken over' })]),
  'delete /v1/benefits/{id}': merchant((a) => [path(`/v1/benefits/${a.benefitId}`)]),
  'get /v1/benefits/{id}/grants': merchant((a, b) => [path(`/v1/benefits/${a.benefitId}/grants`), list(`/v1/benefits/${b.benefitId}/grants?customer_id=${a.customerId}`)]),
  'get /v1/custom-fields/': merchant((a) => [list(`/v1/custom-fields/?organization_id=${a.organizationId}`)]),
  'post /v1/custom-fields/': merchant((a) => [inBody('/v1/custom-fields/', { type: 'text', slug: 'intruder', name: 'Intruder', organization_id: a.organizationId, properties: {} })]),
  'get /v1/custom-fields/{id}': merchant((a) => [path(`/v1/custom-fields/${a.customFieldId}`)]),
  'patch /v1/custom-fields/{id}': merchant((a) => [path(`/v1/custom-fields/${a.customFieldId}`, { type: 'text', name: 'Taken over' })]),
  'delete /v1/custom-fields/{id}': merchant((a) => [path(`/v1/custom-fields/${a.customFieldId}`)]),
  'get /v1/discounts/': merchant((a) => [list(`/v1/discounts/?organization_id=${a.organizationId}`)]),
  'post /v1/discounts/': merchant((a, b) => [
    inBody('/v1/discounts/', { name: 'Intruder', type: 'fixed', amount: 100, currency: 'usd', duration: 'once', organization_id: a.organizationId }),
    inBody('/v1/discounts/', { name: 'Intruder', type: 'fixed', amount: 100, currency: 'usd', duration: 'once', organization_id: b.organizationId, products: [a.productId] }),
  ]),
  'get /v1/discounts/{id}': merchant((a) => [path(`/v1/discounts/${a.discountId}`)]),
  'patch /v1/discounts/{id}': merchant((a) => [path(`/v1/discounts/${a.discountId}`, { name: 'Taken over' })]),
  'delete /v1/discounts/{id}': merchant((a) => [path(`/v1/discounts/${a.discountId}`)]),
  'get /v1/files/': merchant((a, b) => [list(`/v1/files/?organization_id=${a.organizationId}`), list(`/v1/files/?organization_id=${b.organizationId}&ids=${a.fileId}`)]),
  'post /v1/files/': merchant((a) => [
    inBody('/v1/files/', { organization_id: a.organizationId, name: 'x.bin', size: 1, mime_type: 'application/octet-stream', service: 'downloadable', upload: { parts: [{ number: 1, chunk_start: 0, chunk_end: 1 }] } }),
  ]),
  'post /v1/files/{id}/uploaded': merchant((a) => [path(`/v1/files/${a.fileId}/uploaded`, { id: 'upload', path: 'path', parts: [{ number: 1, checksum_etag: 'etag', checksum_sha256_base64: null }] }, `/v1/files/?organization_id=${a.organizationId}&ids=${a.fileId}`)]),
  'patch /v1/files/{id}': merchant((a) => [path(`/v1/files/${a.fileId}`, { name: 'taken-over.bin' }, `/v1/files/?organization_id=${a.organizationId}&ids=${a.fileId}`)]),
  'delete /v1/files/{id}': merchant((a) => [path(`/v1/files/${a.fileId}`, undefined, `/v1/files/?organization_id=${a.organizationId}&ids=${a.fileId}`)]),
  'get /v1/customers/': merchant((a) => [list(`/v1/customers/?organization_id=${a.organizationId}`)]),
  'post /v1/customers/': merchant((a) => [inBody('/v1/customers/', { email: 'intruder@example.com', organization_id: a.organizationId })]),
  'get /v1/customers/{id}': merchant((a) => [path(`/v1/customers/${a.customerId}`)]),
  'patch /v1/customers/{id}': merchant((a) => [path(`/v1/customers/${a.customerId}`, { name: 'Taken over' })]),
  'delete /v1/customers/{id}': merchant((a) => [path(`/v1/customers/${a.customerId}`)]),
  'post /v1/customer-sessions/': merchant((a) => [inBody('/v1/customer-sessions/', { customer_id: a.customerId })]),
  'get /v1/checkouts/custom/': merchant((a) => [list(`/v1/checkouts/custom/?organization_id=${a.organizationId}`), list(`/v1/checkouts/custom/?product_id=${a.productId}`)]),
  'post /v1/checkouts/custom/': merchant((a) => [inBody('/v1/checkouts/custom/', { product_price_id: a.priceId })]),
  'get /v1/checkouts/custom/{id}': merchant((a) => [path(`/v1/checkouts/custom/${a.checkoutId}`)]),
  'patch /v1/checkouts/custom/{id}': merchant((a) => [path(`/v1/checkouts/custom/${a.checkoutId}`, { customer_name: 'Taken over' })]),
  'post /v1/checkouts/': merchant((a) => [inBody('/v1/checkouts/', { product_price_id: a.priceId })]),
  'get /v1/checkout-links/': merchant((a) => [list(`/v1/checkout-links/?organization_id=${a.organizationId}`), list(`/v1/checkout-links/?product_id=${a.productId}`)]),
  'post /v1/checkout-links/': merchant((a) => [inBody('/v1/checkout-links/', { product_price_id: a.priceId })]),
  'get /v1/checkout-links/{id}': merchant((a) => [path(`/v1/checkout-links/${a.checkoutLinkId}`)]),
  'patch /v1/checkout-links/{id}': merchant((a) => [path(`/v1/checkout-links/${a.checkoutLinkId}`, { label: 'Taken over' })]),
  'delete /v1/checkout-links/{id}': merchant((a) => [path(`/v1/checkout-links/${a.checkoutLinkId}`)]),
  'get /v1/orders/': merchant((a) => [
    list(`/v1/orders/?organization_id=${a.organizationId}`),
    list(`/v1/orders/?product_id=${a.productId}&customer_id=${a.customerId}`),
    list(`/v1/orders/?checkout_id=${a.checkoutId}`),
    list(`/v1/orders/?discount_id=${a.discountId}`),
  ]),
  'get /v1/orders/{id}': merchant((a) => [path(`/v1/orders/${a.orderId}`)]),
  'get /v1/orders/{id}/invoice': merchant((a) => [path(`/v1/orders/${a.orderId}/invoice`)]),
  'get /v1/subscriptions/': merchant((a) => [list(`/v1/subscriptions/?organization_id=${a.organizationId}`), list(`/v1/subscriptions/?product_id=${a.recurringProductId}&customer_id=${a.customerId}`)]),
  // A CSV: of another organization, only its header (Polar lists the caller's subscriptions in it).
  'get /v1/subscriptions/export': merchant((a) => [list(`/v1/subscriptions/export?organization_id=${a.organizationId}`)]),
  'get /v1/subscriptions/{id}': merchant((a) => [path(`/v1/subscriptions/${a.subscriptionId}`)]),
  'patch /v1/subscriptions/{id}': merchant((a) => [path(`/v1/subscriptions/${a.subscriptionId}`, { cancel_at_period_end: true })]),
  'delete /v1/subscriptions/{id}': merchant((a) => [path(`/v1/subscriptions/${a.subscriptionId}`)]),
  'get /v1/license-keys': merchant((a) => [list(`/v1/license-keys?organization_id=${a.organizationId}`), list(`/v1/license-keys?benefit_id=${a.licenseBenefitId}`)]),
  'get /v1/license-keys/{id}': merchant((a) => [path(`/v1/license-keys/${a.licenseKeyId}`)]),
  'patch /v1/license-keys/{id}': merchant((a) => [path(`/v1/license-keys/${a.licenseKeyId}`, { usage: 42 })]),
  'get /v1/license-keys/{id}/activations/{activation_id}': merchant((a) => [path(`/v1/license-keys/${a.licenseKeyId}/activations/${a.activationId}`)]),
  'get /v1/customer-portal/license-keys/': portal((a) => [list(`/v1/customer-portal/license-keys/?organization_id=${a.organizationId}`), list(`/v1/customer-portal/license-keys/?benefit_id=${a.licenseBenefitId}`)]),
  'get /v1/customer-portal/license-keys/{id}': portal((a) => [path(`/v1/customer-portal/license-keys/${a.licenseKeyId}`)]),
  // The key is the credential of these three (anyone holding it may use it, as in Polar); a key under another organization's id is not found.
  'post /v1/customer-portal/license-keys/validate': merchant((a, b) => [inBody('/v1/customer-portal/license-keys/validate', { key: a.licenseKey, organization_id: b.organizationId })]),
  'post /v1/customer-portal/license-keys/activate': merchant((a, b) => [inBody('/v1/customer-portal/license-keys/activate', { key: a.licenseKey, organization_id: b.organizationId, label: 'intruder' })]),
  'post /v1/customer-portal/license-keys/deactivate': merchant((a, b) => [
    inBody('/v1/customer-portal/license-keys/deactivate', { key: a.licenseKey, organization_id: b.organizationId, activation_id: a.activationId }),
    inBody('/v1/customer-portal/license-keys/deactivate', { key: b.licenseKey, organization_id: b.organizationId, activation_id: a.activationId }),
  ]),
  'get /v1/customer-portal/downloadables/': portal((a) => [list(`/v1/customer-portal/downloadables/?organization_id=${a.organizationId}`), list(`/v1/customer-portal/downloadables/?benefit_id=${a.downloadableBenefitId}`)]),
  'get /v1/customer-portal/customers/{id}': portal((a) => [path(`/v1/customer-portal/customers/${a.customerId}`)]),
  'get /v1/customer-portal/orders/': portal((a) => [list(`/v1/customer-portal/orders/?organization_id=${a.organizationId}`), list(`/v1/customer-portal/orders/?product_id=${a.productId}`)]),
  'get /v1/customer-portal/orders/{id}': portal((a) => [path(`/v1/customer-portal/orders/${a.orderId}`)]),
  'get /v1/customer-portal/orders/{id}/invoice': portal((a) => [path(`/v1/customer-portal/orders/${a.orderId}/invoice`)]),
  'get /v1/customer-portal/subscriptions/': portal((a) => [list(`/v1/customer-portal/subscriptions/?organization_id=${a.organizationId}`), list(`/v1/customer-portal/subscriptions/?product_id=${a.recurringProductId}`)]),
  'get /v1/customer-portal/subscriptions/{id}': portal((a) => [path(`/v1/customer-portal/subscriptions/${a.subscriptionId}`)]),
  'patch /v1/customer-portal/subscriptions/{id}': portal((a) => [path(`/v1/customer-portal/subscriptions/${a.subscriptionId}`, { cancel_at_period_end: true })]),
  'delete /v1/customer-portal/subscriptions/{id}': portal((a) => [path(`/v1/customer-portal/subscriptions/${a.subscriptionId}`)]),
  'get /v1/customer-portal/benefit-grants/': portal((a) => [
    list(`/v1/customer-portal/benefit-grants/?organization_id=${a.organizationId}`),
    list(`/v1/customer-portal/benefit-grants/?benefit_id=${a.benefitId}&order_id=${a.orderId}`),
    list(`/v1/customer-portal/benefit-grants/?checkout_id=${a.checkoutId}&subscription_id=${a.subscriptionId}`),
  ]),
  'get /v1/customer-portal/benefit-grants/{id}': portal((a) => [path(`/v1/customer-portal/benefit-grants/${a.grantId}`)]),
  'patch /v1/customer-portal/benefit-grants/{id}': portal((a) => [path(`/v1/customer-portal/benefit-grants/${a.grantId}`, { benefit_type: 'custom' })]),
  'put /v1/customer-portal/benefit-grants/{id}/advertisement-campaign': portal((a) => [path(`/v1/customer-portal/benefit-grants/${a.adsGrantId}/advertisement-campaign`, { image_url: 'https://evil.example/ad.png', text: 'Taken over', link_url: 'https://evil.example/' }, `/v1/customer-portal/benefit-grants/${a.adsGrantId}`)]),
  'get /v1/webhooks/endpoints': merchant((a) => [list(`/v1/webhooks/endpoints?organization_id=${a.organizationId}`)]),
  'post /v1/webhooks/endpoints': merchant((a) => [inBody('/v1/webhooks/endpoints', { url: 'https://evil.example/hook', format: 'raw', secret: 'x', events: ['order.created'], organization_id: a.organizationId })]),
  'get /v1/webhooks/endpoints/{id}': merchant((a) => [path(`/v1/webhooks/endpoints/${a.webhookEndpointId}`)]),
  'patch /v1/webhooks/endpoints/{id}': merchant((a) => [path(`/v1/webhooks/endpoints/${a.webhookEndpointId}`, { url: 'https://evil.example/hook' })]),
  'delete /v1/webhooks/endpoints/{id}': merchant((a) => [path(`/v1/webhooks/endpoints/${a.webhookEndpointId}`)]),
  'get /v1/webhooks/deliveries': merchant((a) => [list(`/v1/webhooks/deliveries?endpoint_id=${a.webhookEndpointId}`)]),
  'post /v1/webhooks/events/{id}/redeliver': merchant((a) => [path(`/v1/webhooks/events/${a.webhookEventId}/redeliver`)]),
  'get /v1/metrics/': merchant((a) => [{ url: `/v1/metrics/?start_date=2020-01-01&end_date=2030-01-01&interval=year&organization_id=${a.organizationId}`, idsIn: 'body', list: true }, { url: `/v1/metrics/?start_date=2020-01-01&end_date=2030-01-01&interval=year&product_id=${a.productId}`, idsIn: 'body', list: true }]),
  // Users (and anonymous callers) see every external organization, as in Polar: they are public
  // GitHub accounts. An organization token sees its own only.
  'get /v1/external_organizations/': { callers: ['organization-b'], cases: (a) => [list(`/v1/external_organizations/?organization_id=${a.organizationId}`)] },
  'get /v1/repositories/': merchant((a) => [list(`/v1/repositories/?organization_id=${a.organizationId}`)]),
  'get /v1/repositories/{id}': merchant((a) => [path(`/v1/repositories/${a.repositoryId}`)]),
  'patch /v1/repositories/{id}': merchant((a) => [path(`/v1/repositories/${a.repositoryId}`, { profile_settings: { set_description: true, description: 'Taken over' } })]),
  'get /v1/floe/test-clock': merchant((a) => [{ url: `/v1/floe/test-clock?organization_id=${a.organizationId}`, idsIn: 'body' }]),
  'post /v1/floe/test-clock': merchant((a) => [inBody('/v1/floe/test-clock', { organization_id: a.organizationId, advance_by: 'P1D' })]),
  'get /v1/oauth2/': { callers: DASHBOARD, cases: () => [list('/v1/oauth2/')] },
  'get /v1/oauth2/register/{client_id}': { callers: DASHBOARD, cases: (a) => [path(`/v1/oauth2/register/${a.oauth2ClientId}`)] },
  'put /v1/oauth2/register/{client_id}': { callers: DASHBOARD, cases: (a) => [path(`/v1/oauth2/register/${a.oauth2ClientId}`, { client_id: a.oauth2ClientId, client_name: 'Taken over', redirect_uris: ['https://evil.example/callback'] })] },
  'delete /v1/oauth2/register/{client_id}': { callers: DASHBOARD, cases: (a) => [path(`/v1/oauth2/register/${a.oauth2ClientId}`)] },
};

/**
 * Operations that take no tenant's object, each with why. Everything else must be in MATRIX.
 */
const NO_TENANT_OBJECT: Record<string, string> = {
  'post /v1/organizations/': 'creates an organization of the caller; names no other',
  'get /v1/checkouts/{id}': "Polar's legacy checkout is public by id: the session id is the buyer's credential",
  'get /v1/checkouts/custom/client/{client_secret}': "the client secret is the checkout's credential (the buyer's browser holds it), as in Polar",
  'patch /v1/checkouts/custom/client/{client_secret}': 'the client secret is the credential',
  'post /v1/checkouts/custom/client/{client_secret}/confirm': 'the client secret is the credential',
  'get /v1/customer-portal/downloadables/{token}': 'a signed, expiring download token is the credential',
  'get /v1/customer-portal/organizations/{slug}': "public: an organization's portal page, by slug",
  'get /v1/advertisements/': "public: the campaigns a merchant's site shows",
  'get /v1/advertisements/{id}': 'public: one campaign',
  'post /v1/advertisements/{id}/view': 'public: counts a view of a campaign',
  'get /v1/metrics/limits': 'the same limits for everyone',
  'post /v1/oauth2/register': 'registers a client of the caller; names no other',
  'get /v1/oauth2/authorize': "the OAuth2 flow: any user may authorize any client (the consent is the caller's own)",
  'get /v1/oauth2/userinfo': "the token's own user",
  'post /v1/oauth2/token': "client credentials authenticate it (RFC 6749); no bearer caller's object",
  'post /v1/oauth2/revoke': 'client credentials authenticate it (RFC 7009)',
  'post /v1/oauth2/introspect': 'client credentials authenticate it (RFC 7662)',
};

function credentials(caller: Caller | 'merchant-a' | 'customer-a' | 'dashboard-a'): Record<string, string> {
  const dashboard = (session: string) => ({ cookie: `floe_session=${session}`, 'x-csrf-token': floe.context.authenticator.csrfToken(session) });
  switch (caller) {
    case 'merchant-b':
      return { authorization: `Bearer ${b.merchant.token}` };
    case 'organization-b':
      return { authorization: `Bearer ${b.organizationToken}` };
    case 'customer-b':
      return { authorization: `Bearer ${b.customerSessionToken}` };
    case 'customer-x':
      return { authorization: `Bearer ${a.plainCustomerSessionToken}` };
    case 'dashboard-b':
      return dashboard(b.userSession);
    case 'merchant-a':
      return { authorization: `Bearer ${a.merchant.token}` };
    case 'customer-a':
      return { authorization: `Bearer ${a.customerSessionToken}` };
    case 'dashboard-a':
      return dashboard(a.userSession);
  }
}

async function call(method: string, url: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${floe.baseUrl}${url}`, {
    method: method.toUpperCase(),
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text() };
}

/** A's own view of an object, to compare before and after another tenant's call. */
async function reread(url: string): Promise<string> {
  const owner = url.startsWith('/v1/customer-portal/') ? 'customer-a' : url.startsWith('/v1/oauth2/') ? 'dashboard-a' : 'merchant-a';
  const response = await call('get', url, credentials(owner));
  assert.equal(response.status, 200, `A reads ${url}: ${response.status} ${response.text.slice(0, 200)}`);
  return response.text;
}

/** Per table, the row count and newest row version's xmin: any committed insert, update or delete moves it (see fuzz.test.ts). */
const tables = (await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'rate_limits' ORDER BY tablename`.execute(floe.db)).rows.map((row) => row.tablename);
const fingerprintQuery = sql.raw(`SELECT json_build_object(${tables.map((name) => `'${name}', (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${name}")`).join(', ')}) AS tables`);
async function fingerprint(): Promise<Record<string, string>> {
  return ((await fingerprintQuery.execute(floe.db)).rows[0] as { tables: Record<string, string> }).tables;
}

/** Everything of A another tenant must never see: every id, and the tag in every name. */
const secretsOfA = [
  a.organizationId, a.productId, a.priceId, a.recurringProductId, a.recurringPriceId, a.benefitId, a.licenseBenefitId, a.downloadableBenefitId, a.adsBenefitId,
  a.customFieldId, a.discountId, a.checkoutLinkId, a.checkoutId, a.checkoutClientSecret, a.customerId, a.orderId, a.subscriptionId, a.grantId, a.adsGrantId,
  a.campaignId, a.licenseKeyId, a.licenseKey, a.activationId, a.fileId, a.webhookEndpointId, a.webhookEventId, a.organizationAccessTokenId, a.oauth2ClientId,
  a.repositoryId, a.plainCustomerId, a.merchant.userId, a.organizationSlug, ...a.markers,
];

const REFUSED_PATH = [401, 403, 404];
const REFUSED_FIELD = [401, 403, 404, 422];

describe('tenancy matrix', () => {
  test('every operation of the document is in the matrix or named as taking no tenant object', () => {
    const keys = new Set(operations.map((operation) => operation.key));
    const unmapped = [...keys].filter((key) => !(key in MATRIX) && !(key in NO_TENANT_OBJECT));
    assert.deepEqual(unmapped, [], `operations with no tenancy case: add each to MATRIX in test/platform/tenancy.test.ts (or, if it takes no tenant's object, to NO_TENANT_OBJECT with why)`);
    const stale = [...Object.keys(MATRIX), ...Object.keys(NO_TENANT_OBJECT)].filter((key) => !keys.has(key));
    assert.deepEqual(stale, [], 'matrix rows for operations the document no longer has');
    const both = Object.keys(MATRIX).filter((key) => key in NO_TENANT_OBJECT);
    assert.deepEqual(both, []);
    assert.equal(Object.keys(MATRIX).length + Object.keys(NO_TENANT_OBJECT).length, operations.length, 'the matrix covers exactly the operations of the document');
  });

  // Deletions last, so that the other rows still find A's objects (they are refused anyway, but if one were not, the rest still test).
  const ordered = [...operations].sort((x, y) => Number(x.method === 'delete') - Number(y.method === 'delete'));
  for (const operation of ordered) {
    const row = MATRIX[operation.key];
    if (!row) continue;
    test(operation.key, async () => {
      for (const caseOfA of row.cases(a, b)) {
        const rereadUrl = caseOfA.reread ?? (operation.method !== 'get' && caseOfA.idsIn === 'path' && operations.some((other) => other.method === 'get' && other.path === operation.path) ? caseOfA.url : undefined);
        for (const caller of row.callers as readonly Caller[]) {
          const where: string = `${operation.method.toUpperCase()} ${caseOfA.url} as ${caller}`;
          const before = await fingerprint();
          const seenBefore = rereadUrl ? await reread(rereadUrl) : undefined;
          const response = await call(operation.method, caseOfA.url, credentials(caller), caseOfA.body);
          const sent = caseOfA.url + JSON.stringify(caseOfA.body ?? null);
          const leaked = secretsOfA.filter((secret) => !sent.includes(secret) && response.text.includes(secret));
          assert.deepEqual(leaked, [], `${where}: ${response.status} answered A's data: ${response.text.slice(0, 400)}`);
          if (caseOfA.list && response.status === 200) {
            // Nothing of A (checked above: an item of A would carry its ids); a CSV export has its header only.
            if (!response.text.startsWith('{')) assert.equal(response.text.trim().split('\n').length, 1, `${where}: rows in the export: ${response.text.slice(0, 300)}`);
          } else {
            const allowed = caseOfA.idsIn === 'path' ? REFUSED_PATH : REFUSED_FIELD;
            assert.ok(allowed.includes(response.status), `${where}: expected ${allowed.join(' or ')}, got ${response.status} ${response.text.slice(0, 400)}`);
          }
          assert.deepEqual(Object.entries(await fingerprint()).filter(([name, value]) => before[name] !== value).map(([name]) => name), [], `${where}: wrote to the database`);
          if (rereadUrl) assert.equal(await reread(rereadUrl), seenBefore, `${where}: changed what A reads at ${rereadUrl}`);
        }
      }
    });
  }
});
