// The ad of an `ads` benefit on the customer portal page, in headless Chromium: the customer
// uploads its images through the files flow (the page's script: create, PUT, complete), writes the
// text and link, saves, and the merchant's public list shows the campaign. Bad input is refused
// with the page's error; another customer's session cannot touch the grant.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { purchase } from '../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());
const browser = useBrowser(floe.baseUrl);

/** A solid-colour PNG of the given size. */
function png(width: number, height: number, [red, green, blue]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, checksum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x += 1) row.set([red, green, blue], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

describe('the ad on the customer portal page', { skip: skipWithoutChromium }, () => {
  test('images uploaded, text and link saved; the public list shows it; bad input and other customers refused', async () => {
    const merchant = await floe.createMerchant();
    const { sdk, organizationId } = merchant;
    const ads = await sdk.benefits.create({ type: 'ads', description: 'Sponsor banner', organizationId, properties: { imageWidth: 728, imageHeight: 90 } });
    const sponsorship = await sdk.products.create({ name: 'Sponsorship', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 10000, priceCurrency: 'usd' }] });
    await sdk.products.updateBenefits({ id: sponsorship.id, productBenefitsUpdate: { benefits: [ads.id] } });
    const slug = (await sdk.organizations.get({ id: organizationId })).slug;
    const ada = await purchase(floe, sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const bob = await purchase(floe, sdk, sponsorship.prices[0]!.id, 'bob@example.com');

    const page = await browser.phonePage();
    await page.goto(`/${slug}/portal?customer_session_token=${encodeURIComponent(ada.customerSessionToken)}`);
    const ad = page.locator('article.advertisement');
    assert.match((await ad.textContent()) ?? '', /Sponsor banner.*not set up yet.*728 × 90 pixels/s);

    // A file that is not an image is refused by the files flow, on the page.
    await ad.getByLabel('Upload image').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await ad.locator('[id^="image_url-"][id$="-status"].error').waitFor();
    assert.match((await ad.locator('[id^="image_url-"][id$="-status"]').textContent()) ?? '', /Only JPEG, PNG, GIF, WebP and SVG images/);

    // The light and dark images go through the files flow; their public URLs fill the form.
    await ad.getByLabel('Upload image').setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: png(728, 90, [0, 98, 255]) });
    await ad.locator('[id^="image_url-"][id$="-status"].success').waitFor();
    await ad.getByLabel('Upload dark mode image (optional)').setInputFiles({ name: 'banner-dark.png', mimeType: 'image/png', buffer: png(728, 90, [17, 17, 17]) });
    await ad.locator('[id^="image_url_dark-"][id$="-status"].success').waitFor();
    const imageUrl = await ad.locator('input[name=image_url]').inputValue();
    const darkUrl = await ad.locator('input[name=image_url_dark]').inputValue();
    assert.match(imageUrl, new RegExp(`^${floe.baseUrl}/files/product_media/${organizationId}/[0-9a-f-]{36}/banner\\.png$`));
    assert.match(darkUrl, /\/banner-dark\.png$/);
    const uploaded = await floe.db.selectFrom('files').select(['name', 'is_uploaded', 'mime_type']).where('organization_id', '=', organizationId).orderBy('name').execute();
    assert.deepEqual(uploaded, [
      { name: 'banner-dark.png', is_uploaded: true, mime_type: 'image/png' },
      { name: 'banner.png', is_uploaded: true, mime_type: 'image/png' },
    ]);

    // The merchant's files list them as the organization's product media.
    const files = await sdk.files.list({ organizationId });
    assert.deepEqual(files.result.items.map((file) => `${file.service}:${file.name}`).sort(), ['product_media:banner-dark.png', 'product_media:banner.png']);
    // Too large an image is refused; a file of another service cannot be completed through the portal.
    const grantId = await ad.getAttribute('data-id');
    const uploads = `/${slug}/portal/benefit-grants/${grantId}/advertisement-images`;
    const tooLarge = await page.request.post(uploads, { data: { name: 'huge.png', mime_type: 'image/png', size: 10 * 1024 * 1024 + 1 } });
    assert.equal(tooLarge.status(), 422);
    assert.deepEqual(((await tooLarge.json()) as { detail: { loc: string[] }[] }).detail.map((issue) => issue.loc), [['body', 'size']]);
    const manual = await sdk.files.create({ organizationId, service: 'downloadable', name: 'manual.pdf', mimeType: 'application/pdf', size: 10, upload: { parts: [{ number: 1, chunkStart: 0, chunkEnd: 10 }] } });
    const foreign = await page.request.post(`${uploads}/${manual.id}/uploaded`, { data: { id: manual.upload.id, path: manual.upload.path, parts: [{ number: 1, checksum_etag: 'x', checksum_sha256_base64: null }] } });
    assert.equal(foreign.status(), 404);

    await ad.locator('input[name=text]').fill('Fast builds for everyone');
    await ad.locator('input[name=link_url]').fill('https://builds.example.com/');
    await ad.locator('button', { hasText: 'Save ad' }).click();
    await page.locator('[role=status].success', { hasText: 'Ad saved.' }).waitFor();
    const preview = page.locator('article.advertisement .ad-preview img');
    assert.equal(await preview.getAttribute('src'), imageUrl);
    await page.waitForFunction(() => (document.querySelector('article.advertisement .ad-preview img') as HTMLImageElement | null)?.naturalWidth === 728);
    assert.equal(await page.locator('article.advertisement .ad-preview a').getAttribute('href'), 'https://builds.example.com/');

    // The merchant's site reads it through the public API.
    const listed = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.deepEqual(listed.result.dimensions, [728, 90]);
    assert.equal(listed.result.items.length, 1);
    const campaign = listed.result.items[0]!;
    assert.equal(campaign.imageUrl, imageUrl);
    assert.equal(campaign.imageUrlDark, darkUrl);
    assert.equal(campaign.text, 'Fast builds for everyone');
    assert.equal(campaign.linkUrl, 'https://builds.example.com/');
    const image = await fetch(campaign.imageUrl);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');

    await page.screenshot({ path: join(tmpdir(), 'portal-advertisement.png'), fullPage: true });
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);

    // A bad link (past the browser's own check) is refused by Floe, and the campaign stays as it was.
    await page.evaluate(() => {
      const form = document.querySelector('article.advertisement form') as HTMLFormElement;
      form.noValidate = true;
    });
    await ad.locator('input[name=link_url]').fill('javascript:alert(1)');
    await ad.locator('button', { hasText: 'Save ad' }).click();
    await page.locator('[role=alert]', { hasText: "Link: URL scheme should be 'http' or 'https'" }).waitFor();
    assert.equal((await floe.sdk().advertisements.get({ id: campaign.id })).linkUrl, 'https://builds.example.com/');

    // Bob's session can neither save Ada's ad nor upload images for it.
    const bobPage = await browser.phonePage();
    await bobPage.goto(`/${slug}/portal?customer_session_token=${encodeURIComponent(bob.customerSessionToken)}`);
    const adaGrantId = grantId;
    const saved = await bobPage.request.post(`/${slug}/portal/benefit-grants/${adaGrantId}/advertisement-campaign`, { form: { image_url: 'https://evil.example.com/a.png', text: 'Mine now', link_url: 'https://evil.example.com/' }, maxRedirects: 0 });
    assert.equal(saved.status(), 303);
    assert.match(saved.headers().location ?? '', /error=Not\+found/);
    const upload = await bobPage.request.post(`/${slug}/portal/benefit-grants/${adaGrantId}/advertisement-images`, { data: { name: 'a.png', mime_type: 'image/png', size: 10 } });
    assert.equal(upload.status(), 404);
    assert.deepEqual(await upload.json(), { error: 'ResourceNotFound', detail: 'Not found' });
    assert.equal((await floe.sdk().advertisements.get({ id: campaign.id })).text, 'Fast builds for everyone');
    // Without a session, the upload calls are a 401.
    const anonymous = await fetch(`${floe.baseUrl}/${slug}/portal/benefit-grants/${adaGrantId}/advertisement-images`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.png', mime_type: 'image/png', size: 10 }) });
    assert.equal(anonymous.status, 401);
    // Bob's own ad is his to fill in.
    assert.equal(await bobPage.locator('article.advertisement').count(), 1);
    assert.notEqual(await bobPage.locator('article.advertisement').getAttribute('data-id'), adaGrantId);
  });
});
