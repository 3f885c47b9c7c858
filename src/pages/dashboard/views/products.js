// Products: the organization's products with their prices, archived ones on request, each linking
// to its page; "New product" opens the create form.
import { badge, draw, html, pager, priceLabel, table } from '../ui.js';

export default async function products(ctx) {
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const showArchived = ctx.query.archived === '1';
  // Without the filter the API lists archived products too; by default only active ones show.
  const result = await ctx.api('GET', '/v1/products/', {
    query: { organization_id: ctx.organization.id, is_archived: showArchived ? undefined : false, page, limit: 20 },
  });
  const hrefOf = (target) => `${ctx.base}/products?page=${target}${showArchived ? '&archived=1' : ''}`;

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Products</h1>
<a class="button secondary" href="${ctx.base}/products${showArchived ? '' : '?archived=1'}">${showArchived ? 'Hide archived products' : 'Show archived products'}</a>
<a class="button" href="${ctx.base}/products/new">New product</a></div>
<section class="card">${table(
      [
        { label: 'Name', cell: (product) => product.name },
        { label: 'Prices', cell: (product) => html`<div>${product.prices.filter((price) => !price.is_archived).map((price) => html`<span class="price">${priceLabel(price)}</span>`)}</div>` },
        { label: 'Billing', cell: (product) => (product.is_recurring ? 'Subscription' : 'One-time') },
        { label: 'Status', cell: (product) => (product.is_archived ? badge('Archived', 'bad') : badge('Active', 'good')) },
      ],
      result.items,
      { empty: showArchived ? 'No products yet.' : 'No active products. Create one, or show archived products.', rowLink: (product) => `${ctx.base}/products/${product.id}` },
    )}${pager(result.pagination, page, hrefOf)}</section>`,
  );
}
