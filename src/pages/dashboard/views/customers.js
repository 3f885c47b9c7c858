// Customers: the organization's customers, newest first, searched by name or e-mail (the list
// endpoint's `query` filter), a page at a time; each leads to its customer's screen.
import { day, draw, field, html, onSubmit, pager, table } from '../ui.js';

const PAGE_SIZE = 20;

export default async function customers(ctx) {
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const search = ctx.query.query ?? '';
  const result = await ctx.api('GET', '/v1/customers/', { query: { organization_id: ctx.organization.id, query: search, page, limit: PAGE_SIZE } });
  const hrefOf = (target) => `${ctx.base}/customers?${new URLSearchParams({ ...(search ? { query: search } : {}), page: String(target) })}`;

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Customers</h1>
<form id="customer-search" class="row" role="search">${field('Search by name or e-mail', 'query', { type: 'search', value: search })}<button type="submit" class="secondary">Search</button></form></div>
${table(
      [
        { label: 'E-mail', cell: (customer) => customer.email },
        { label: 'Name', cell: (customer) => customer.name ?? '' },
        { label: 'Country', cell: (customer) => customer.billing_address?.country ?? '' },
        { label: 'Customer since', cell: (customer) => day(customer.created_at) },
      ],
      result.items,
      { empty: search ? `No customer matches “${search}”.` : 'No customers yet: they appear with their first purchase.', rowLink: (customer) => `${ctx.base}/customers/${customer.id}` },
    )}
${pager(result.pagination, page, hrefOf)}`,
  );

  onSubmit(ctx.main.querySelector('#customer-search'), (body) => ctx.navigate(body.query ? `${ctx.base}/customers?${new URLSearchParams({ query: body.query })}` : `${ctx.base}/customers`));
}
