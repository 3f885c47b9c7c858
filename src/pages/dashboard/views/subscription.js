// A subscription: its status, amount and interval, current period, customer, product and discount,
// and what a merchant does with it through `PATCH /v1/subscriptions/{id}`: cancel at period end or
// uncancel (`cancel_at_period_end`), revoke now (`revoke: true`, asked twice), and move it to
// another of the organization's recurring prices (`product_price_id`). The API has no proration
// choice: a price change takes effect as Floe's billing applies it.
import { listAll } from '../api.js';
import { badge, confirmButton, dateTime, day, draw, html, money, onSubmit, priceLabel, select, showErrors } from '../ui.js';

const ACTIVE = ['trialing', 'active', 'past_due', 'unpaid'];
const statusTone = (status) => (status === 'active' || status === 'trialing' ? 'good' : status === 'canceled' || status === 'unpaid' || status === 'past_due' ? 'bad' : '');

/** The prices a subscription can move to: recurring, not archived, a set amount (the API refuses pay-what-you-want). */
function otherPrices(products, currentPriceId) {
  return products
    .filter((product) => !product.is_archived)
    .flatMap((product) => product.prices.filter((price) => price.type === 'recurring' && !price.is_archived && price.amount_type !== 'custom' && price.id !== currentPriceId).map((price) => [price.id, `${product.name}: ${priceLabel(price)}`]));
}

export default async function subscription(ctx) {
  const products = await listAll('/v1/products/', { organization_id: ctx.organization.id, is_recurring: true });

  async function render() {
    const current = await ctx.api('GET', `/v1/subscriptions/${ctx.params.id}`);
    const open = ACTIVE.includes(current.status) && !current.ended_at;
    const canceling = current.cancel_at_period_end || Boolean(current.ends_at);
    const prices = otherPrices(products, current.price_id);
    draw(
      ctx.main,
      html`<p><a href="${ctx.base}/subscriptions">← Subscriptions</a></p>
<h1>${current.product.name} for ${current.customer.email}</h1>
<div class="grid">
<section class="card" id="subscription-details"><h2>Details</h2><dl class="facts">
<dt>Status</dt><dd data-status="${current.status}">${badge(current.status, statusTone(current.status))}${canceling && open ? html` ${badge(`Ends ${day(current.ends_at ?? current.current_period_end)}`)}` : ''}</dd>
<dt>Amount</dt><dd>${money(current.amount, current.currency ?? 'usd')} / ${current.recurring_interval}</dd>
<dt>Price</dt><dd>${priceLabel(current.price)}</dd>
<dt>Current period</dt><dd>${day(current.current_period_start)} to ${current.current_period_end ? day(current.current_period_end) : 'open'}</dd>
<dt>Customer</dt><dd><a href="${ctx.base}/customers/${current.customer_id}">${current.customer.email}</a></dd>
<dt>Product</dt><dd><a href="${ctx.base}/products/${current.product_id}">${current.product.name}</a></dd>
<dt>Discount</dt><dd>${current.discount ? html`${current.discount.name}${current.discount.code ? html` <code>${current.discount.code}</code>` : ''}` : 'None'}</dd>
<dt>Started</dt><dd>${dateTime(current.started_at)}</dd>
${current.canceled_at ? html`<dt>Canceled</dt><dd>${dateTime(current.canceled_at)}</dd>` : ''}
${current.ended_at ? html`<dt>Ended</dt><dd>${dateTime(current.ended_at)}</dd>` : ''}
${current.customer_cancellation_reason ? html`<dt>Reason</dt><dd>${current.customer_cancellation_reason.replace(/_/g, ' ')}${current.customer_cancellation_comment ? html`: ${current.customer_cancellation_comment}` : ''}</dd>` : ''}
<dt>ID</dt><dd><code>${current.id}</code></dd></dl></section>
${open
        ? html`<section class="card" id="subscription-actions"><h2>Cancellation</h2>
<form id="cancellation"><p class="muted">${canceling ? 'It ends at the end of the current period, and its benefits are revoked then.' : 'Canceling at period end keeps it, and its benefits, until the period ends.'}</p>
<div class="row">${canceling
            ? html`<button type="submit" name="cancel_at_period_end" value="false">Uncancel</button>`
            : html`<button type="submit" name="cancel_at_period_end" value="true" class="secondary">Cancel at period end</button>`}
<button type="button" id="revoke" class="secondary" data-confirm="Click again to end it now">Revoke now</button></div>
<p class="hint">Revoking ends the subscription and its benefits at once, without a refund.</p></form></section>
<section class="card" id="subscription-price"><h2>Change price</h2>
${canceling
            ? html`<p class="muted">Uncancel it first: a subscription that is ending keeps its price.</p>`
            : prices.length
              ? html`<form id="change-price">${select('New price', 'product_price_id', prices)}<button type="submit">Change price</button></form>`
              : html`<p class="muted">There is no other recurring price to move to.</p>`}</section>`
        : html`<section class="card"><h2>Ended</h2><p class="muted">This subscription is over: nothing more can be changed.</p></section>`}
</div>`,
    );
    if (!open) return;

    const cancellation = ctx.main.querySelector('#cancellation');
    onSubmit(cancellation, async (_body, submitter) => {
      const atPeriodEnd = submitter.value === 'true';
      await ctx.api('PATCH', `/v1/subscriptions/${current.id}`, { body: { cancel_at_period_end: atPeriodEnd } });
      await render();
      return atPeriodEnd ? 'It will be canceled at the end of the period.' : 'It is no longer canceled: it renews as before.';
    });
    confirmButton(ctx.main.querySelector('#revoke'), async () => {
      // The API's refusal shows on the form, as the other actions' do.
      try {
        await ctx.api('PATCH', `/v1/subscriptions/${current.id}`, { body: { revoke: true } });
      } catch (error) {
        showErrors(cancellation, error);
        return undefined;
      }
      await render();
      return 'Revoked: the subscription and its benefits have ended.';
    });
    const changePrice = ctx.main.querySelector('#change-price');
    if (changePrice) {
      onSubmit(changePrice, async (body) => {
        await ctx.api('PATCH', `/v1/subscriptions/${current.id}`, { body: { product_price_id: body.product_price_id } });
        await render();
        return 'The price was changed.';
      });
    }
  }

  await render();
}

