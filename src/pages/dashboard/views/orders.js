// Orders: the organization's orders, newest first, filtered by product (a select) and by customer
// (`?customer_id=`, from a customer's screen), a page at a time; each leads to its order's screen.
import { listAll } from '../api.js';
import { day, draw, html, money, onSubmit, pager, select, table } from '../ui.js';

const PAGE_SIZE = 20;

export default async function orders(ctx) {
  const organizationId = ctx.organization.id;
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const productId = ctx.query.product_id ?? '';
  const customerId = ctx.query.customer_id ?? '';
  const [result, products, customer] = await Promise.all([
    ctx.api('GET', '/v1/orders/', { query: { organization_id: organizationId, product_id: productId, customer_id: customerId, page, limit: PAGE_SIZE } }),
    listAll('/v1/products/', { organization_id: organizationId }),
    customerId ? ctx.api('GET', `/v1/customers/${customerId}`) : null,
  ]);
  const hrefOf = (target, filters = { product_id: productId, customer_id: customerId }) => {
    const search = new URLSearchParams(Object.entries({ ...filters, page: target > 1 ? String(target) : '' }).filter(([, value]) => value));
    return `${ctx.base}/orders${search.size ? `?${search}` : ''}`;
  };

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Orders</h1>
<form id="order-filters" class="row">${select('Product', 'product_id', [['', 'All products'], ...products.map((product) => [product.id, product.name])], { value: productId })}<button type="submit" class="secondary">Filter</button></form></div>
${customer ? html`<p class="row">Orders of <a href="${ctx.base}/customers/${customer.id}">${customer.email}</a> <a href="${hrefOf(1, { product_id: productId })}">Show every customer's</a></p>` : ''}
${table(
      [
        { label: 'Product', cell: (order) => order.product.name },
        { label: 'Customer', cell: (order) => order.customer.email },
        { label: 'Total', cell: (order) => money(order.amount + order.tax_amount, order.currency) },
        { label: 'Reason', cell: (order) => order.billing_reason.replace(/_/g, ' ') },
        { label: 'Date', cell: (order) => day(order.created_at) },
      ],
      result.items,
      { empty: productId || customerId ? 'No orders match.' : 'No orders yet.', rowLink: (order) => `${ctx.base}/orders/${order.id}` },
    )}
${pager(result.pagination, page, hrefOf)}`,
  );

  onSubmit(ctx.main.querySelector('#order-filters'), (body) => ctx.navigate(hrefOf(1, { product_id: body.product_id ?? '', customer_id: customerId })));
}
