// The checkout embedded in a merchant's page by Polar's own embed library (@polar-sh/checkout 0.1,
// its dist/embed.global.js, unmodified), in headless Chromium.
//
// The library only hears messages from https://polar.sh and https://sandbox.polar.sh (fixed when
// it was built), so Floe is served here as https://sandbox.polar.sh: an HTTPS reverse proxy with a
// self-signed certificate for that name streams every request to the test app, and Chromium
// resolves the name to the proxy. The merchant's page is on another loopback origin, and a third
// origin tries to frame the checkout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as forward, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium } from '../helpers/browser.js';
import { screenshot } from '../helpers/dashboard.js';
import { until } from '../helpers/purchase.js';

const POLAR_ORIGIN = 'https://sandbox.polar.sh';
// Read as a deployment at that address reads its configuration (test mode, which only moves test
// clocks, is then off); the harness sets its loopback URL after starting, so it is set back.
const floe = await startTestApp({ FLOE_BASE_URL: POLAR_ORIGIN });
floe.config.baseUrl = POLAR_ORIGIN;
const worker = floe.startWorker();
after(() => worker.stop());

// Chromium keeps its connections open: they are ended with the server.
const closeServer = (server: Server) => new Promise((resolve) => {
  server.close(resolve);
  server.closeAllConnections();
});
const listen = (server: Server, host?: string) => new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));

// Floe behind TLS as sandbox.polar.sh: requests and answers piped both ways as they come (the
// checkout's event stream included: its headers and each event go through at once).
const certificates = mkdtempSync(join(tmpdir(), 'floe-tls-'));
after(() => rmSync(certificates, { recursive: true, force: true }));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=sandbox.polar.sh', '-addext', 'subjectAltName=DNS:sandbox.polar.sh', '-days', '1', '-keyout', join(certificates, 'key.pem'), '-out', join(certificates, 'cert.pem')], { stdio: 'ignore' });
const floePort = Number(new URL(floe.baseUrl).port);
const proxy = createTlsServer({ key: readFileSync(join(certificates, 'key.pem')), cert: readFileSync(join(certificates, 'cert.pem')) }, (request, response) => {
  const upstream = forward({ host: '127.0.0.1', port: floePort, method: request.method, path: request.url, headers: request.headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    response.flushHeaders();
    answer.pipe(response);
  });
  upstream.on('error', () => response.destroy());
  // The browser gone (an event stream closed): Floe's side of it goes too.
  response.on('close', () => upstream.destroy());
  request.pipe(upstream);
});
const proxyPort = await listen(proxy, '127.0.0.1');
after(() => closeServer(proxy));

// The merchant's page: loads the library's script and records what the library hands to its
// listeners (`loaded` is when `create` resolves: the library resolves it on that message only).
const EMBED_SCRIPT = readFileSync('node_modules/@polar-sh/checkout/dist/embed.global.js');
const MERCHANT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Shop</title><script src="/embed.global.js"></script></head>
<body><h1>The shop</h1><p>Buy our field guide.</p><script>
window.events = [];
window.openCheckout = (url) => {
  return window.Polar.EmbedCheckout.create(url).then((checkout) => {
    window.events.push({ event: 'loaded' });
    for (const type of ['confirmed', 'success', 'close']) checkout.addEventListener(type, (event) => window.events.push(event.detail));
  });
};
</script></body></html>`;
function shopServer(): Server {
  return createServer((request, response) => {
    if (request.url === '/embed.global.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(EMBED_SCRIPT);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(MERCHANT_PAGE);
  });
}
const shop = shopServer();
const shopOrigin = `http://127.0.0.1:${await listen(shop, '127.0.0.1')}`;
after(() => closeServer(shop));
// Another site: the same page, on another origin (both IPv4 and IPv6, as `localhost` may be either).
const elsewhere = shopServer();
const elsewhereOrigin = `http://localhost:${await listen(elsewhere)}`;
after(() => closeServer(elsewhere));

let browser: Browser | undefined;
before(async () => {
  if (skipWithoutChromium) return;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', `--host-resolver-rules=MAP sandbox.polar.sh:443 127.0.0.1:${proxyPort}`, '--ignore-certificate-errors'],
  });
});
after(() => browser?.close());

async function desktopPage(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

async function guide(sdk: Awaited<ReturnType<typeof floe.createMerchant>>['sdk'], organizationId: string) {
  const product = await sdk.products.create({ name: 'Field Guide', description: 'A guide to the field.', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2500, priceCurrency: 'usd' }] });
  return sdk.checkouts.custom.create({ productPriceId: product.prices[0]!.id });
}

/** The checkout's frame in the page, once its document is Floe's checkout. */
async function checkoutFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe');
  const frame = await handle.contentFrame();
  assert.ok(frame);
  await frame.waitForSelector('h1');
  return frame;
}

const events = (page: Page) => page.evaluate(() => (window as unknown as { events: { event: string; successURL?: string; redirect?: boolean }[] }).events);

describe('checkout embedded with @polar-sh/checkout', { skip: skipWithoutChromium }, () => {
  test("the merchant's page opens the checkout, the buyer pays, the page hears loaded, confirmed and success", async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const checkout = await guide(sdk, organizationId);
    assert.ok(checkout.url.startsWith(`${POLAR_ORIGIN}/checkout/`));
    const page = await desktopPage();
    await page.goto(`${shopOrigin}/`);
    const framed = page.waitForResponse((response) => response.url().startsWith(checkout.url));
    await page.evaluate((url) => (window as unknown as { openCheckout(url: string): Promise<void> }).openCheckout(url), checkout.url);
    // The library added embed=true and this page's origin; Floe lets that origin only frame it.
    const response = await framed;
    assert.equal(new URL(response.url()).searchParams.get('embed_origin'), shopOrigin);
    assert.equal(response.headers()['content-security-policy'], `frame-ancestors ${shopOrigin}`);
    assert.deepEqual(await events(page), [{ event: 'loaded' }]);
    // The checkout keeps the origin, as the API shows.
    assert.equal((await sdk.checkouts.custom.get({ id: checkout.id })).embedOrigin, shopOrigin);

    const frame = await checkoutFrame(page);
    assert.equal(await frame.locator('h1').textContent(), 'Field Guide');
    await frame.getByRole('button', { name: 'Close' }).waitFor();
    await screenshot(page, 'checkout-embedded');
    await frame.getByLabel('Email').fill('reader@example.com');
    await frame.getByLabel('Name').fill('Ada Reader');
    await frame.getByLabel('Billing country').fill('FR');
    await frame.getByLabel('Card number').fill('4242 4242 4242 4242');
    await frame.getByLabel('Expiry date (MM / YY)').fill('12 / 40');
    await frame.getByLabel('CVC').fill('123');
    await frame.getByRole('button', { name: 'Pay 25.00 USD' }).click();
    await until(async () => (await events(page)).some((message) => message.event === 'success'), 15_000);

    const [loaded, confirmed, success] = await events(page);
    assert.deepEqual([loaded?.event, confirmed?.event, success?.event], ['loaded', 'confirmed', 'success']);
    // Floe's own confirmation page opens in the frame; the merchant's page is not sent anywhere.
    assert.equal(success?.redirect, false);
    const successUrl = new URL(success!.successURL!);
    assert.equal(`${successUrl.origin}${successUrl.pathname}`, `${checkout.url}/confirmation`);
    assert.equal(successUrl.searchParams.get('embed'), 'true');
    assert.ok(successUrl.searchParams.get('customer_session_token'));
    assert.equal(page.url(), `${shopOrigin}/`);
    const order = await floe.db.selectFrom('orders').select('id').where('checkout_id', '=', checkout.id).executeTakeFirst();
    assert.ok(order, 'the order exists once success is posted');

    const confirmation = await checkoutFrame(page);
    await confirmation.locator('#status', { hasText: 'Thank you' }).waitFor();
    assert.match((await confirmation.locator('#bought').textContent()) ?? '', /Field Guide/);
    await screenshot(page, 'checkout-embedded-paid');
    // Closed from the frame: the library removes it.
    await confirmation.getByRole('button', { name: 'Close' }).click();
    await until(async () => (await events(page)).some((message) => message.event === 'close'));
    await page.locator('iframe').waitFor({ state: 'detached' });
  });

  test('Close in the open checkout closes the embed (at a phone\'s width)', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const checkout = await guide(sdk, organizationId);
    const page = await (await browser!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    await page.goto(`${shopOrigin}/`);
    await page.evaluate((url) => (window as unknown as { openCheckout(url: string): Promise<void> }).openCheckout(url), checkout.url);
    const frame = await checkoutFrame(page);
    assert.ok((await frame.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await screenshot(page, 'checkout-embedded-phone');
    await frame.getByRole('button', { name: 'Close' }).click();
    await page.locator('iframe').waitFor({ state: 'detached' });
    assert.deepEqual(await events(page), [{ event: 'loaded' }, { event: 'close', type: 'POLAR_CHECKOUT' }]);
  });

  test("a checkout link with the merchant's own success URL: the library sends the merchant's page there", async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const product = await sdk.products.create({ name: 'Course', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000, priceCurrency: 'usd' }] });
    const link = await sdk.checkoutLinks.create({ productPriceId: product.prices[0]!.id, successUrl: `${shopOrigin}/thanks?checkout={CHECKOUT_ID}` });
    const page = await desktopPage();
    await page.goto(`${shopOrigin}/`);
    // The link's visit opens the checkout with the library's origin, then sends the frame to its page.
    await page.evaluate((url) => (window as unknown as { openCheckout(url: string): Promise<void> }).openCheckout(url), link.url);
    const frame = await checkoutFrame(page);
    assert.equal(await frame.locator('h1').textContent(), 'Course');
    await frame.getByLabel('Email').fill('learner@example.com');
    await frame.getByLabel('Name').fill('Lea Learner');
    await frame.getByLabel('Billing country').fill('DE');
    await frame.getByLabel('Card number').fill('5555 5555 5555 4444');
    await frame.getByLabel('Expiry date (MM / YY)').fill('06 / 39');
    await frame.getByLabel('CVC').fill('321');
    await frame.getByRole('button', { name: 'Pay 10.00 USD' }).click();
    await page.waitForURL((url) => url.pathname === '/thanks', { timeout: 15_000 });
    const [checkout] = (await sdk.checkouts.custom.list({ organizationId })).result.items;
    assert.equal(checkout?.embedOrigin, shopOrigin);
    const thanks = new URL(page.url());
    assert.equal(thanks.origin, shopOrigin);
    assert.equal(thanks.searchParams.get('checkout'), checkout?.id);
    assert.ok(thanks.searchParams.get('customer_session_token'));
    assert.equal(checkout?.status, 'succeeded');
  });

  test('a page on another origin cannot frame the checkout', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const checkout = await guide(sdk, organizationId);
    // The shop embeds it first: the checkout is the shop's.
    const shopPage = await desktopPage();
    await shopPage.goto(`${shopOrigin}/`);
    await shopPage.evaluate((url) => (window as unknown as { openCheckout(url: string): Promise<void> }).openCheckout(url), checkout.url);

    // Another site runs the same library on the same URL (the library adds its own origin).
    const page = await desktopPage();
    const reports: string[] = [];
    page.on('console', (message) => reports.push(message.text()));
    await page.goto(`${elsewhereOrigin}/`);
    const framed = page.waitForResponse((response) => response.url().startsWith(checkout.url));
    void page.evaluate((url) => (window as unknown as { openCheckout(url: string): Promise<void> }).openCheckout(url), checkout.url);
    const response = await framed;
    assert.equal(new URL(response.url()).searchParams.get('embed_origin'), elsewhereOrigin);
    assert.equal(response.headers()['content-security-policy'], `frame-ancestors ${shopOrigin}`);
    // Chromium refuses to show it: the frame never gets Floe's page, the library never hears `loaded`.
    await until(async () => reports.some((text) => text.includes(`Framing '${POLAR_ORIGIN}/' violates the following Content Security Policy directive: "frame-ancestors ${shopOrigin}"`)));
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    assert.equal(await frame?.locator('#checkout-form').count(), 0);
    assert.deepEqual(await events(page), []);
    assert.equal((await sdk.checkouts.custom.get({ id: checkout.id })).embedOrigin, shopOrigin);

    // Not embedded, the checkout is framed by no one.
    const plain = await guide(sdk, organizationId);
    const plainResponse = page.waitForResponse((answer) => answer.url() === plain.url);
    reports.length = 0;
    await page.evaluate((url) => {
      const iframe = document.createElement('iframe');
      iframe.src = url;
      document.body.appendChild(iframe);
    }, plain.url);
    assert.equal((await plainResponse).headers()['content-security-policy'], "frame-ancestors 'none'");
    await until(async () => reports.some((text) => text.includes("frame-ancestors 'none'")));
  });

  test('an embed_origin that is not an origin gets an error page that cannot be framed', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const checkout = await guide(sdk, organizationId);
    for (const bad of ['https://shop.example/store', 'https://shop.example/', 'javascript:alert(1)', 'ftp://shop.example', 'https://user@shop.example', 'https://shop.example;script-src *', 'null', 'HTTPS://SHOP.EXAMPLE']) {
      const response = await fetch(`${floe.baseUrl}/checkout/${checkout.clientSecret}?embed=true&embed_origin=${encodeURIComponent(bad)}`);
      assert.equal(response.status, 400, bad);
      assert.equal(response.headers.get('content-security-policy'), "frame-ancestors 'none'");
      assert.match(await response.text(), /cannot be embedded/);
    }
    assert.equal((await sdk.checkouts.custom.get({ id: checkout.id })).embedOrigin, null);
    const page = await desktopPage();
    await page.goto(`${checkout.url}?embed=true&embed_origin=${encodeURIComponent('https://shop.example/store')}`);
    assert.equal(await page.locator('h1').textContent(), 'This checkout cannot be embedded here');
    await screenshot(page, 'checkout-embed-refused');
    // A port and an IPv6 host are origins too.
    for (const good of ['https://shop.example:8443', 'http://[::1]:3000']) {
      const fresh = await guide(sdk, organizationId);
      const response = await fetch(`${floe.baseUrl}/checkout/${fresh.clientSecret}?embed=true&embed_origin=${encodeURIComponent(good)}`);
      assert.equal(response.status, 200, good);
      assert.equal(response.headers.get('content-security-policy'), `frame-ancestors ${good}`);
      assert.equal((await sdk.checkouts.custom.get({ id: fresh.id })).embedOrigin, good);
    }
  });
});
