// The hosted checkout page, at a checkout's `url`: the product, its price and media, the form
// (email, name, billing country, custom fields, discount code, card), confirmation through the
// client API, then the success URL (or Floe's confirmation page once the order exists). In test
// mode the card number stands for a test token (4242 4242 4242 4242 pays, 4000 0000 0000 0002 is
// declined).
import { Type } from '@sinclair/typebox';
import type { Context } from '../kit/context.js';
import type { App } from '../kit/http.js';
import { ResourceNotFound } from '../kit/errors.js';
import { presentCheckoutPublic } from '../modules/checkout/presenter.js';
import { getCheckoutByClientSecret, organizationOf } from '../modules/checkout/service.js';
import { TEST_CARD_NUMBERS } from '../payments/test-cards.js';
import { embedJson, escapeHtml, money, page } from './html.js';


// The page's behaviour: update the checkout as the customer types a discount code, confirm on
// submit, then wait for the success on the checkout's event stream and go to the success URL.
const SCRIPT = `
const state = JSON.parse(document.getElementById('checkout-data').textContent);
const api = '/v1/checkouts/custom/client/' + encodeURIComponent(state.client_secret);
const form = document.getElementById('checkout-form');
const error = document.getElementById('error');
const total = document.getElementById('total');
const money = (c, cur) => c === null ? 'Free' : (c / 100).toFixed(2) + ' ' + (cur || 'usd').toUpperCase();
function show(checkout) { total.textContent = money(checkout.total_amount, checkout.currency); }
function describe(body) {
  if (Array.isArray(body.detail)) return body.detail.map((d) => (d.loc || []).slice(1).join('.') + ': ' + d.msg).join('\\n');
  return body.detail || 'Something went wrong.';
}
async function call(path, method, payload) {
  const response = await fetch(api + path, { method, headers: { 'content-type': 'application/json' }, body: payload ? JSON.stringify(payload) : undefined });
  const body = await response.json();
  if (!response.ok) throw new Error(describe(body));
  return body;
}
const discount = document.getElementById('discount_code');
if (discount) discount.addEventListener('change', async () => {
  error.textContent = '';
  try { show(await call('', 'PATCH', { discount_code: discount.value || null })); } catch (e) { error.textContent = e.message; }
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const button = form.querySelector('button');
  button.disabled = true;
  const data = new FormData(form);
  const custom = {};
  for (const field of state.custom_fields) { const v = data.get('custom_' + field); if (v !== null && v !== '') custom[field] = v; }
  const card = String(data.get('card') || '').replace(/[\\s-]/g, '');
  const payload = {
    customer_email: data.get('email') || null,
    customer_name: data.get('name') || null,
    customer_billing_address: data.get('country') ? { country: data.get('country') } : null,
    custom_field_data: custom,
  };
  if (state.payment_required) payload.confirmation_token_id = state.test_cards[card] || (card ? 'tok_unknown_card' : null);
  let stream;
  try {
    stream = await listen();
    const confirmed = await call('/confirm', 'POST', payload);
    await stream.outcome;
    window.location.href = confirmed.success_url;
  } catch (e) { error.textContent = e.message; button.disabled = false; }
  finally { if (stream) stream.source.close(); }
});
// The checkout's event stream, opened before confirming so that the success cannot be missed.
function listen() {
  return new Promise((opened, failed) => {
    const source = new EventSource(api + '/stream');
    let settle;
    const outcome = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    outcome.catch(() => {});
    const timer = setTimeout(() => settle.reject(new Error('The payment is taking longer than expected.')), 30000);
    let openedOnce = false;
    source.onopen = () => {
      if (!openedOnce) { openedOnce = true; return opened({ source, outcome }); }
      // Back after a drop: what happened meanwhile was not sent, so ask.
      call('', 'GET').then((checkout) => {
        if (checkout.status === 'succeeded') { clearTimeout(timer); settle.resolve(); }
        if (checkout.status === 'failed') { clearTimeout(timer); settle.reject(new Error('The payment failed.')); }
      }, () => {});
    };
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) failed(new Error('Could not reach the checkout.')); };
    source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.key !== 'checkout.updated') return;
      if (event.payload.status === 'succeeded') { clearTimeout(timer); settle.resolve(); }
      if (event.payload.status === 'failed') { clearTimeout(timer); settle.reject(new Error('The payment failed.')); }
    };
  });
}`;

export function checkoutPages(app: App, { db, config }: Context): void {
  app.get('/checkout/:client_secret', {
    schema: { hide: true, params: Type.Object({ client_secret: Type.String({ minLength: 1 }) }) },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const loaded = await getCheckoutByClientSecret(db, request.params.client_secret);
      const checkout = presentCheckoutPublic(config, loaded, await organizationOf(db, loaded.checkout));
      const product = checkout.product;
      const open = checkout.status === 'open';
      const fields = checkout.attached_custom_fields
        .map((attached) => `<label for="custom_${escapeHtml(attached.custom_field.slug)}">${escapeHtml(attached.custom_field.name)}${attached.required ? ' *' : ''}</label><input id="custom_${escapeHtml(attached.custom_field.slug)}" name="custom_${escapeHtml(attached.custom_field.slug)}" ${attached.required ? 'required' : ''}>`)
        .join('');
      const query = request.query as Record<string, string | undefined>;
      const body = `<main>
<section><p class="muted">${escapeHtml(checkout.organization.name)}</p><h1>${escapeHtml(product.name)}</h1>
${product.description ? `<p>${escapeHtml(product.description)}</p>` : ''}
${product.medias.map((media) => `<img class="media" alt="" src="${escapeHtml(media.public_url)}">`).join('')}
<p class="price">${escapeHtml(money(checkout.amount, checkout.currency))}${checkout.product_price.type === 'recurring' ? ` <span class="muted">/ ${escapeHtml(checkout.product_price.recurring_interval)}</span>` : ''}</p></section>
<section>${
        open
          ? `<form id="checkout-form">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="email" value="${escapeHtml(query.customer_email ?? checkout.customer_email ?? '')}">
<label for="name">Name</label><input id="name" name="name" autocomplete="name" value="${escapeHtml(checkout.customer_name ?? '')}" ${checkout.is_payment_form_required ? 'required' : ''}>
<label for="country">Billing country</label><input id="country" name="country" maxlength="2" placeholder="US" value="${escapeHtml(checkout.customer_billing_address?.country ?? '')}" ${checkout.is_payment_form_required ? 'required' : ''}>
${fields}
${checkout.allow_discount_codes && checkout.is_discount_applicable ? `<label for="discount_code">Discount code</label><input id="discount_code" name="discount_code" value="${escapeHtml(query.discount_code ?? '')}">` : ''}
${checkout.is_payment_required ? '<label for="card">Card number</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>' : ''}
<div class="total"><span>Total</span><strong id="total">${escapeHtml(money(checkout.total_amount, checkout.currency))}</strong></div>
<button type="submit">${checkout.is_payment_required ? 'Pay' : 'Get it'}</button><p id="error" class="error" role="alert"></p></form>`
          : `<h1>This checkout is ${escapeHtml(checkout.status)}.</h1>`
      }</section></main>
<script id="checkout-data" type="application/json">${embedJson({
        client_secret: checkout.client_secret,
        payment_required: checkout.is_payment_required,
        custom_fields: checkout.attached_custom_fields.map((attached) => attached.custom_field.slug),
        test_cards: TEST_CARD_NUMBERS,
      })}</script>`;
      return reply.type('text/html; charset=utf-8').send(page(`Checkout: ${product.name}`, body, open ? SCRIPT : undefined));
    },
  });

  app.get('/checkout/:client_secret/confirmation', {
    schema: { hide: true, params: Type.Object({ client_secret: Type.String({ minLength: 1 }) }) },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const loaded = await getCheckoutByClientSecret(db, request.params.client_secret).catch(() => {
        throw new ResourceNotFound();
      });
      const status = loaded.checkout.status;
      const message = status === 'succeeded' ? 'Thank you! Your purchase is complete.' : status === 'confirmed' ? 'Payment received, we are processing your order…' : `This checkout is ${status}.`;
      const body = `<main><section><h1 id="status">${escapeHtml(message)}</h1><p>${escapeHtml(loaded.product.name)}</p></section></main>`;
      return reply.type('text/html; charset=utf-8').send(page('Confirmation', body, status === 'confirmed' ? 'setTimeout(() => location.reload(), 1000);' : undefined));
    },
  });
}
