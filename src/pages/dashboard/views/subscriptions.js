// Subscriptions: the organization's subscriptions, newest first, the active ones or all of them,
// filtered by product (and by customer with `?customer_id=`), a page at a time; each leads to its
// subscription's screen.
import { listAll } from '../api.js';
import { badge, day, draw, html, money, onSubmit, pager, select, table } from '../ui.js';

const PAGE_SIZE = 20;
const SHOWN = [
  ['active', 'Active'],
  ['all', 'All'],
];

const statusTone = (status) => (status === 'active' || status === 'trialing' ? 'good' : status === 'canceled' || status === 'unpaid' || status === 'past_due' ? 'bad' : '');

export default async function subscriptions(ctx) {
  const organizationId = ctx.organization.id;
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const shown = ctx.query.shown === 'all' ? 'all' : 'active';
  const productId = ctx.query.product_id ?? '';
  const customerId = ctx.query.customer_id ?? '';
  const [result, products] = await Promise.all([
    ctx.api('GET', '/v1/subscriptions/', {
      query: { organization_id: organizationId, active: shown === 'active' ? 'true' : '', product_id: productId, customer_id: customerId, page, limit: PAGE_SIZE },
    }),
    listAll('/v1/products/', { organization_id: organizationId, is_recurring: true }),
  ]);
  const hrefOf = (target, filters = { shown, product_id: productId, customer_id: customerId }) => {
    const search = new URLSearchParams(Object.entries({ ...filters, shown: filters.shown === 'all' ? 'all' : '', page: target > 1 ? String(target) : '' }).filter(([, value]) => value));
    return `${ctx.base}/subscriptions${search.size ? `?${search}` : ''}`;
  };

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Subscriptions</h1>
<form id="subscription-filters" class="row">${select('Show', 'shown', SHOWN, { value: shown })}${select('Product', 'product_id', [['', 'All products'], ...products.map((product) => [product.id, product.name])], { value: productId })}<button type="submit" class="secondary">Filter</button></form></div>
${customerId ? html`<p class="row">One customer's subscriptions. <a href="${hrefOf(1, { shown, product_id: productId })}">Show every customer's</a></p>` : ''}
${table(
      [
        { label: 'Customer', cell: (subscription) => subscription.customer.email },
        { label: 'Product', cell: (subscription) => subscription.product.name },
        { label: 'Amount', cell: (subscription) => `${money(subscription.amount, subscription.currency ?? 'usd')} / ${subscription.recurring_interval}` },
        { label: 'Status', cell: (subscription) => html`${badge(subscription.status, statusTone(subscription.status))}${subscription.cancel_at_period_end ? html` ${badge('Ends at period end')}` : ''}` },
        { label: 'Renews or ends', cell: (subscription) => day(subscription.ends_at ?? subscription.ended_at ?? subscription.current_period_end) },
        { label: 'Started', cell: (subscription) => day(subscription.started_at) },
      ],
      result.items,
      { empty: shown === 'active' ? 'No active subscriptions.' : 'No subscriptions yet.', rowLink: (subscription) => `${ctx.base}/subscriptions/${subscription.id}` },
    )}
${pager(result.pagination, page, hrefOf)}`,
  );

  onSubmit(ctx.main.querySelector('#subscription-filters'), (body) => ctx.navigate(hrefOf(1, { shown: body.shown, product_id: body.product_id ?? '', customer_id: customerId })));
}
