// A customer: who they are (e-mail, name, billing address, since when) and what they have bought:
// their orders, subscriptions, benefit grants and license keys, each leading to its own screen.
// Grants are listed per benefit (`/v1/benefits/{id}/grants` filtered by the customer); a license
// key's grant names its key (`properties.license_key_id`), so the keys are read one by one.
import { listAll } from '../api.js';
import { badge, dateTime, day, draw, html, money, table } from '../ui.js';

const statusTone = (status) => (status === 'active' || status === 'trialing' || status === 'granted' ? 'good' : status === 'canceled' || status === 'revoked' || status === 'disabled' || status === 'unpaid' ? 'bad' : '');

function addressLines(address) {
  if (!address) return 'None';
  return [address.line1, address.line2, [address.postal_code, address.city].filter(Boolean).join(' '), address.state, address.country].filter(Boolean).join(', ');
}

function grantState(grant) {
  if (grant.is_granted) return badge('Granted', 'good');
  if (grant.is_revoked) return badge('Revoked', 'bad');
  if (grant.error) return html`${badge('Failed', 'bad')} <span class="muted">${grant.error.message}</span>`;
  return badge('Pending');
}

export default async function customer(ctx) {
  const organizationId = ctx.organization.id;
  const customerId = ctx.params.id;
  const [person, orders, subscriptions, benefits] = await Promise.all([
    ctx.api('GET', `/v1/customers/${customerId}`),
    ctx.api('GET', '/v1/orders/', { query: { organization_id: organizationId, customer_id: customerId, limit: 100 } }),
    ctx.api('GET', '/v1/subscriptions/', { query: { organization_id: organizationId, customer_id: customerId, limit: 100 } }),
    listAll('/v1/benefits/', { organization_id: organizationId }),
  ]);
  const benefitById = new Map(benefits.map((benefit) => [benefit.id, benefit]));
  const grants = (await Promise.all(benefits.map((benefit) => listAll(`/v1/benefits/${benefit.id}/grants`, { customer_id: customerId })))).flat();
  const keyIds = [...new Set(grants.map((grant) => grant.properties?.license_key_id).filter((id) => typeof id === 'string'))];
  const licenseKeys = await Promise.all(keyIds.map((id) => ctx.api('GET', `/v1/license-keys/${id}`)));
  const more = (list, path, extra = '') => (list.pagination.max_page > 1 ? html`<p><a href="${ctx.base}/${path}?customer_id=${customerId}${extra}">All ${list.pagination.total_count}</a></p>` : '');

  draw(
    ctx.main,
    html`<p><a href="${ctx.base}/customers">← Customers</a></p>
<h1>${person.name ?? person.email}</h1>
<section class="card" id="customer-details"><h2>Details</h2><dl class="facts">
<dt>E-mail</dt><dd>${person.email} ${person.email_verified ? badge('Verified', 'good') : ''}</dd>
<dt>Name</dt><dd>${person.name ?? 'None'}</dd>
<dt>Billing address</dt><dd>${addressLines(person.billing_address)}</dd>
${person.tax_id ? html`<dt>Tax ID</dt><dd>${person.tax_id[0]} (${person.tax_id[1]})</dd>` : ''}
<dt>Customer since</dt><dd>${dateTime(person.created_at)}</dd>
<dt>ID</dt><dd><code>${person.id}</code></dd></dl></section>
<section class="card" id="customer-orders"><h2>Orders</h2>${table(
      [
        { label: 'Product', cell: (order) => order.product.name },
        { label: 'Amount', cell: (order) => money(order.amount + order.tax_amount, order.currency) },
        { label: 'Reason', cell: (order) => order.billing_reason.replace(/_/g, ' ') },
        { label: 'Date', cell: (order) => day(order.created_at) },
      ],
      orders.items,
      { empty: 'No orders.', rowLink: (order) => `${ctx.base}/orders/${order.id}` },
    )}${more(orders, 'orders')}</section>
<section class="card" id="customer-subscriptions"><h2>Subscriptions</h2>${table(
      [
        { label: 'Product', cell: (subscription) => subscription.product.name },
        { label: 'Amount', cell: (subscription) => `${money(subscription.amount, subscription.currency ?? 'usd')} / ${subscription.recurring_interval}` },
        { label: 'Status', cell: (subscription) => html`${badge(subscription.status, statusTone(subscription.status))}${subscription.cancel_at_period_end ? html` ${badge('Ends at period end')}` : ''}` },
        { label: 'Started', cell: (subscription) => day(subscription.started_at) },
      ],
      subscriptions.items,
      { empty: 'No subscriptions.', rowLink: (subscription) => `${ctx.base}/subscriptions/${subscription.id}` },
    )}${more(subscriptions, 'subscriptions', '&shown=all')}</section>
<section class="card" id="customer-grants"><h2>Benefit grants</h2>${table(
      [
        { label: 'Benefit', cell: (grant) => benefitById.get(grant.benefit_id)?.description ?? grant.benefit_id },
        { label: 'Type', cell: (grant) => (benefitById.get(grant.benefit_id)?.type ?? '').replace(/_/g, ' ') },
        { label: 'State', cell: grantState },
        { label: 'Since', cell: (grant) => day(grant.granted_at ?? grant.revoked_at ?? grant.created_at) },
        {
          label: 'From',
          cell: (grant) => (grant.subscription_id ? html`<a href="${ctx.base}/subscriptions/${grant.subscription_id}">Subscription</a>` : grant.order_id ? html`<a href="${ctx.base}/orders/${grant.order_id}">Order</a>` : ''),
        },
      ],
      grants,
      { empty: 'No benefits granted.' },
    )}</section>
<section class="card" id="customer-license-keys"><h2>License keys</h2>${table(
      [
        { label: 'Key', cell: (key) => html`<code>${key.display_key}</code>` },
        { label: 'Benefit', cell: (key) => benefitById.get(key.benefit_id)?.description ?? '' },
        { label: 'Status', cell: (key) => badge(key.status, statusTone(key.status)) },
        { label: 'Usage', cell: (key) => `${key.usage}${key.limit_usage === null ? '' : ` of ${key.limit_usage}`}` },
        { label: 'Expires', cell: (key) => (key.expires_at ? day(key.expires_at) : 'Never') },
      ],
      licenseKeys,
      { empty: 'No license keys.', rowLink: (key) => `${ctx.base}/license-keys/${key.id}` },
    )}</section>`,
  );
}
