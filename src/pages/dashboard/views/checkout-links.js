// Checkout links: shareable URLs that open a checkout for a product (optionally one of its prices,
// with a discount applied), each shown with a Copy button; created and deleted here.
import { listAll } from '../api.js';
import { checkbox, confirmButton, copyButtons, draw, field, html, onSubmit, priceLabel, select, table } from '../ui.js';

const discountLabel = (discount) => (discount.type === 'percentage' ? `${discount.basis_points / 100}% off` : `$${(discount.amount / 100).toFixed(2)} off`);

export default async function checkoutLinks(ctx) {
  const organizationId = ctx.organization.id;
  const [links, products, discounts] = await Promise.all([
    listAll('/v1/checkout-links/', { organization_id: organizationId }),
    listAll('/v1/products/', { organization_id: organizationId, is_archived: false }),
    listAll('/v1/discounts/', { organization_id: organizationId }),
  ]);
  const priceOptions = (product) => [['', 'Any of its prices (the customer chooses)'], ...(product?.prices ?? []).filter((price) => !price.is_archived).map((price) => [price.id, priceLabel(price)])];

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Checkout links</h1></div>
<section class="card"><h2>Links</h2>${table(
      [
        { label: 'Product', cell: (link) => html`${link.label ? html`<strong>${link.label}</strong><br>` : ''}<span id="name-${link.id}">${link.product.name}</span>` },
        { label: 'Price', cell: (link) => (link.product_price ? priceLabel(link.product_price) : 'Customer chooses') },
        { label: 'Discount', cell: (link) => (link.discount ? `${link.discount.name} (${discountLabel(link.discount)})` : link.allow_discount_codes ? 'Codes allowed' : 'None') },
        {
          label: 'Link',
          cell: (link) => html`<div class="row copy-row"><label class="visually-hidden" for="url-${link.id}">Checkout link URL for ${link.product.name}</label><input id="url-${link.id}" class="grow link-url" readonly value="${link.url}"><button type="button" class="secondary" data-copy="url-${link.id}">Copy</button></div>`,
        },
        { label: 'Actions', cell: (link) => html`<button type="button" class="danger" data-delete="${link.id}" aria-describedby="name-${link.id}">Delete</button>` },
      ],
      links,
      { empty: 'No checkout links yet.' },
    )}</section>
<section class="card"><h2>New checkout link</h2>${products.length === 0 ? html`<p class="muted">Create a <a href="${ctx.base}/products/new">product</a> first.</p>` : html`<form id="link-form" novalidate>
${select('Product', 'product_id', products.map((product) => [product.id, product.name]), { id: 'link-product' })}
${select('Price', 'product_price_id', priceOptions(products[0]), { id: 'link-price' })}
${select('Discount applied', 'discount_id', [['', 'None'], ...discounts.map((discount) => [discount.id, `${discount.name} (${discountLabel(discount)})`])])}
${checkbox('Let customers enter discount codes', 'allow_discount_codes', { checked: true })}
${field('Label', 'label', { hint: 'Only you see it, to tell links apart.' })}
${field('Success URL', 'success_url', { type: 'url', hint: 'Where customers go after paying; empty for Floe\'s confirmation page. {CHECKOUT_ID} is replaced by the checkout\'s id.' })}
<button type="submit">Create checkout link</button></form>`}</section>`,
  );

  copyButtons(ctx.main);
  for (const button of ctx.main.querySelectorAll('[data-delete]')) {
    confirmButton(button, async () => {
      await ctx.api('DELETE', `/v1/checkout-links/${button.dataset.delete}`);
      await ctx.refresh();
      return 'Checkout link deleted.';
    });
  }
  const form = ctx.main.querySelector('#link-form');
  if (!form) return;
  form.querySelector('[name=allow_discount_codes]').dataset.type = 'bool';
  const productSelect = form.querySelector('#link-product');
  productSelect.addEventListener('change', () => {
    const chosen = products.find((product) => product.id === productSelect.value);
    draw(form.querySelector('#link-price'), html`${priceOptions(chosen).map(([value, text]) => html`<option value="${value}">${text}</option>`)}`);
  });
  onSubmit(form, async (body) => {
    // The API takes either a price (which names its product) or a product.
    if (body.product_price_id) delete body.product_id;
    if (!body.discount_id) delete body.discount_id;
    await ctx.api('POST', '/v1/checkout-links/', { body });
    await ctx.refresh();
    return 'Checkout link created.';
  });
}
