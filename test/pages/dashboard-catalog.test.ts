// The dashboard's catalog screens in headless Chromium, as a merchant uses them on a phone: a
// license-key benefit and custom fields made on their screens, a subscription product with two
// prices, the benefit, a required custom field and an uploaded image (checked through the SDK),
// edited, archived and unarchived; a pay-what-you-want product; a checkout link whose URL opens the
// hosted checkout; a discount created, edited and deleted. Bad input shows the API's message next
// to its field and writes nothing. Every screen is screenshotted (phone; one at desktop width).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { skipWithoutChromium, useBrowser } from '../helpers/browser.js';
import { screenshot, signIn } from '../helpers/dashboard.js';

const floe = await startTestApp();
const browser = useBrowser(floe.baseUrl);

// A 2×2 red PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');

/** The error shown next to the field named `name` (its `data-field` wrapper). */
const errorOf = (page: Page, name: string) => page.locator(`[data-field="${name}"] > .field-error`).first();

async function merchantSignedIn(page: Page) {
  const merchant = await floe.createMerchant();
  const { email } = await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow();
  const { slug } = await merchant.sdk.organizations.get({ id: merchant.organizationId });
  await signIn(page, email);
  return { merchant, base: `/dashboard/${slug}` };
}

const count = async (table: 'products' | 'benefits' | 'custom_fields' | 'discounts' | 'checkout_links', organizationId: string) =>
  Number((await floe.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow()).n);

describe('dashboard catalog screens', { skip: skipWithoutChromium }, () => {
  test('benefits, custom fields, products, checkout links and discounts', async () => {
    const page = await browser.phonePage({ clipboard: true });
    const { merchant, base } = await merchantSignedIn(page);
    const { sdk, organizationId } = merchant;

    // A license-key benefit; a too-short description is refused next to its field.
    await page.goto(`${base}/benefits`);
    await page.getByLabel('Type').selectOption('license_keys');
    await page.getByLabel('Description').fill('ab');
    await page.getByLabel('Key prefix').fill('SYNC');
    await page.getByLabel('Limit activations (devices)').check();
    await page.getByLabel('Activations allowed').fill('3');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    assert.equal(await errorOf(page, 'description').textContent(), 'String should have at least 3 characters');
    assert.equal(await count('benefits', organizationId), 0);
    await page.getByLabel('Description').fill('Sync license');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    await page.locator('table.list td', { hasText: 'Sync license' }).waitFor();
    const [license] = (await sdk.benefits.list({ organizationId })).result.items;
    assert.equal(license!.type, 'license_keys');
    assert.deepEqual(license!.properties, { prefix: 'SYNC', expires: null, activations: { limit: 3, enableCustomerAdmin: true }, limitUsage: null });
    await page.getByLabel('Type').selectOption('github_repository');
    await screenshot(page, 'dashboard-benefits');

    // Custom fields: a bad slug is refused; a text field and a choice with two options are made.
    await page.goto(`${base}/custom-fields`);
    await page.getByLabel('Name', { exact: true }).fill('Company');
    await page.getByLabel('Slug').fill('the company');
    await page.getByRole('button', { name: 'Create custom field' }).click();
    assert.equal(await errorOf(page, 'slug').textContent(), "String should match pattern '^[a-zA-Z0-9-_]+$'");
    assert.equal(await count('custom_fields', organizationId), 0);
    await page.getByLabel('Slug').fill('company');
    await page.getByRole('button', { name: 'Create custom field' }).click();
    await page.locator('table.list code', { hasText: 'company' }).waitFor();
    await page.getByLabel('Type').selectOption('select');
    await page.getByLabel('Name', { exact: true }).fill('Team size');
    await page.getByLabel('Slug').fill('team_size');
    await page.locator('.option-row').nth(0).getByLabel('Value').fill('small');
    await page.locator('.option-row').nth(0).getByLabel('Label').fill('1 to 10');
    await page.getByRole('button', { name: 'Add an option' }).click();
    await page.locator('.option-row').nth(1).getByLabel('Value').fill('large');
    await page.locator('.option-row').nth(1).getByLabel('Label').fill('More than 10');
    await page.getByRole('button', { name: 'Create custom field' }).click();
    await page.locator('table.list code', { hasText: 'team_size' }).waitFor();
    const fields = (await sdk.customFields.list({ organizationId })).result.items;
    const company = fields.find((customField) => customField.slug === 'company')!;
    const teamSize = fields.find((customField) => customField.slug === 'team_size')!;
    assert.equal(company.type, 'text');
    assert.deepEqual(teamSize.type === 'select' && teamSize.properties.options, [{ value: 'small', label: '1 to 10' }, { value: 'large', label: 'More than 10' }]);
    await screenshot(page, 'dashboard-custom-fields');
    // Edited: a placeholder given and the name changed; an emptied name is the API's error.
    await page.getByRole('link', { name: 'Edit Company' }).click();
    await page.getByRole('heading', { name: 'Edit Company' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save custom field' }).click();
    assert.equal(await errorOf(page, 'name').textContent(), 'String should have at least 1 character');
    await page.getByLabel('Name', { exact: true }).fill('Company name');
    await page.getByLabel('Placeholder').fill('Acme Inc.');
    await page.getByRole('button', { name: 'Save custom field' }).click();
    await page.locator('table.list td', { hasText: 'Company name' }).waitFor();
    const editedField = await sdk.customFields.get({ id: company.id });
    assert.equal(editedField.name, 'Company name');
    assert.equal(editedField.properties.formPlaceholder, 'Acme Inc.');

    // A new product: an empty name and a negative price are refused next to their fields, and so
    // is a one-time price beside a monthly one; nothing is written.
    await page.goto(`${base}/products`);
    await screenshot(page, 'dashboard-products-empty');
    await page.getByRole('link', { name: 'New product' }).click();
    await page.locator('#product-form').waitFor();
    const priceRow = (index: number) => page.locator('.price-row').nth(index);
    await priceRow(0).getByLabel('Amount (USD)', { exact: true }).fill('-5');
    await page.getByRole('button', { name: 'Create product' }).click();
    assert.equal(await errorOf(page, 'name').textContent(), 'String should have at least 3 characters');
    assert.equal(await errorOf(page, 'prices.0.price_amount').textContent(), 'Input should be greater than or equal to 50');
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Name', { exact: true }).fill('Sync Pro');
    await page.getByLabel('Description').fill('Sync every device.');
    await priceRow(0).getByLabel('Amount (USD)', { exact: true }).fill('19');
    await page.getByRole('button', { name: 'Add a price' }).click();
    await priceRow(1).getByLabel('Price type').selectOption('month:fixed');
    await priceRow(1).getByLabel('Amount (USD)', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Create product' }).click();
    assert.equal(await errorOf(page, 'prices').textContent(), 'A product cannot have both one-time and recurring prices.');
    assert.equal(await count('products', organizationId), 0);
    await screenshot(page, 'dashboard-product-errors');

    // Made right: a monthly and a yearly price, the benefit, the company field required, an image.
    await priceRow(0).getByLabel('Price type').selectOption('year:fixed');
    await priceRow(0).getByLabel('Amount (USD)', { exact: true }).fill('100');
    await page.getByLabel('Sync license').check();
    const companyChoice = page.locator('.custom-field-choice', { hasText: 'Company name' });
    await companyChoice.getByLabel('Company name').check();
    await companyChoice.getByLabel('Required').check();
    await page.getByLabel('Add images').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('.thumbnails img[alt="cover.png"]').waitFor();
    assert.ok(await page.locator('.thumbnails img').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth === 2));
    await screenshot(page, 'dashboard-product-new');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.locator('h1', { hasText: 'Sync Pro' }).waitFor();
    const productId = page.url().split('/').at(-1)!;
    assert.match(await page.locator('#flash').textContent() ?? '', /Product created/);

    let saved = await sdk.products.get({ id: productId });
    const active = () => saved.prices.filter((price) => !price.isArchived).map((price) => `${price.type === 'recurring' ? price.recurringInterval : 'once'}:${'priceAmount' in price ? price.priceAmount : price.amountType}`).sort();
    assert.equal(saved.name, 'Sync Pro');
    assert.equal(saved.description, 'Sync every device.');
    assert.equal(saved.isRecurring, true);
    assert.deepEqual(active(), ['month:1000', 'year:10000']);
    assert.deepEqual(saved.benefits.map((benefit) => benefit.id), [license!.id]);
    assert.deepEqual(saved.attachedCustomFields.map((entry) => [entry.customFieldId, entry.required]), [[company.id, true]]);
    assert.deepEqual(saved.medias.map((media) => [media.name, media.mimeType, media.size]), [['cover.png', 'image/png', PNG.length]]);
    await screenshot(page, 'dashboard-product');

    // Edited: renamed; the yearly price replaced by a cheaper one (the old one archived).
    await page.getByLabel('Name', { exact: true }).fill('Sync Pro Plus');
    await page.locator('.price-row.existing', { hasText: '/ year' }).getByRole('button', { name: 'Remove price' }).click();
    await page.getByRole('button', { name: 'Add a price' }).click();
    await page.locator('.price-row.new').getByLabel('Price type').selectOption('year:fixed');
    await page.locator('.price-row.new').getByLabel('Amount (USD)', { exact: true }).fill('90');
    await page.getByRole('button', { name: 'Save product' }).click();
    await page.locator('h1', { hasText: 'Sync Pro Plus' }).waitFor();
    saved = await sdk.products.get({ id: productId });
    assert.equal(saved.name, 'Sync Pro Plus');
    assert.deepEqual(active(), ['month:1000', 'year:9000']);
    // The API shows active prices only; the replaced one is kept, archived, for its orders.
    const archived = await floe.db.selectFrom('product_prices').select('price_amount').where('product_id', '=', productId).where('is_archived', '=', true).execute();
    assert.deepEqual(archived.map((price) => price.price_amount), [10000]);
    assert.equal(saved.medias.length, 1);
    assert.equal(saved.benefits.length, 1);

    // Archived: hidden from the list unless asked for, then unarchived.
    await page.getByRole('button', { name: 'Archive product' }).click();
    await page.getByRole('button', { name: 'Unarchive product' }).waitFor();
    assert.equal((await sdk.products.get({ id: productId })).isArchived, true);
    await page.goto(`${base}/products`);
    assert.equal(await page.locator('table.list').count(), 0);
    await page.getByRole('link', { name: 'Show archived products' }).click();
    await page.locator('table.list td', { hasText: 'Archived' }).waitFor();
    await screenshot(page, 'dashboard-products-archived');
    await page.getByRole('link', { name: 'Sync Pro Plus' }).click();
    await page.getByRole('button', { name: 'Unarchive product' }).click();
    await page.getByRole('button', { name: 'Archive product' }).waitFor();
    assert.equal((await sdk.products.get({ id: productId })).isArchived, false);

    // A pay-what-you-want product: a maximum below the minimum is the API's error on that field.
    await page.goto(`${base}/products/new`);
    await page.getByLabel('Name', { exact: true }).fill('Tip jar');
    await priceRow(0).getByLabel('Price type').selectOption('one_time:custom');
    await priceRow(0).getByLabel('Minimum (USD)').fill('5');
    await priceRow(0).getByLabel('Maximum (USD)').fill('2');
    await page.getByRole('button', { name: 'Create product' }).click();
    assert.equal(await errorOf(page, 'prices.0.maximum_amount').textContent(), 'The maximum amount must be greater than or equal to the minimum amount.');
    await screenshot(page, 'dashboard-product-pay-what-you-want');
    await priceRow(0).getByLabel('Maximum (USD)').fill('100');
    await priceRow(0).getByLabel('Suggested amount (USD)').fill('10');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.locator('h1', { hasText: 'Tip jar' }).waitFor();
    const tipJar = await sdk.products.get({ id: page.url().split('/').at(-1)! });
    const [tip] = tipJar.prices;
    assert.deepEqual(tip!.amountType === 'custom' && [tip!.type, tip!.minimumAmount, tip!.maximumAmount, tip!.presetAmount], ['one_time', 500, 10000, 1000]);
    await page.goto(`${base}/products`);
    await page.locator('table.list td', { hasText: 'Pay what you want (min $5.00)' }).waitFor();
    await screenshot(page, 'dashboard-products');

    // A checkout link for the monthly price: a bad success URL is refused; its URL is copied and
    // opens the hosted checkout of the product.
    await page.goto(`${base}/checkout-links`);
    await page.getByLabel('Product', { exact: true }).selectOption({ label: 'Sync Pro Plus' });
    await page.getByLabel('Price', { exact: true }).selectOption({ label: '$10.00 / month' });
    await page.getByLabel('Success URL').fill('ftp://example.com');
    await page.getByRole('button', { name: 'Create checkout link' }).click();
    assert.equal(await errorOf(page, 'success_url').textContent(), "String should match pattern '^https?://'");
    assert.equal(await count('checkout_links', organizationId), 0);
    await page.getByLabel('Success URL').fill('https://example.com/thanks');
    await page.getByRole('button', { name: 'Create checkout link' }).click();
    const urlInput = page.locator('input.link-url');
    await urlInput.waitFor();
    const url = await urlInput.inputValue();
    const [link] = (await sdk.checkoutLinks.list({ organizationId })).result.items;
    assert.equal(url, link!.url);
    assert.ok(url.startsWith(floe.baseUrl));
    assert.equal(link!.productPriceId, saved.prices.find((price) => !price.isArchived && price.type === 'recurring' && price.recurringInterval === 'month')!.id);
    assert.equal(link!.successUrl, 'https://example.com/thanks');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
    await screenshot(page, 'dashboard-checkout-links');
    await page.goto(url);
    assert.equal(await page.locator('h1').first().textContent(), 'Sync Pro Plus');
    assert.match((await page.locator('.price').textContent()) ?? '', /10\.00 USD/);

    // Deleted with a second click.
    await page.goto(`${base}/checkout-links`);
    const deleteLink = page.locator('tr', { hasText: 'Sync Pro Plus' }).getByRole('button', { name: 'Delete', exact: true });
    assert.equal(await deleteLink.getAttribute('aria-describedby').then((id) => page.locator(`#${id}`).textContent()), 'Sync Pro Plus');
    const deleteLinkButton = page.locator('button[data-delete]');
    await deleteLink.click();
    assert.equal(await deleteLinkButton.textContent(), 'Click again to delete');
    await deleteLinkButton.click();
    await page.getByText('No checkout links yet.').waitFor();
    assert.equal((await sdk.checkoutLinks.list({ organizationId })).result.items.length, 0);

    // A discount: an empty name and a zero percentage are refused; then 25% for three months,
    // with a code, a limit, a window and a product; its code edited; deleted.
    await page.goto(`${base}/discounts`);
    await page.getByLabel('Percentage off').fill('0');
    await page.getByRole('button', { name: 'Create discount' }).click();
    assert.equal(await errorOf(page, 'name').textContent(), 'String should have at least 1 character');
    assert.equal(await errorOf(page, 'basis_points').textContent(), 'Input should be greater than or equal to 1');
    assert.equal(await count('discounts', organizationId), 0);
    await page.getByLabel('Name', { exact: true }).fill('Launch week');
    await page.getByLabel('Code').fill('LAUNCH25');
    await page.getByLabel('Percentage off').fill('25');
    await page.getByLabel('Applies to subscriptions').selectOption('repeating');
    await page.getByLabel('Months').fill('3');
    await page.getByLabel('Starts').fill('2030-01-01T00:00');
    await page.getByLabel('Ends').fill('2030-01-08T00:00');
    await page.getByLabel('Maximum redemptions').fill('100');
    await page.getByLabel('Sync Pro Plus').check();
    await page.getByRole('button', { name: 'Create discount' }).click();
    await page.locator('table.list code', { hasText: 'LAUNCH25' }).waitFor();
    const [discount] = (await sdk.discounts.list({ organizationId })).result.items;
    assert.equal(discount!.name, 'Launch week');
    assert.equal('basisPoints' in discount! && discount.basisPoints, 2500);
    assert.equal(discount!.duration, 'repeating');
    const stored = await floe.db.selectFrom('discounts').select(['duration_in_months', 'basis_points']).where('id', '=', discount!.id).executeTakeFirstOrThrow();
    assert.deepEqual(stored, { duration_in_months: 3, basis_points: 2500 });
    assert.equal(discount!.maxRedemptions, 100);
    assert.equal(discount!.startsAt?.toISOString(), new Date('2030-01-01T00:00').toISOString());
    assert.deepEqual(discount!.products.map((product) => product.id), [productId]);
    assert.equal(await page.locator('[data-redemptions]').textContent(), '0 of 100');
    await screenshot(page, 'dashboard-discounts');
    await page.getByRole('link', { name: 'Edit Launch week' }).click();
    await page.locator('#edit-form').getByLabel('Code').fill('LAUNCH30');
    await page.getByRole('button', { name: 'Save discount' }).click();
    await page.locator('table.list code', { hasText: 'LAUNCH30' }).waitFor();
    assert.equal((await sdk.discounts.get({ id: discount!.id })).code, 'LAUNCH30');
    await page.locator('tr', { hasText: 'Launch week' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Click again to delete' }).click();
    await page.getByText('No discounts yet.').waitFor();
    assert.equal((await sdk.discounts.list({ organizationId })).result.items.length, 0);

    // The product's page at desktop width (same user, a second sign-in).
    const desktop = await browser.desktopPage();
    await signIn(desktop, (await floe.db.selectFrom('users').select('email').where('id', '=', merchant.userId).executeTakeFirstOrThrow()).email);
    await desktop.goto(`${base}/products/${productId}`);
    await desktop.locator('#product-form').waitFor();
    await screenshot(desktop, 'dashboard-product-desktop');
    await desktop.goto(`${base}/products`);
    await desktop.locator('table.list').waitFor();
    await screenshot(desktop, 'dashboard-products-desktop');
  });

  test('benefit types: downloadables with an uploaded file, ads, custom; Discord is refused with the API\'s message', async () => {
    const page = await browser.phonePage();
    const { merchant, base } = await merchantSignedIn(page);
    await page.goto(`${base}/benefits`);
    await page.getByLabel('Type').selectOption('downloadables');
    await page.getByLabel('Description').fill('The manual');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    assert.equal(await errorOf(page, 'properties.files').textContent(), 'List should have at least 1 item');
    await page.getByLabel('Upload files').setInputFiles({ name: 'manual.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 a manual') });
    await page.locator('#file-list li', { hasText: 'manual.pdf' }).waitFor();
    await screenshot(page, 'dashboard-benefit-downloadables');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    await page.locator('table.list td', { hasText: 'The manual' }).waitFor();

    await page.getByLabel('Type').selectOption('ads');
    await page.getByLabel('Description').fill('Sponsor slot');
    await page.getByLabel('Image width (px)').fill('300');
    await page.getByLabel('Image height (px)').fill('250');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    await page.locator('table.list td', { hasText: 'Sponsor slot' }).waitFor();

    await page.getByLabel('Type').selectOption('discord');
    await page.getByLabel('Description').fill('Discord role');
    await page.getByLabel('Guild token').fill('not-a-token');
    await page.getByLabel('Role ID').fill('1234');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    assert.equal(await errorOf(page, 'properties.guild_token').textContent(), 'Value error, Invalid token.');

    await page.getByLabel('Type').selectOption('custom');
    await page.getByLabel('Description').fill('Private forum');
    await page.getByLabel('Note for customers').fill('Join at forum.example.com');
    await page.getByRole('button', { name: 'Create benefit' }).click();
    await page.locator('table.list td', { hasText: 'Private forum' }).waitFor();

    const benefits = (await merchant.sdk.benefits.list({ organizationId: merchant.organizationId })).result.items;
    const byType = Object.fromEntries(benefits.map((benefit) => [benefit.type, benefit]));
    assert.deepEqual(Object.keys(byType).sort(), ['ads', 'custom', 'downloadables']);
    assert.deepEqual(byType.ads!.properties, { imageWidth: 300, imageHeight: 250 });
    assert.equal(byType.downloadables!.type === 'downloadables' && byType.downloadables.properties.files.length, 1);
    assert.equal(byType.custom!.type === 'custom' && byType.custom.properties.note, 'Join at forum.example.com');

    // Edited: the custom benefit's description and note.
    await page.getByRole('link', { name: 'Edit Private forum' }).click();
    await page.getByLabel('Description').fill('Members forum');
    await page.getByRole('button', { name: 'Save benefit' }).click();
    await page.locator('table.list td', { hasText: 'Members forum' }).waitFor();
    const edited = await merchant.sdk.benefits.get({ id: byType.custom!.id });
    assert.equal(edited.description, 'Members forum');
    assert.equal(edited.type === 'custom' && edited.properties.note, 'Join at forum.example.com');
    await page.locator('tr', { hasText: 'Sponsor slot' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Click again to delete' }).click();
    await page.locator('table.list td', { hasText: 'Sponsor slot' }).waitFor({ state: 'detached' });
    await screenshot(page, 'dashboard-benefits-types');
  });
});
