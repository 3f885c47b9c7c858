// A product, created (products/new) or edited (products/:id): name, description, its prices, the
// benefits it grants, the custom fields its checkout asks for, its images, and archiving. Prices
// are never edited in place (orders keep pointing at them): an edit keeps a price by sending its
// `{id}`, and one left out is archived by the API; a changed price is a removed one and a new one.
import { listAll } from '../api.js';
import { badge, draw, field, flash, html, onSubmit, priceLabel, raw, select, showErrors, uploadFile } from '../ui.js';

/** Every price the API accepts, as one choice: [kind, label, type, amount type, interval]. */
const PRICE_KINDS = [
  ['one_time:fixed', 'One-time, fixed price', 'one_time', 'fixed', null],
  ['one_time:custom', 'One-time, pay what you want', 'one_time', 'custom', null],
  ['one_time:free', 'One-time, free', 'one_time', 'free', null],
  ['month:fixed', 'Monthly subscription, fixed price', 'recurring', 'fixed', 'month'],
  ['year:fixed', 'Yearly subscription, fixed price', 'recurring', 'fixed', 'year'],
  ['month:free', 'Monthly subscription, free', 'recurring', 'free', 'month'],
  ['year:free', 'Yearly subscription, free', 'recurring', 'free', 'year'],
];

let rowSequence = 0;
const units = (cents) => (cents === null || cents === undefined ? '' : (cents / 100).toFixed(2));
const amountAttrs = 'data-type="cents" inputmode="decimal" step="0.01"';

/** A price the product has: shown as it is, kept by its id unless removed. */
function existingPriceRow(price) {
  return html`<div class="price-row existing" data-field="prices.0"><input type="hidden" name="prices.0.id" value="${price.id}">
<p class="grow"><strong>${priceLabel(price)}</strong></p><button type="button" class="secondary remove-price" aria-label="Remove price ${priceLabel(price)}">Remove price</button></div>`;
}

/** A price to add: its kind decides which amounts are asked for. */
function newPriceRow(kind = 'one_time:fixed') {
  const id = `price-${(rowSequence += 1)}`;
  return html`<div class="price-row new" data-field="prices.0">
${select('Price type', '', PRICE_KINDS.map(([value, label]) => [value, label]), { value: kind, id: `${id}-kind`, attrs: 'class="price-kind"' })}
<input type="hidden" name="prices.0.type"><input type="hidden" name="prices.0.amount_type"><input type="hidden" name="prices.0.recurring_interval">
<div class="row amounts">
<div class="grow" data-amounts="fixed">${field('Amount (USD)', 'prices.0.price_amount', { type: 'number', id: `${id}-amount`, attrs: amountAttrs })}</div>
<div class="grow" data-amounts="custom">${field('Minimum (USD)', 'prices.0.minimum_amount', { type: 'number', id: `${id}-minimum`, attrs: amountAttrs, hint: 'At least $0.50; empty for none.' })}</div>
<div class="grow" data-amounts="custom">${field('Maximum (USD)', 'prices.0.maximum_amount', { type: 'number', id: `${id}-maximum`, attrs: amountAttrs, hint: 'Empty for no maximum.' })}</div>
<div class="grow" data-amounts="custom">${field('Suggested amount (USD)', 'prices.0.preset_amount', { type: 'number', id: `${id}-preset`, attrs: amountAttrs, hint: 'Filled in at checkout.' })}</div>
</div><button type="button" class="secondary remove-price">Remove price</button></div>`;
}

/** Fills a new price row's hidden type fields from its kind and offers only its amounts. */
function applyKind(row) {
  const [, , type, amountType, interval] = PRICE_KINDS.find(([value]) => value === row.querySelector('.price-kind').value);
  row.querySelector('[name$=".type"]').value = type;
  row.querySelector('[name$=".amount_type"]').value = amountType;
  const intervalInput = row.querySelector('[name$=".recurring_interval"]');
  intervalInput.value = interval ?? '';
  intervalInput.disabled = !interval;
  for (const group of row.querySelectorAll('[data-amounts]')) {
    const shown = group.dataset.amounts === amountType;
    group.hidden = !shown;
    for (const input of group.querySelectorAll('input')) input.disabled = !shown;
  }
}

/** Rows are the `prices` list in order: their names and error anchors follow their position. */
function renumberPrices(form) {
  form.querySelectorAll('.price-row').forEach((row, index) => {
    const rename = (value) => value.replace(/^prices\.\d+/, `prices.${index}`);
    row.dataset.field = `prices.${index}`;
    for (const element of row.querySelectorAll('[name^="prices."]')) element.name = rename(element.name);
    for (const element of row.querySelectorAll('[data-field^="prices."]')) element.dataset.field = rename(element.dataset.field);
  });
}

function mediaList(medias) {
  if (medias.length === 0) return html`<p class="muted">No images yet.</p>`;
  return html`<ul class="thumbnails">${medias.map(
    (media) => html`<li data-media="${media.id}"><img src="${media.public_url}" alt="${media.name}"><button type="button" class="secondary remove-media" aria-label="Remove image ${media.name}">Remove</button></li>`,
  )}</ul>`;
}

export default async function product(ctx) {
  const creating = !ctx.params.id;
  const [current, benefits, customFields] = await Promise.all([
    creating ? null : ctx.api('GET', `/v1/products/${ctx.params.id}`),
    listAll('/v1/benefits/', { organization_id: ctx.organization.id }),
    listAll('/v1/custom-fields/', { organization_id: ctx.organization.id }),
  ]);
  if (current && current.organization_id !== ctx.organization.id) throw Object.assign(new Error('Not found'), { status: 404 });
  const grantedIds = new Set((current?.benefits ?? []).map((benefit) => benefit.id));
  const attached = new Map((current?.attached_custom_fields ?? []).map((entry) => [entry.custom_field_id, entry]));
  let medias = (current?.medias ?? []).map((media) => ({ id: media.id, name: media.name, public_url: media.public_url }));
  const activePrices = (current?.prices ?? []).filter((price) => !price.is_archived);

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>${creating ? 'New product' : current.name}</h1>${current?.is_archived ? badge('Archived', 'bad') : ''}<a class="button secondary" href="${ctx.base}/products">All products</a></div>
<form id="product-form" class="card" novalidate>
${field('Name', 'name', { value: current?.name ?? '', attrs: 'data-keep-empty="true" autocomplete="off"' })}
${field('Description', 'description', { type: 'textarea', value: current?.description ?? '', attrs: 'data-keep-empty="true"', hint: 'Shown on the checkout page. Markdown is allowed.' })}
<fieldset data-field="prices"><legend>Prices</legend>
<p class="hint">A product is either one-time (one price) or a subscription (a monthly and/or a yearly price). A price cannot be changed once customers may have paid it: remove it and add another; removed prices are archived.</p>
<div id="price-rows">${activePrices.map(existingPriceRow)}${creating ? newPriceRow() : ''}</div>
<button type="button" class="secondary" id="add-price">Add a price</button></fieldset>
<fieldset data-field="benefits"><legend>Benefits</legend>${benefits.length ? benefits.map(
      (benefit) => html`<div class="field check"><input type="checkbox" id="benefit-${benefit.id}" data-benefit="${benefit.id}"${raw(grantedIds.has(benefit.id) ? ' checked' : '')}${raw(benefit.selectable ? '' : ' disabled')}><label for="benefit-${benefit.id}">${benefit.description} <span class="muted">(${benefit.type.replace('_', ' ')})</span></label></div>`,
    ) : html`<p class="muted">No benefits yet: create them under <a href="${ctx.base}/benefits">Benefits</a>.</p>`}</fieldset>
<fieldset data-field="attached_custom_fields"><legend>Custom fields asked at checkout</legend>${customFields.length ? customFields.map(
      (customField) => html`<div class="row custom-field-choice" data-custom-field="${customField.id}"><div class="field check grow"><input type="checkbox" id="attach-${customField.id}" class="attach"${raw(attached.has(customField.id) ? ' checked' : '')}><label for="attach-${customField.id}">${customField.name} <span class="muted">(${customField.type})</span></label></div>
<div class="field check"><input type="checkbox" id="required-${customField.id}" class="required"${raw(attached.get(customField.id)?.required ? ' checked' : '')}><label for="required-${customField.id}">Required</label></div></div>`,
    ) : html`<p class="muted">No custom fields yet: create them under <a href="${ctx.base}/custom-fields">Custom fields</a>.</p>`}</fieldset>
<fieldset data-field="medias"><legend>Images</legend><div id="media-list">${mediaList(medias)}</div>
<div class="field"><label for="media-upload">Add images</label><input type="file" id="media-upload" accept="image/jpeg,image/png,image/gif,image/webp,image/svg+xml" multiple><p class="hint">JPEG, PNG, GIF, WebP or SVG, up to 10 MB each.</p><p class="upload-error" id="media-error" role="alert"></p></div></fieldset>
<button type="submit">${creating ? 'Create product' : 'Save product'}</button></form>
${creating ? '' : html`<section class="card"><h2>${current.is_archived ? 'Archived' : 'Archive'}</h2><p class="muted">${current.is_archived ? 'This product cannot be bought. Unarchive it to sell it again.' : 'An archived product can no longer be bought; existing orders and subscriptions stay as they are.'}</p>
<button type="button" id="archive" class="${current.is_archived ? 'secondary' : 'danger'}">${current.is_archived ? 'Unarchive product' : 'Archive product'}</button></section>`}`,
  );

  const form = ctx.main.querySelector('#product-form');
  const rows = form.querySelector('#price-rows');
  for (const row of rows.querySelectorAll('.price-row.new')) applyKind(row);
  renumberPrices(form);
  form.querySelector('#add-price').addEventListener('click', () => {
    rows.insertAdjacentHTML('beforeend', String(newPriceRow(activePrices.length || rows.children.length ? 'year:fixed' : 'one_time:fixed')));
    applyKind(rows.lastElementChild);
    renumberPrices(form);
    rows.lastElementChild.querySelector('select').focus();
  });
  form.addEventListener('change', (event) => {
    if (event.target.classList.contains('price-kind')) applyKind(event.target.closest('.price-row'));
  });
  form.addEventListener('click', (event) => {
    const removePrice = event.target.closest('.remove-price');
    if (removePrice) {
      removePrice.closest('.price-row').remove();
      renumberPrices(form);
      form.querySelector('#add-price').focus();
    }
    const removeMedia = event.target.closest('.remove-media');
    if (removeMedia) {
      medias = medias.filter((media) => media.id !== removeMedia.closest('[data-media]').dataset.media);
      draw(form.querySelector('#media-list'), mediaList(medias));
    }
  });

  const upload = form.querySelector('#media-upload');
  const uploadError = form.querySelector('#media-error');
  upload.addEventListener('change', async () => {
    uploadError.textContent = '';
    upload.disabled = true;
    try {
      for (const file of upload.files) {
        const uploaded = await uploadFile(ctx.api, file, { organizationId: ctx.organization.id, service: 'product_media' });
        medias.push({ id: uploaded.id, name: uploaded.name, public_url: uploaded.public_url });
        draw(form.querySelector('#media-list'), mediaList(medias));
      }
    } catch (error) {
      uploadError.textContent = `The image was not uploaded: ${error.message}`;
    } finally {
      upload.disabled = false;
      upload.value = '';
    }
  });

  onSubmit(form, async (body) => {
    body.prices = body.prices ?? [];
    body.medias = medias.map((media) => media.id);
    body.attached_custom_fields = [...form.querySelectorAll('.custom-field-choice')]
      .filter((choice) => choice.querySelector('.attach').checked)
      .map((choice) => ({ custom_field_id: choice.dataset.customField, required: choice.querySelector('.required').checked }));
    const chosenBenefits = [...form.querySelectorAll('[data-benefit]')].filter((box) => box.checked).map((box) => box.dataset.benefit);
    const saved = creating
      ? await ctx.api('POST', '/v1/products/', { body: { ...body, organization_id: ctx.organization.id } })
      : await ctx.api('PATCH', `/v1/products/${current.id}`, { body });
    const benefitsChanged = chosenBenefits.length !== grantedIds.size || chosenBenefits.some((id) => !grantedIds.has(id));
    if (benefitsChanged) {
      try {
        await ctx.api('POST', `/v1/products/${saved.id}/benefits`, { body: { benefits: chosenBenefits } });
      } catch (error) {
        // The product is saved; only its benefits were refused: show why on its page.
        if (creating) await ctx.navigate(`${ctx.base}/products/${saved.id}`, { replace: true });
        showErrors(ctx.main.querySelector('#product-form'), error);
        return undefined;
      }
    }
    if (creating) await ctx.navigate(`${ctx.base}/products/${saved.id}`);
    else await ctx.refresh();
    return creating ? 'Product created.' : 'Product saved.';
  });

  const archive = ctx.main.querySelector('#archive');
  archive?.addEventListener('click', async () => {
    archive.disabled = true;
    try {
      await ctx.api('PATCH', `/v1/products/${current.id}`, { body: { is_archived: !current.is_archived } });
      await ctx.refresh();
      flash(current.is_archived ? 'Product unarchived.' : 'Product archived.');
    } catch (error) {
      flash(error.message, 'error');
      archive.disabled = false;
    }
  });
}
