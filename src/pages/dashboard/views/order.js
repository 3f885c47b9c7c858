// An order: what was bought (product, price), its amounts (price, discount, subtotal, tax, total),
// the customer, the subscription it bills, why it was made, and its invoice (a signed PDF link
// from `GET /v1/orders/{id}/invoice`, opened in a new tab).
import { badge, dateTime, draw, flash, html, money, priceLabel } from '../ui.js';

/**
 * The amount before the discount: an order's `amount` is the subtotal, after its discount, and
 * discounts apply to fixed prices only, so the fixed price is what the discount was taken from.
 */
function listAmount(order) {
  return order.discount && order.product_price.amount_type === 'fixed' ? order.product_price.price_amount : order.amount;
}

export default async function order(ctx) {
  const bought = await ctx.api('GET', `/v1/orders/${ctx.params.id}`);
  const currency = bought.currency;
  const before = listAmount(bought);

  draw(
    ctx.main,
    html`<p><a href="${ctx.base}/orders">← Orders</a></p>
<div class="toolbar"><h1>Order of ${bought.product.name}</h1><button type="button" id="invoice">Invoice</button></div>
<p id="invoice-link" class="muted" aria-live="polite"></p>
<div class="grid">
<section class="card" id="order-details"><h2>Details</h2><dl class="facts">
<dt>Product</dt><dd><a href="${ctx.base}/products/${bought.product_id}">${bought.product.name}</a></dd>
<dt>Price</dt><dd>${priceLabel(bought.product_price)}</dd>
<dt>Customer</dt><dd><a href="${ctx.base}/customers/${bought.customer_id}">${bought.customer.email}</a>${bought.customer.name ? html` <span class="muted">${bought.customer.name}</span>` : ''}</dd>
<dt>Subscription</dt><dd>${bought.subscription_id ? html`<a href="${ctx.base}/subscriptions/${bought.subscription_id}">${bought.subscription?.status ?? 'Open'}</a>` : 'None (one-time purchase)'}</dd>
<dt>Billing reason</dt><dd>${badge(bought.billing_reason.replace(/_/g, ' '))}</dd>
<dt>Created</dt><dd>${dateTime(bought.created_at)}</dd>
<dt>ID</dt><dd><code>${bought.id}</code></dd></dl></section>
<section class="card" id="order-amounts"><h2>Amounts</h2><dl class="facts">
${bought.discount ? html`<dt>Before discount</dt><dd>${money(before, currency)}</dd><dt>Discount</dt><dd>−${money(before - bought.amount, currency)} <span class="muted">${bought.discount.name}${bought.discount.code ? ` (${bought.discount.code})` : ''}</span></dd>` : ''}
<dt>Subtotal</dt><dd data-amount="subtotal">${money(bought.amount, currency)}</dd>
<dt>Tax</dt><dd data-amount="tax">${money(bought.tax_amount, currency)}</dd>
<dt>Total</dt><dd data-amount="total"><strong>${money(bought.amount + bought.tax_amount, currency)}</strong></dd></dl></section>
</div>`,
  );

  const button = ctx.main.querySelector('#invoice');
  button.addEventListener('click', async () => {
    // The tab opens now, while the click still counts, and goes to the PDF once its URL is known.
    const tab = window.open('', '_blank');
    button.disabled = true;
    try {
      const { url } = await ctx.api('GET', `/v1/orders/${bought.id}/invoice`);
      draw(ctx.main.querySelector('#invoice-link'), html`<a href="${url}" target="_blank" rel="noopener">Open the invoice (PDF)</a>`);
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      }
    } catch (error) {
      tab?.close();
      flash(error.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
}
