// Test clock (test mode only): the organization's own time, a form to move it forward, and what
// fell due meanwhile. The advance answers only the new time, once every renewal, retry and period
// end due by then has been carried out; so what it did is read back as the orders created between
// the old and the new time.
import { dateTime, draw, field, html, money, onSubmit, select, table } from '../ui.js';

const STEPS = [
  ['P1D', '1 day'],
  ['P7D', '1 week'],
  ['P1M', '1 month'],
  ['P3M', '3 months'],
  ['P1Y', '1 year'],
];

const REASONS = { purchase: 'Purchase', subscription_create: 'New subscription', subscription_cycle: 'Renewal', subscription_update: 'Subscription change' };

/** The last advance of each organization this session: its span and the orders created in it. */
const advances = new Map();

/** Orders created after `from` and up to `to`, newest first (pages of the list until one is older than `from`). */
async function ordersBetween(api, organizationId, from, to) {
  const found = [];
  for (let page = 1; ; page += 1) {
    const result = await api('GET', '/v1/orders/', { query: { organization_id: organizationId, sorting: '-created_at', page, limit: 100 } });
    for (const order of result.items) {
      const at = Date.parse(order.created_at);
      if (at <= from) return found;
      if (at <= to) found.push(order);
    }
    if (page >= result.pagination.max_page) return found;
  }
}

export default async function testClock(ctx) {
  if (!ctx.config.testMode) {
    draw(ctx.main, html`<section class="card"><h1>Test clock</h1><p>The test clock exists in test mode only: this Floe takes real payments, on real time.</p></section>`);
    return;
  }
  const organizationId = ctx.organization.id;
  const clock = await ctx.api('GET', '/v1/floe/test-clock', { query: { organization_id: organizationId } });
  const last = advances.get(organizationId);
  const ahead = clock.offset_seconds > 0 ? `${(clock.offset_seconds / 86400).toFixed(1)} days ahead of real time` : 'on real time';

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Test clock</h1></div>
<section class="card"><h2>The organization's time</h2><p class="clock-now" data-now="${clock.now}"><strong>${dateTime(clock.now)}</strong></p><p class="muted">${ahead}. Renewals, trials, retries and period ends happen by this time.</p></section>
<section class="card"><h2>Advance</h2><form id="advance-form" novalidate>
${select('Advance by', 'advance_by', STEPS, { value: 'P1M' })}
${field('Or advance to', 'advance_to', { type: 'datetime-local', hint: 'Your local time; when set, it is used instead of the step above.' })}
<button type="submit">Advance the clock</button></form></section>
${last ? html`<section class="card" aria-labelledby="fell-due"><h2 id="fell-due">What fell due</h2><p class="muted">From ${dateTime(last.from)} to ${dateTime(last.to)}.</p>${table(
      [
        { label: 'Created', cell: (order) => dateTime(order.created_at) },
        { label: 'Kind', cell: (order) => REASONS[order.billing_reason] ?? order.billing_reason },
        { label: 'Customer', cell: (order) => order.customer.email },
        { label: 'Product', cell: (order) => order.product.name },
        { label: 'Amount', cell: (order) => money(order.amount, order.currency) },
      ],
      last.orders,
      { empty: 'Nothing fell due: no orders were created in this span.', rowLink: (order) => `${ctx.base}/orders/${order.id}` },
    )}</section>` : ''}`,
  );

  onSubmit(ctx.main.querySelector('#advance-form'), async (body) => {
    const request = body.advance_to ? { organization_id: organizationId, advance_to: new Date(body.advance_to).toISOString() } : { organization_id: organizationId, advance_by: body.advance_by };
    const moved = await ctx.api('POST', '/v1/floe/test-clock', { body: request });
    const from = Date.parse(clock.now);
    const to = Date.parse(moved.now);
    advances.set(organizationId, { from: clock.now, to: moved.now, orders: await ordersBetween(ctx.api, organizationId, from, to) });
    await ctx.refresh();
    return `The clock moved to ${dateTime(moved.now)}.`;
  });
}
