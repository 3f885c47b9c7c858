// An organization with one object of every kind the API names by id (for the fuzz and tenancy
// tests): made through the public API as a merchant and a buyer would, plus a GitHub account
// (a fake GitHub) for repositories and a dashboard session for OAuth2 clients.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { newId } from '../../src/kit/ids.js';
import { generateToken } from '../../src/modules/access-token/token.js';
import { linkGitHubAccount } from '../../src/modules/external-organization/service.js';
import type { Merchant, TestApp } from './app.js';
import { purchase } from './purchase.js';
import { uploadFile, bytesOf } from '../modules/file/upload.js';
import type { FakeGitHub } from '../modules/external-organization/github-server.js';

export interface Shop {
  merchant: Merchant;
  organizationId: string;
  organizationSlug: string;
  /** An organization token (every scope). */
  organizationToken: string;
  /** A dashboard session cookie token of the merchant (for OAuth2 client registration). */
  userSession: string;
  productId: string;
  priceId: string;
  recurringProductId: string;
  recurringPriceId: string;
  benefitId: string;
  licenseBenefitId: string;
  downloadableBenefitId: string;
  adsBenefitId: string;
  customFieldId: string;
  discountId: string;
  checkoutLinkId: string;
  checkoutId: string;
  checkoutClientSecret: string;
  customerId: string;
  orderId: string;
  subscriptionId: string;
  /** The customer who bought: their session token, their benefit grants. */
  customerSessionToken: string;
  grantId: string;
  adsGrantId: string;
  campaignId: string;
  licenseKeyId: string;
  licenseKey: string;
  activationId: string;
  fileId: string;
  downloadableToken: string;
  webhookEndpointId: string;
  webhookEventId: string;
  organizationAccessTokenId: string;
  oauth2ClientId: string;
  repositoryId: string;
  /** A customer with no purchase, made through the API, and their session. */
  plainCustomerId: string;
  plainCustomerSessionToken: string;
  /** Every name and secret-ish string of this shop that must not appear in another tenant's answer. */
  markers: string[];
}

async function ok(floe: TestApp, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await floe.call(token, method, path, body);
  assert.ok(response.status >= 200 && response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A dashboard session for the user, as signing in makes one (the cookie's token). */
export async function userSessionFor(floe: TestApp, userId: string): Promise<string> {
  const token = generateToken('polar_us_');
  await floe.db
    .insertInto('user_sessions')
    .values({ id: newId(), user_id: userId, token_hash: floe.context.authenticator.hashToken(token), user_agent: 'test', expires_at: new Date(Date.now() + 86_400_000) })
    .execute();
  return token;
}

/** Builds the shop. Needs a running worker (purchases, grants) and the fake GitHub the app was started with. */
export async function buildShop(floe: TestApp, github: FakeGitHub): Promise<Shop> {
  const tag = randomBytes(4).toString('hex');
  const merchant = await floe.createMerchant({ keepEvents: true });
  const { token, organizationId } = merchant;
  const organization = await ok(floe, token, 'GET', `/v1/organizations/${organizationId}`);
  const organizationToken = await floe.createOrganizationToken(organizationId);
  const userSession = await userSessionFor(floe, merchant.userId);

  const file = await uploadFile(merchant.sdk, bytesOf(64, 3), { organizationId, name: `file-${tag}.bin`, partSize: 64 });
  const benefit = await ok(floe, token, 'POST', '/v1/benefits/', { type: 'custom', description: `Custom ${tag}`, organization_id: organizationId, properties: { note: `Note ${tag}` } });
  const licenseBenefit = await ok(floe, token, 'POST', '/v1/benefits/', { type: 'license_keys', description: `Keys ${tag}`, organization_id: organizationId, properties: { activations: { limit: 3, enable_customer_admin: true } } });
  const downloadableBenefit = await ok(floe, token, 'POST', '/v1/benefits/', { type: 'downloadables', description: `Files ${tag}`, organization_id: organizationId, properties: { files: [file.id] } });
  const adsBenefit = await ok(floe, token, 'POST', '/v1/benefits/', { type: 'ads', description: `Ads ${tag}`, organization_id: organizationId, properties: { image_width: 728, image_height: 90 } });
  const product = await ok(floe, token, 'POST', '/v1/products/', { name: `Product ${tag}`, organization_id: organizationId, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }] });
  await ok(floe, token, 'POST', `/v1/products/${product.id}/benefits`, { benefits: [benefit.id, licenseBenefit.id, downloadableBenefit.id, adsBenefit.id] });
  const recurring = await ok(floe, token, 'POST', '/v1/products/', { name: `Plan ${tag}`, organization_id: organizationId, prices: [{ type: 'recurring', recurring_interval: 'month', amount_type: 'fixed', price_amount: 500, price_currency: 'usd' }] });
  const customField = await ok(floe, token, 'POST', '/v1/custom-fields/', { type: 'text', slug: `field-${tag}`, name: `Field ${tag}`, organization_id: organizationId, properties: {} });
  const discount = await ok(floe, token, 'POST', '/v1/discounts/', { name: `Discount ${tag}`, code: `CODE${tag}`, type: 'fixed', amount: 100, currency: 'usd', duration: 'once', organization_id: organizationId });
  const checkoutLink = await ok(floe, token, 'POST', '/v1/checkout-links/', { product_price_id: product.prices[0].id, label: `Link ${tag}` });
  const checkout = await ok(floe, token, 'POST', '/v1/checkouts/custom/', { product_price_id: product.prices[0].id });

  const bought = await purchase(floe, merchant.sdk, product.prices[0].id, `buyer-${tag}@example.com`);
  const subscribed = await purchase(floe, merchant.sdk, recurring.prices[0].id, `buyer-${tag}@example.com`);
  const subscription = await floe.db.selectFrom('subscriptions').select('id').where('customer_id', '=', subscribed.customerId).executeTakeFirstOrThrow();
  const session = bought.customerSessionToken;
  const grants = (await ok(floe, session, 'GET', '/v1/customer-portal/benefit-grants/?limit=100')).items as { id: string; benefit_id: string; properties: Record<string, any> }[];
  const grant = grants.find((item) => item.benefit_id === benefit.id)!;
  const adsGrant = grants.find((item) => item.benefit_id === adsBenefit.id)!;
  const campaign = await ok(floe, session, 'PUT', `/v1/customer-portal/benefit-grants/${adsGrant.id}/advertisement-campaign`, { image_url: 'https://cdn.example.com/ad.png', text: `Ad ${tag}`, link_url: 'https://example.com/' });
  const keys = (await ok(floe, token, 'GET', `/v1/license-keys?organization_id=${organizationId}`)).items as { id: string; key: string }[];
  const licenseKey = keys[0]!;
  const activation = await ok(floe, '', 'POST', '/v1/customer-portal/license-keys/activate', { key: licenseKey.key, organization_id: organizationId, label: `Laptop ${tag}` });
  const downloadables = (await ok(floe, session, 'GET', '/v1/customer-portal/downloadables/')).items as { file: { download: { url: string } } }[];
  const downloadableToken = new URL(downloadables[0]!.file.download.url).pathname.split('/').pop()!;

  const webhookEndpoint = await ok(floe, token, 'POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.invalid/shop', format: 'raw', secret: `secret-${tag}`, events: ['order.created'], organization_id: organizationId });
  // createMerchant's keepEvents endpoint took every event of the purchases.
  const event = await floe.db.selectFrom('webhook_events').innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_events.endpoint_id').select('webhook_events.id').where('webhook_endpoints.organization_id', '=', organizationId).executeTakeFirstOrThrow();
  const organizationAccessToken = await ok(floe, token, 'POST', '/v1/organization-access-tokens/', { organization_id: organizationId, comment: `Token ${tag}`, scopes: ['products:read'] });
  const oauth2 = await fetch(`${floe.baseUrl}/v1/oauth2/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `floe_session=${userSession}`, 'x-csrf-token': floe.context.authenticator.csrfToken(userSession) },
    body: JSON.stringify({ client_name: `App ${tag}`, redirect_uris: ['https://app.example.com/callback'] }),
  });
  assert.equal(oauth2.status, 200, await oauth2.clone().text());
  const oauth2Client = (await oauth2.json()) as { client_id: string };

  const login = `gh-${tag}`;
  github.addAccount({ id: Number.parseInt(tag, 16), login, type: 'Organization' }, [{ id: Number.parseInt(tag, 16) + 1, name: `private-${tag}`, private: true }]);
  await linkGitHubAccount(floe.db, floe.config, organizationId, login);
  const repository = await floe.db.selectFrom('repositories').innerJoin('external_organizations', 'external_organizations.id', 'repositories.external_organization_id').select('repositories.id').where('external_organizations.organization_id', '=', organizationId).executeTakeFirstOrThrow();

  const plainCustomer = await ok(floe, token, 'POST', '/v1/customers/', { email: `plain-${tag}@example.com`, name: `Plain ${tag}`, organization_id: organizationId });
  const plainSession = await ok(floe, token, 'POST', '/v1/customer-sessions/', { customer_id: plainCustomer.id });

  return {
    merchant,
    organizationId,
    organizationSlug: organization.slug,
    organizationToken,
    userSession,
    productId: product.id,
    priceId: product.prices[0].id,
    recurringProductId: recurring.id,
    recurringPriceId: recurring.prices[0].id,
    benefitId: benefit.id,
    licenseBenefitId: licenseBenefit.id,
    downloadableBenefitId: downloadableBenefit.id,
    adsBenefitId: adsBenefit.id,
    customFieldId: customField.id,
    discountId: discount.id,
    checkoutLinkId: checkoutLink.id,
    checkoutId: checkout.id,
    checkoutClientSecret: checkout.client_secret,
    customerId: bought.customerId,
    orderId: bought.order.id,
    subscriptionId: subscription.id,
    customerSessionToken: session,
    grantId: grant.id,
    adsGrantId: adsGrant.id,
    campaignId: campaign.id,
    licenseKeyId: licenseKey.id,
    licenseKey: licenseKey.key,
    activationId: activation.id,
    fileId: file.id,
    downloadableToken,
    webhookEndpointId: webhookEndpoint.id,
    webhookEventId: event.id,
    organizationAccessTokenId: organizationAccessToken.organization_access_token.id,
    oauth2ClientId: oauth2Client.client_id,
    repositoryId: repository.id,
    plainCustomerId: plainCustomer.id,
    plainCustomerSessionToken: plainSession.token,
    markers: [tag],
  };
}
