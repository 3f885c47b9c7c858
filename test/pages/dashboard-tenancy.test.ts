// The dashboard shows a member only its own organizations' records: a member of org B walks every
// screen of the dashboard (every route of app.js, read from its ROUTES table so that a new screen
// cannot be left out) with org A's slug and with org A's ids in org B's screens, and sees none of
// org A's records; the API behind the screens answers B's session 404 for A's objects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { screenshot, signIn } from '../helpers/dashboard.js';
import { jobsDone, purchase } from '../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const browser = useBrowser(floe.baseUrl);

/** The dashboard's routes, as app.js declares them. */
function dashboardRoutes(): string[] {
  const source = readFileSync(new URL('../../src/pages/dashboard/app.js', import.meta.url), 'utf8');
  const table = source.slice(source.indexOf('const ROUTES = ['), source.indexOf('];', source.indexOf('const ROUTES = [')));
  return [...table.matchAll(/\['([^']*)', '[^']+'\]/g)].map((match) => match[1]!);
}

test('a member of org B sees nothing of org A on any screen', { skip: skipWithoutChromium }, async () => {
  const a = await floe.createMerchant({ keepEvents: true });
  const b = await floe.createMerchant();
  const marker = `zq${Date.now().toString(36)}`;
  const license = await a.sdk.benefits.create({ type: 'license_keys', description: `${marker} license`, organizationId: a.organizationId, properties: { prefix: 'SECRET', activations: { limit: 2, enableCustomerAdmin: true } } });
  const product = await a.sdk.products.create({ name: `${marker} Product`, organizationId: a.organizationId, prices: [{ type: 'recurring', amountType: 'fixed', priceAmount: 1500, priceCurrency: 'usd', recurringInterval: 'month' }] });
  await a.sdk.products.updateBenefits({ id: product.id, productBenefitsUpdate: { benefits: [license.id] } });
  const bought = await purchase(floe, a.sdk, product.prices[0]!.id, `${marker}-buyer@example.com`);
  await jobsDone(floe);
  const subscription = await floe.db.selectFrom('subscriptions').select('id').where('customer_id', '=', bought.customerId).executeTakeFirstOrThrow();
  const key = await floe.db.selectFrom('license_keys').select(['id', 'key']).where('customer_id', '=', bought.customerId).executeTakeFirstOrThrow();
  const endpoint = await floe.db.selectFrom('webhook_endpoints').select(['id', 'url']).where('organization_id', '=', a.organizationId).executeTakeFirstOrThrow();
  const organizationA = await a.sdk.organizations.get({ id: a.organizationId });
  const organizationB = await b.sdk.organizations.get({ id: b.organizationId });

  /** Org A's object for each kind of `:id` a route takes. */
  const idsOfA: Record<string, string> = {
    products: product.id,
    customers: bought.customerId,
    orders: bought.order.id,
    subscriptions: subscription.id,
    'license-keys': key.id,
    webhooks: endpoint.id,
  };
  const secretsOfA = [marker, organizationA.name, key.key, endpoint.url, bought.order.id.slice(0, 8)];

  const emailB = (await floe.db.selectFrom('users').select('email').where('id', '=', b.userId).executeTakeFirstOrThrow()).email;
  const page = await browser.phonePage();
  await signIn(page, emailB);

  const routes = dashboardRoutes();
  assert.ok(routes.length >= 20, `routes read from app.js: ${routes.join(', ')}`);
  const visited: string[] = [];
  for (const route of routes) {
    const kind = route.split('/')[0]!;
    if (route.includes(':id')) assert.ok(idsOfA[kind], `no object of org A for the route ${route}: add one to idsOfA`);
    const path = route.replace(':id', idsOfA[kind] ?? '').replace(/^products\/new$/, 'products/new');
    for (const slug of [organizationA.slug, organizationB.slug]) {
      const url = `/dashboard/${slug}${path ? `/${path}` : ''}`;
      await page.goto(url);
      await page.locator('#app[data-state=ready]').waitFor();
      const text = (await page.locator('body').innerText()) + (await page.content());
      for (const secret of secretsOfA) assert.ok(!text.includes(secret), `${url} shows ${secret} of org A`);
      if (slug === organizationA.slug) assert.match(await page.locator('h1').first().innerText(), /Not found/, url);
      visited.push(url);
    }
  }
  await screenshot(page, 'dashboard-tenancy-other-org');
  assert.equal(visited.length, routes.length * 2);

  // The API behind the screens: B's own session on A's objects.
  for (const path of [`/v1/products/${product.id}`, `/v1/customers/${bought.customerId}`, `/v1/orders/${bought.order.id}`, `/v1/subscriptions/${subscription.id}`, `/v1/license-keys/${key.id}`, `/v1/webhooks/endpoints/${endpoint.id}`, `/v1/organizations/${a.organizationId}`]) {
    const response = await page.evaluate(async (url) => { const answer = await fetch(url); return { status: answer.status, body: await answer.text() }; }, path);
    // Polar answers 401 rather than 404 for another organization's license key (and so does Floe).
    assert.equal(response.status, path.startsWith('/v1/license-keys/') ? 401 : 404, path);
    for (const secret of secretsOfA) assert.ok(!response.body.includes(secret), `${path} answers ${secret}`);
  }
});
