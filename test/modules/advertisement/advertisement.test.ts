// Advertisement campaigns through the SDK: the holder of an `ads` grant fills its campaign in, the
// merchant's site lists a benefit's campaigns (with the benefit's image dimensions), reads one and
// counts its views; a revoked grant takes its campaign out; bad input is a 422, others' grants 404.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound } from '@polar-sh/sdk/models/errors/index.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { jobsDone, purchase } from '../../helpers/purchase.js';

const floe = await startTestApp();
const worker = floe.startWorker();
after(() => worker.stop());

async function shop() {
  const merchant = await floe.createMerchant();
  const { sdk, organizationId } = merchant;
  const ads = await sdk.benefits.create({ type: 'ads', description: 'Your ad on our site', organizationId, properties: { imageWidth: 728, imageHeight: 90 } });
  const note = await sdk.benefits.create({ type: 'custom', description: 'Thanks', organizationId, properties: { note: 'Thanks!' } });
  const sponsorship = await sdk.products.create({ name: 'Sponsorship', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 10000, priceCurrency: 'usd' }] });
  await sdk.products.updateBenefits({ id: sponsorship.id, productBenefitsUpdate: { benefits: [ads.id, note.id] } });
  return { merchant, ads, note, sponsorship };
}

async function adsGrantOf(token: string) {
  const grants = await floe.sdk(token).customerPortal.benefitGrants.list({ typeFilter: 'ads' });
  assert.equal(grants.result.items.length, 1);
  const grant = grants.result.items[0]!;
  // The SDK parses it as an ads grant: its properties name the campaign.
  assert.ok('advertisementCampaignId' in grant.properties, 'an ads grant names its campaign');
  return { ...grant, campaignId: grant.properties.advertisementCampaignId };
}

/** Floe's campaign update (not in the SDK: Polar manages campaigns outside its API). */
async function saveCampaign(token: string, grantId: string, body: Record<string, unknown>) {
  const response = await fetch(`${floe.baseUrl}/v1/customer-portal/benefit-grants/${grantId}/advertisement-campaign`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { detail: unknown } };
}

const CAMPAIGN = { image_url: 'https://cdn.example.com/ad.png', image_url_dark: 'https://cdn.example.com/ad-dark.png', text: 'Fast builds for everyone', link_url: 'https://example.com/?ref=ad' };

describe('advertisements', () => {
  test('an ads grant names its campaign; the holder fills it in; the public list and get show it', async () => {
    const { merchant, ads, sponsorship } = await shop();
    const ada = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const grant = await adsGrantOf(ada.customerSessionToken);
    assert.equal(grant.benefit.type, 'ads');
    const campaignId = grant.campaignId;
    assert.match(campaignId, /^[0-9a-f-]{36}$/);

    // Nothing to show before the campaign is filled in; the list still gives the dimensions.
    const empty = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.deepEqual(empty.result.items, []);
    assert.deepEqual(empty.result.dimensions, [728, 90]);
    await expectError(floe.sdk().advertisements.get({ id: campaignId }), ResourceNotFound);

    const saved = await saveCampaign(ada.customerSessionToken, grant.id, CAMPAIGN);
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.id, campaignId);

    const listed = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.equal(listed.result.pagination.totalCount, 1);
    assert.deepEqual(listed.result.dimensions, [728, 90]);
    const [campaign] = listed.result.items;
    assert.equal(campaign!.id, campaignId);
    assert.equal(campaign!.imageUrl, CAMPAIGN.image_url);
    assert.equal(campaign!.imageUrlDark, CAMPAIGN.image_url_dark);
    assert.equal(campaign!.text, CAMPAIGN.text);
    assert.equal(campaign!.linkUrl, CAMPAIGN.link_url);
    assert.ok(campaign!.createdAt instanceof Date);

    const got = await floe.sdk().advertisements.get({ id: campaignId });
    assert.equal(got.text, CAMPAIGN.text);
    assert.equal(got.modifiedAt, null);

    // Replacing it keeps the id; no dark image is null.
    const replaced = await saveCampaign(ada.customerSessionToken, grant.id, { ...CAMPAIGN, image_url_dark: null, text: '  Faster builds  ' });
    assert.equal(replaced.status, 200);
    const reread = await floe.sdk().advertisements.get({ id: campaignId });
    assert.equal(reread.imageUrlDark, null);
    assert.equal(reread.text, 'Faster builds');
    assert.ok(reread.modifiedAt instanceof Date);

    // Grant responses keep parsing in the SDK: the portal's (incl. its update, which carries no
    // properties for ads) and the merchant's.
    const updated = await floe.sdk(ada.customerSessionToken).customerPortal.benefitGrants.update({ id: grant.id, customerBenefitGrantUpdate: { benefitType: 'ads' } });
    assert.ok('advertisementCampaignId' in updated.properties);
    assert.equal(updated.properties.advertisementCampaignId, campaignId);
    const merchantGrants = await merchant.sdk.benefits.grants({ id: ads.id });
    assert.deepEqual(merchantGrants.result.items.map((item) => item.id), [grant.id]);
    // (The SDK's union of grant properties matches the custom type's empty object first; the wire has the id.)
    const raw = await fetch(`${floe.baseUrl}/v1/benefits/${ads.id}/grants`, { headers: { authorization: `Bearer ${merchant.token}` } });
    assert.deepEqual(((await raw.json()) as { items: { properties: unknown }[] }).items.map((item) => item.properties), [{ advertisement_campaign_id: campaignId }]);
  });

  test('views are counted on readable campaigns only', async () => {
    const { merchant, ads, sponsorship } = await shop();
    const ada = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const grant = await adsGrantOf(ada.customerSessionToken);
    const campaignId = grant.campaignId;
    const view = (id: string) => fetch(`${floe.baseUrl}/v1/advertisements/${id}/view`, { method: 'POST' });

    assert.equal((await view(campaignId)).status, 404);
    assert.equal((await saveCampaign(ada.customerSessionToken, grant.id, CAMPAIGN)).status, 200);
    for (let i = 0; i < 3; i += 1) assert.equal((await view(campaignId)).status, 204);
    const row = await floe.db.selectFrom('advertisement_campaigns').select('views').where('id', '=', campaignId).executeTakeFirstOrThrow();
    assert.equal(row.views, 3);
    const unknown = await view('00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'ResourceNotFound', detail: 'Not found' });
    assert.equal((await view('not-a-uuid')).status, 422);

    // Sorted by views, most first, among two campaigns.
    const bob = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'bob@example.com');
    const bobGrant = await adsGrantOf(bob.customerSessionToken);
    assert.equal((await saveCampaign(bob.customerSessionToken, bobGrant.id, { ...CAMPAIGN, text: 'Bob' })).status, 200);
    const byViews = await floe.sdk().advertisements.list({ benefitId: ads.id, sorting: ['-views'] });
    assert.deepEqual(byViews.result.items.map((item) => item.text), [CAMPAIGN.text, 'Bob']);
    const byGranted = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.deepEqual(byGranted.result.items.map((item) => item.text), [CAMPAIGN.text, 'Bob']);
    const newestFirst = await floe.sdk().advertisements.list({ benefitId: ads.id, sorting: ['-granted_at'], limit: 1 });
    assert.deepEqual(newestFirst.result.items.map((item) => item.text), ['Bob']);
    assert.equal(newestFirst.result.pagination.maxPage, 2);
  });

  test('a revoked grant takes its campaign out of the list and get', async () => {
    const { merchant, ads, note, sponsorship } = await shop();
    const ada = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const grant = await adsGrantOf(ada.customerSessionToken);
    const campaignId = grant.campaignId;
    assert.equal((await saveCampaign(ada.customerSessionToken, grant.id, CAMPAIGN)).status, 200);
    assert.equal((await floe.sdk().advertisements.list({ benefitId: ads.id })).result.items.length, 1);

    // The product no longer has the ads benefit: its holders' grants are revoked.
    await merchant.sdk.products.updateBenefits({ id: sponsorship.id, productBenefitsUpdate: { benefits: [note.id] } });
    await jobsDone(floe);
    const revoked = await floe.db.selectFrom('benefit_grants').select(['revoked_at', 'properties']).where('id', '=', grant.id).executeTakeFirstOrThrow();
    assert.ok(revoked.revoked_at);
    assert.equal(revoked.properties.advertisement_campaign_id, campaignId);

    const listed = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.deepEqual(listed.result.items, []);
    assert.equal(listed.result.pagination.totalCount, 0);
    await expectError(floe.sdk().advertisements.get({ id: campaignId }), ResourceNotFound);
    assert.equal((await fetch(`${floe.baseUrl}/v1/advertisements/${campaignId}/view`, { method: 'POST' })).status, 404);
    // Nor can the campaign be edited any more.
    assert.equal((await saveCampaign(ada.customerSessionToken, grant.id, CAMPAIGN)).status, 404);

    // Granted again (the benefit back on the product), the same campaign is back.
    await merchant.sdk.products.updateBenefits({ id: sponsorship.id, productBenefitsUpdate: { benefits: [note.id, ads.id] } });
    await jobsDone(floe);
    const back = await floe.sdk().advertisements.list({ benefitId: ads.id });
    assert.deepEqual(back.result.items.map((item) => item.id), [campaignId]);
  });

  test('the list needs an existing ads benefit: unknown, deleted or other types are a 422 on benefit_id', async () => {
    const { merchant, ads, note } = await shop();
    for (const benefitId of ['00000000-0000-4000-8000-000000000000', note.id]) {
      const error = await expectError(floe.sdk().advertisements.list({ benefitId }), HTTPValidationError);
      assert.deepEqual(error.detail, [{ type: 'value_error', loc: ['query', 'benefit_id'], msg: 'Benefit not found.' }]);
      const raw = await fetch(`${floe.baseUrl}/v1/advertisements/?benefit_id=${benefitId}`);
      assert.deepEqual(await raw.json(), { error: 'PolarRequestValidationError', detail: [{ type: 'value_error', loc: ['query', 'benefit_id'], msg: 'Benefit not found.', input: benefitId }] });
    }
    await merchant.sdk.benefits.delete({ id: ads.id });
    const deleted = await expectError(floe.sdk().advertisements.list({ benefitId: ads.id }), HTTPValidationError);
    assert.deepEqual(deleted.detail?.[0]?.loc, ['query', 'benefit_id']);
    const malformed = await fetch(`${floe.baseUrl}/v1/advertisements/?benefit_id=nope`);
    assert.equal(malformed.status, 422);
    const missing = await fetch(`${floe.baseUrl}/v1/advertisements/`);
    assert.equal(missing.status, 422);
    assert.deepEqual(((await missing.json()) as { detail: { loc: unknown }[] }).detail[0]!.loc, ['query', 'benefit_id']);
    const badSort = await fetch(`${floe.baseUrl}/v1/advertisements/?benefit_id=${note.id}&sorting=price`);
    assert.equal(badSort.status, 422);
  });

  test('bad campaigns are a 422; nobody edits another customer\'s grant or a grant of another type', async () => {
    const { merchant, sponsorship } = await shop();
    const ada = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const bob = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'bob@example.com');
    const grant = await adsGrantOf(ada.customerSessionToken);

    const badLink = await saveCampaign(ada.customerSessionToken, grant.id, { ...CAMPAIGN, link_url: 'not a url' });
    assert.equal(badLink.status, 422);
    assert.deepEqual(badLink.body, {
      error: 'PolarRequestValidationError',
      detail: [{ type: 'url_parsing', loc: ['body', 'link_url'], msg: 'Input should be a valid URL, relative URL without a base', input: 'not a url' }],
    });
    const script = await saveCampaign(ada.customerSessionToken, grant.id, { ...CAMPAIGN, image_url: 'javascript:alert(1)', image_url_dark: 'ftp://example.com/a.png', text: ' ' });
    assert.equal(script.status, 422);
    assert.deepEqual(
      (script.body.detail as { loc: unknown[]; type: string }[]).map((issue) => [issue.loc.join('.'), issue.type]),
      [
        ['body.image_url', 'url_scheme'],
        ['body.image_url_dark', 'url_scheme'],
        ['body.text', 'string_too_short'],
      ],
    );
    const missing = await saveCampaign(ada.customerSessionToken, grant.id, { image_url: CAMPAIGN.image_url });
    assert.equal(missing.status, 422);
    assert.deepEqual((missing.body.detail as { loc: string[] }[]).map((issue) => issue.loc.join('.')).sort(), ['body.link_url', 'body.text']);
    assert.equal((await floe.db.selectFrom('advertisement_campaigns').select('id').execute()).filter((row) => row.id === grant.campaignId).length, 0);

    // Bob cannot edit Ada's grant, nor a grant that is not an ads grant, nor without a session.
    const stolen = await saveCampaign(bob.customerSessionToken, grant.id, CAMPAIGN);
    assert.equal(stolen.status, 404);
    assert.equal(stolen.body.error, 'ResourceNotFound');
    const noteGrant = (await floe.sdk(ada.customerSessionToken).customerPortal.benefitGrants.list({ typeFilter: 'custom' })).result.items[0]!;
    assert.equal((await saveCampaign(ada.customerSessionToken, noteGrant.id, CAMPAIGN)).status, 404);
    const anonymous = await fetch(`${floe.baseUrl}/v1/customer-portal/benefit-grants/${grant.id}/advertisement-campaign`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CAMPAIGN) });
    assert.equal(anonymous.status, 401);
    assert.equal((await saveCampaign(merchant.token, grant.id, CAMPAIGN)).status, 401);
    assert.deepEqual((await floe.sdk().advertisements.list({ benefitId: grant.benefitId })).result.items, []);
  });

  test('ads grants made before campaigns existed get their campaign id from the migration', async () => {
    const { merchant, sponsorship } = await shop();
    const ada = await purchase(floe, merchant.sdk, sponsorship.prices[0]!.id, 'ada@example.com');
    const grant = await adsGrantOf(ada.customerSessionToken);
    await floe.db.updateTable('benefit_grants').set({ properties: JSON.stringify({}) }).where('id', '=', grant.id).execute();
    const { readFileSync } = await import('node:fs');
    const migration = readFileSync(new URL('../../../src/db/migrations/0092_advertisements.sql', import.meta.url), 'utf8');
    const backfill = migration.slice(migration.indexOf('UPDATE benefit_grants'));
    const { sql } = await import('kysely');
    await sql.raw(backfill).execute(floe.db);
    const again = await adsGrantOf(ada.customerSessionToken);
    assert.match(again.campaignId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
