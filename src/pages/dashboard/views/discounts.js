// Discounts: percentage or fixed amounts off, once, forever or for some months, optionally behind a
// code, a date window, a redemption limit and a list of products. Listed with how often each was
// redeemed; the name and code can be changed, and a discount deleted.
import { listAll } from '../api.js';
import { confirmButton, dateTime, draw, field, html, money, onSubmit, select, table } from '../ui.js';

const amountOf = (discount) => (discount.type === 'percentage' ? `${discount.basis_points / 100}%` : money(discount.amount, discount.currency));
const durationOf = (discount) => (discount.duration === 'repeating' ? `${discount.duration_in_months} month${discount.duration_in_months === 1 ? '' : 's'}` : discount.duration === 'once' ? 'Once' : 'Forever');

/** `datetime-local` values are the browser's local time; the API wants an instant. */
function toInstant(body, name) {
  if (body[name]) body[name] = new Date(body[name]).toISOString();
}

export default async function discounts(ctx) {
  const organizationId = ctx.organization.id;
  const [items, products] = await Promise.all([listAll('/v1/discounts/', { organization_id: organizationId }), listAll('/v1/products/', { organization_id: organizationId, is_archived: false })]);
  const editing = items.find((discount) => discount.id === ctx.query.edit);

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Discounts</h1></div>
${editing ? html`<section class="card"><h2>Edit ${editing.name}</h2><form id="edit-form" novalidate>
${field('Name', 'name', { value: editing.name, id: 'edit-discount-name', attrs: 'data-keep-empty="true"' })}
${field('Code', 'code', { value: editing.code ?? '', id: 'edit-discount-code', attrs: 'data-type="nullable" autocomplete="off"', hint: 'Empty for a discount without a code (applied through checkout links only).' })}
<div class="row"><button type="submit">Save discount</button><a class="button secondary" href="${ctx.base}/discounts">Cancel</a></div></form></section>` : ''}
<section class="card"><h2>All discounts</h2>${table(
      [
        { label: 'Name', cell: (discount) => html`<span id="name-${discount.id}">${discount.name}</span>` },
        { label: 'Code', cell: (discount) => (discount.code ? html`<code>${discount.code}</code>` : html`<span class="muted">No code</span>`) },
        { label: 'Amount', cell: (discount) => `${amountOf(discount)} off` },
        { label: 'Duration', cell: durationOf },
        { label: 'Redemptions', cell: (discount) => html`<span data-redemptions="${discount.redemptions_count}">${discount.redemptions_count}${discount.max_redemptions ? ` of ${discount.max_redemptions}` : ''}</span>` },
        { label: 'Valid', cell: (discount) => (discount.starts_at || discount.ends_at ? `${discount.starts_at ? `from ${dateTime(discount.starts_at)}` : ''} ${discount.ends_at ? `until ${dateTime(discount.ends_at)}` : ''}`.trim() : 'Always') },
        { label: 'Products', cell: (discount) => (discount.products.length ? discount.products.map((product) => product.name).join(', ') : 'All products') },
        {
          label: 'Actions',
          cell: (discount) => html`<div class="row"><a class="button secondary" href="${ctx.base}/discounts?edit=${discount.id}" aria-label="Edit ${discount.name}">Edit</a><button type="button" class="danger" data-delete="${discount.id}" aria-describedby="name-${discount.id}">Delete</button></div>`,
        },
      ],
      items,
      { empty: 'No discounts yet.' },
    )}</section>
<section class="card"><h2>New discount</h2><form id="discount-form" novalidate>
${field('Name', 'name', { attrs: 'data-keep-empty="true"', hint: 'Shown to customers at checkout.' })}
${field('Code', 'code', { attrs: 'autocomplete="off"', hint: 'What customers type at checkout; empty for none.' })}
${select('Kind', 'type', [['percentage', 'Percentage off'], ['fixed', 'Fixed amount off']], { id: 'discount-type' })}
<div data-kind="percentage">${field('Percentage off', 'basis_points', { type: 'number', attrs: 'data-type="cents" step="0.01" inputmode="decimal"', hint: 'For example 25 for 25%.' })}</div>
<div data-kind="fixed">${field('Amount off (USD)', 'amount', { type: 'number', attrs: 'data-type="cents" step="0.01" inputmode="decimal"' })}<input type="hidden" name="currency" value="usd"></div>
${select('Applies to subscriptions', 'duration', [['once', 'The first payment only'], ['forever', 'Every payment'], ['repeating', 'A number of months']], { id: 'discount-duration' })}
<div data-duration="repeating">${field('Months', 'duration_in_months', { type: 'number', attrs: 'data-type="int" min="1"' })}</div>
<div class="row"><div class="grow">${field('Starts', 'starts_at', { type: 'datetime-local', hint: 'Your local time; empty for now.' })}</div><div class="grow">${field('Ends', 'ends_at', { type: 'datetime-local', hint: 'Empty for never.' })}</div></div>
${field('Maximum redemptions', 'max_redemptions', { type: 'number', attrs: 'data-type="int" min="1"', hint: 'Empty for unlimited.' })}
<fieldset data-field="products"><legend>Only for these products</legend><p class="hint">None chosen: every product.</p>${products.map(
      (product) => html`<div class="field check"><input type="checkbox" id="discount-product-${product.id}" name="products" value="${product.id}" data-type="list"><label for="discount-product-${product.id}">${product.name}</label></div>`,
    )}</fieldset>
<button type="submit">Create discount</button></form></section>`,
  );

  const form = ctx.main.querySelector('#discount-form');
  const showChoices = () => {
    const kind = form.querySelector('#discount-type').value;
    const duration = form.querySelector('#discount-duration').value;
    for (const group of form.querySelectorAll('[data-kind],[data-duration]')) {
      const shown = group.dataset.kind ? group.dataset.kind === kind : group.dataset.duration === duration;
      group.hidden = !shown;
      for (const input of group.querySelectorAll('input')) input.disabled = !shown;
    }
  };
  showChoices();
  form.addEventListener('change', showChoices);
  onSubmit(form, async (body) => {
    toInstant(body, 'starts_at');
    toInstant(body, 'ends_at');
    if (body.products?.length === 0) delete body.products;
    await ctx.api('POST', '/v1/discounts/', { body: { ...body, organization_id: organizationId } });
    await ctx.refresh();
    return 'Discount created.';
  });

  const editForm = ctx.main.querySelector('#edit-form');
  if (editForm) {
    onSubmit(editForm, async (body) => {
      await ctx.api('PATCH', `/v1/discounts/${editing.id}`, { body });
      await ctx.navigate(`${ctx.base}/discounts`);
      return 'Discount saved.';
    });
  }
  for (const button of ctx.main.querySelectorAll('[data-delete]')) {
    confirmButton(button, async () => {
      await ctx.api('DELETE', `/v1/discounts/${button.dataset.delete}`);
      await ctx.refresh();
      return 'Discount deleted.';
    });
  }
}
