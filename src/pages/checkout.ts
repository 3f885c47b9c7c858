// The hosted checkout page, at a checkout's `url`: the product, its price, media and benefits, the
// form (email, name, billing country, custom fields, the amount of a pay-what-you-want price,
// discount code, card), confirmation through the client API, then the success URL (Floe's
// confirmation page unless the merchant gave one) once the order exists.
//
// Payments are the test processor's: the card fields are checked in the page as Stripe's test mode
// checks them (complete, Luhn-valid, a test card, a future expiry, a 3-digit CVC or 4 for Amex) and
// the card number stands for its test token (src/payments/test-cards.ts). A decline is shown next
// to the card.
//
// Embedded (`embed=true`, opened by Polar's embed library `@polar-sh/checkout` with the origin of
// the merchant's page in `embed_origin`, see modules/checkout/embed.ts): the page may be framed by
// that origin only, shows a Close button, and posts the library's messages to that origin only:
// `loaded`, `confirmed` once the payment is taken, `success` once the order exists (with the
// success URL; `redirect` as Polar's page sets it: the parent is asked to navigate only to a
// merchant's own success URL, while Floe's confirmation page opens inside the frame), `close`.
// Not embedded, the page cannot be framed at all (`frame-ancestors 'none'`): a payment form inside
// some other site's page is how a buyer is tricked into paying (clickjacking).
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Context } from '../kit/context.js';
import { transaction } from '../kit/db.js';
import type { App } from '../kit/http.js';
import { ResourceNotFound } from '../kit/errors.js';
import { embedCheckout, parseEmbedOrigin } from '../modules/checkout/embed.js';
import { presentCheckoutPublic } from '../modules/checkout/presenter.js';
import type { CheckoutPublic } from '../modules/checkout/schemas.js';
import { getCheckoutByClientSecret, organizationOf } from '../modules/checkout/service.js';
import { TEST_CARD_NUMBERS } from '../payments/test-cards.js';
import { TestPaymentProcessor } from '../payments/test-processor.js';
import { embedJson, escapeHtml, money, page } from './html.js';

// What the checkout's pages add to the shared style: the test-mode banner, field hints and errors,
// the card's fields on one row, the benefits, and the embedded layout (a card on the library's
// dimmed backdrop, with a Close button).
const CHECKOUT_STYLE = `<style>
.test-banner{background:#fff4e5;color:#6b3a00;border-bottom:1px solid #f0c98a;padding:8px 16px;font-size:.9rem;text-align:center}
.test-banner details{display:inline}.test-banner summary{display:inline;cursor:pointer;text-decoration:underline}.test-banner ul{text-align:left;max-width:420px;margin:8px auto}
.hint{font-size:.85rem;color:#555;margin:0 0 4px}.field-error{color:#b00020;font-size:.9rem;margin:4px 0 0}.field-error:empty{display:none}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#b00020;box-shadow:0 0 0 1px #b00020}
input:focus-visible,select:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #7aa7ff;outline-offset:2px}
fieldset{border:0;padding:0;margin:16px 0 0}legend{font-weight:600;padding:0}#country{text-transform:uppercase}#country::placeholder{text-transform:none}
.card-row{display:grid;grid-template-columns:1fr 1fr;gap:8px}.card-row label{margin-top:8px}
.checkbox{display:flex;gap:8px;align-items:center}.checkbox input{width:auto}
.benefits{padding-left:20px;margin:8px 0 0}.benefits li{margin:4px 0}
#progress{margin:12px 0 0;color:#333}#progress:empty{display:none}
.close{position:fixed;top:8px;right:8px;width:auto;margin:0;padding:8px 14px;background:#fff;color:#111;border:1px solid #ccc;border-radius:999px;box-shadow:0 2px 8px rgba(0,0,0,.2);z-index:2}
html.embedded,html.embedded body{background:transparent}html.embedded .test-banner{padding-right:96px}
html.embedded main{max-width:672px;grid-template-columns:1fr;padding:48px 12px 12px}
.portal-link{display:inline-block;margin-top:12px;font-weight:600}
</style>`;

// The embedded page's side of the library's protocol: messages to the embedding origin only,
// `loaded` now, `close` from the Close button, Escape or a click on the backdrop.
const EMBED_SCRIPT = `
const embedOrigin = JSON.parse(document.getElementById('embed-data').textContent).embed_origin;
window.polarEmbed = (message) => window.parent.postMessage({ ...message, type: 'POLAR_CHECKOUT' }, embedOrigin);
const closeEmbed = () => window.polarEmbed({ event: 'close' });
document.getElementById('close').addEventListener('click', closeEmbed);
document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeEmbed(); });
document.addEventListener('click', (event) => { if (event.target === document.body || event.target === document.querySelector('main')) closeEmbed(); });
window.polarEmbed({ event: 'loaded' });`;

// The form's behaviour: the amount and discount code update the checkout as the buyer enters them;
// on submit every field is checked first (errors next to their fields, focus on the first), then
// the checkout is confirmed and the page waits for its success on the checkout's event stream.
const CHECKOUT_SCRIPT = `
const state = JSON.parse(document.getElementById('checkout-data').textContent);
const post = window.polarEmbed || (() => {});
const api = '/v1/checkouts/custom/client/' + encodeURIComponent(state.client_secret);
const form = document.getElementById('checkout-form');
const formError = document.getElementById('error');
const progress = document.getElementById('progress');
const payButton = document.getElementById('pay');
const total = document.getElementById('total');
const cardFields = document.getElementById('card-fields');
let checkout = state.checkout;

const money = (c, cur) => c === null ? 'Free' : (c / 100).toFixed(2) + ' ' + (cur || 'usd').toUpperCase();
function buttonLabel(c) {
  const paid = c.total_amount !== null && c.total_amount > 0;
  if (c.product_price.type === 'recurring') return paid ? 'Subscribe for ' + money(c.total_amount, c.currency) + ' / ' + c.product_price.recurring_interval : 'Subscribe for free';
  return paid ? 'Pay ' + money(c.total_amount, c.currency) : 'Get it for free';
}
// The card is asked for only when the checkout needs one (a 100% discount may take it away).
function show(c) {
  checkout = c;
  total.textContent = money(c.total_amount, c.currency);
  payButton.textContent = buttonLabel(c);
  if (cardFields) {
    cardFields.hidden = !c.is_payment_form_required;
    for (const input of cardFields.querySelectorAll('input')) input.disabled = !c.is_payment_form_required;
  }
  for (const id of ['name', 'country']) document.getElementById(id).required = c.is_payment_form_required;
}

// Errors, each next to its field: the field is marked invalid and described by its message.
function setError(id, message) {
  const input = document.getElementById(id);
  const slot = document.getElementById(id + '-error');
  if (!input || !slot) { formError.textContent = message; return null; }
  slot.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  return input;
}
function clearError(id) {
  const input = document.getElementById(id);
  const slot = document.getElementById(id + '-error');
  if (slot) slot.textContent = '';
  if (input) input.removeAttribute('aria-invalid');
}
function clearErrors() {
  formError.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) clearError(input.id);
}
function focusFirst(inputs) {
  const first = inputs.filter(Boolean).sort((a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1)[0];
  if (first) first.focus();
}
// The API's field names (a 422's loc) and the page's inputs.
const FIELD_OF = { customer_email: 'email', customer_name: 'name', customer_billing_address: 'country', amount: 'amount', discount_code: 'discount_code', discount_id: 'discount_code', confirmation_token_id: 'card' };
function showApiError(error) {
  if (error.status === 422 && Array.isArray(error.body.detail)) {
    const inputs = error.body.detail.map((issue) => {
      const loc = (issue.loc || []).slice(1);
      const id = loc[0] === 'custom_field_data' ? 'custom_' + loc[1] : FIELD_OF[loc[0]];
      return id ? setError(id, issue.msg) : (formError.textContent = issue.msg, null);
    });
    focusFirst(inputs);
  } else if (error.body && error.body.error === 'PaymentError') {
    focusFirst([setError('card', error.body.detail)]);
  } else {
    formError.textContent = (error.body && typeof error.body.detail === 'string' && error.body.detail) || 'Something went wrong. Please try again.';
  }
}
class ApiError extends Error { constructor(status, body) { super('API error ' + status); this.status = status; this.body = body; } }
async function call(path, method, payload) {
  const response = await fetch(api + path, { method, headers: { 'content-type': 'application/json' }, body: payload ? JSON.stringify(payload) : undefined });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// A pay-what-you-want amount, typed in the currency's units, in cents within the price's bounds.
const amountInput = document.getElementById('amount');
function amountInCents() {
  const text = amountInput.value.trim().replace(',', '.');
  if (!/^\\d+(\\.\\d{1,2})?$/.test(text)) return { error: 'Enter an amount, such as 10.00.' };
  const cents = Math.round(Number(text) * 100);
  const price = checkout.product_price;
  const minimum = price.minimum_amount === null ? 50 : Math.max(price.minimum_amount, 50);
  if (cents < minimum) return { error: 'The amount must be at least ' + money(minimum, price.price_currency) + '.' };
  if (price.maximum_amount !== null && cents > price.maximum_amount) return { error: 'The amount must be at most ' + money(price.maximum_amount, price.price_currency) + '.' };
  return { cents };
}
async function update(payload, fields) {
  for (const id of fields) clearError(id);
  formError.textContent = '';
  try { show(await call('', 'PATCH', payload)); return true; } catch (error) { showApiError(error); return false; }
}
if (amountInput) amountInput.addEventListener('change', () => {
  const amount = amountInCents();
  if (amount.error) return void setError('amount', amount.error);
  if (amount.cents !== checkout.amount) update({ amount: amount.cents }, ['amount']);
});
const discount = document.getElementById('discount_code');
if (discount) discount.addEventListener('change', () => update({ discount_code: discount.value.trim() || null }, ['discount_code']));

// The card, checked as Stripe's test mode does before anything is sent.
const cardInput = document.getElementById('card');
const expiryInput = document.getElementById('expiry');
const cvcInput = document.getElementById('cvc');
const digitsOf = (value) => value.replace(/\\D/g, '');
const isAmex = (digits) => /^3[47]/.test(digits);
function luhn(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) { digit *= 2; if (digit > 9) digit -= 9; }
    sum += digit;
  }
  return sum % 10 === 0;
}
function cardErrors() {
  const errors = [];
  const digits = digitsOf(cardInput.value);
  const length = isAmex(digits) ? 15 : 16;
  if (digits.length < length) errors.push(['card', 'Your card number is incomplete.']);
  else if (digits.length > length || !luhn(digits)) errors.push(['card', 'Your card number is invalid.']);
  else if (!state.test_cards[digits]) errors.push(['card', 'Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.']);
  const expiry = expiryInput.value.match(/^\\s*(\\d{1,2})\\s*\\/\\s*(\\d{2})\\s*$/);
  if (!expiry) errors.push(['expiry', "Your card's expiration date is incomplete."]);
  else {
    const month = Number(expiry[1]);
    const year = 2000 + Number(expiry[2]);
    const now = new Date();
    if (month < 1 || month > 12) errors.push(['expiry', "Your card's expiration date is invalid."]);
    else if (year < now.getFullYear()) errors.push(['expiry', "Your card's expiration year is in the past."]);
    else if (year === now.getFullYear() && month < now.getMonth() + 1) errors.push(['expiry', "Your card's expiration date is in the past."]);
  }
  const cvcLength = isAmex(digits) ? 4 : 3;
  const cvc = digitsOf(cvcInput.value);
  if (cvc.length < cvcLength) errors.push(['cvc', "Your card's security code is incomplete."]);
  else if (cvc.length > cvcLength || cvc.length !== cvcInput.value.trim().length) errors.push(['cvc', "Your card's security code is invalid."]);
  return errors;
}
// Typed as printed on the card: the number in groups (4-6-5 for Amex), the expiry as MM/YY.
if (cardInput) {
  cardInput.addEventListener('input', () => {
    const digits = digitsOf(cardInput.value).slice(0, 16);
    const groups = isAmex(digits) ? [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)] : digits.match(/.{1,4}/g) || [];
    cardInput.value = groups.filter(Boolean).join(' ');
    cvcInput.maxLength = isAmex(digits) ? 4 : 3;
  });
  expiryInput.addEventListener('input', (event) => {
    if (event.inputType && event.inputType.startsWith('delete')) return;
    const digits = digitsOf(expiryInput.value).slice(0, 4);
    expiryInput.value = digits.length > 2 || (digits.length === 2 && !expiryInput.value.includes('/')) ? digits.slice(0, 2) + ' / ' + digits.slice(2) : digits;
  });
}

// Everything the form can tell before asking the server.
function formErrors(data) {
  const errors = [];
  const email = String(data.get('email') || '').trim();
  if (!email) errors.push(['email', 'Enter your email address.']);
  else if (!/^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(email)) errors.push(['email', 'Enter a valid email address, such as name@example.com.']);
  if (checkout.is_payment_form_required && !String(data.get('name') || '').trim()) errors.push(['name', 'Enter your name.']);
  const country = String(data.get('country') || '').trim();
  if (checkout.is_payment_form_required && !country) errors.push(['country', 'Enter your billing country.']);
  else if (country && !/^[A-Za-z]{2}$/.test(country)) errors.push(['country', 'Enter the two-letter country code, such as US or FR.']);
  for (const field of state.custom_fields) {
    const input = document.getElementById('custom_' + field.slug);
    const answered = input.type === 'checkbox' ? input.checked : input.value.trim() !== '';
    if (field.required && !answered) errors.push(['custom_' + field.slug, field.type === 'checkbox' ? 'Check this box to continue.' : 'This field is required.']);
  }
  if (amountInput) { const amount = amountInCents(); if (amount.error) errors.push(['amount', amount.error]); }
  if (checkout.is_payment_form_required && cardInput) errors.push(...cardErrors());
  return errors;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const data = new FormData(form);
  const errors = formErrors(data);
  if (errors.length) return focusFirst(errors.map(([id, message]) => setError(id, message)));
  payButton.disabled = true;
  progress.textContent = checkout.is_payment_required ? 'Processing your payment…' : 'Getting your order ready…';
  const custom = {};
  for (const field of state.custom_fields) { const v = data.get('custom_' + field.slug); if (v !== null && v !== '') custom[field.slug] = v; }
  const country = String(data.get('country') || '').trim().toUpperCase();
  const payload = {
    customer_email: String(data.get('email')).trim(),
    customer_name: String(data.get('name') || '').trim() || null,
    customer_billing_address: country ? { country } : null,
    custom_field_data: custom,
  };
  if (amountInput) payload.amount = amountInCents().cents;
  if (checkout.is_payment_form_required && cardInput) payload.confirmation_token_id = state.test_cards[digitsOf(cardInput.value)];
  let stream;
  try {
    stream = await listen();
    const confirmed = await call('/confirm', 'POST', payload);
    post({ event: 'confirmed' });
    progress.textContent = 'Payment received. Getting your order ready…';
    await stream.outcome;
    succeed(confirmed);
  } catch (error) {
    progress.textContent = '';
    if (error instanceof ApiError) showApiError(error); else formError.textContent = error.message;
    payButton.disabled = false;
  } finally { if (stream) stream.source.close(); }
});

// Where the buyer goes once the order exists, with the customer session token (the confirmation
// page's portal link signs them in). Floe's own confirmation page opens embedded in the frame; a
// merchant's page is for the embedding page to open (the library does when told to redirect).
function succeed(confirmed) {
  const url = new URL(confirmed.success_url);
  const internal = url.origin === state.base_origin;
  if (internal && state.embedded) url.searchParams.set('embed', 'true');
  url.searchParams.set('customer_session_token', confirmed.customer_session_token);
  post({ event: 'success', successURL: url.toString(), redirect: !internal });
  progress.textContent = 'Thank you! Your order is complete.';
  if (internal || !state.embedded) window.location.href = url.toString();
}

// The checkout's event stream, opened before confirming so that the success cannot be missed.
function listen() {
  return new Promise((opened, failed) => {
    const source = new EventSource(api + '/stream');
    let settle;
    const outcome = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    outcome.catch(() => {});
    const timer = setTimeout(() => settle.reject(new Error('The payment is taking longer than expected.')), 30000);
    let openedOnce = false;
    const follow = (status) => {
      if (status === 'succeeded') { clearTimeout(timer); settle.resolve(); }
      if (status === 'failed') { clearTimeout(timer); settle.reject(new Error('The payment failed.')); }
    };
    source.onopen = () => {
      if (!openedOnce) { openedOnce = true; return opened({ source, outcome }); }
      // Back after a drop: what happened meanwhile was not sent, so ask.
      call('', 'GET').then((c) => follow(c.status), () => {});
    };
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) failed(new Error('Could not reach the checkout.')); };
    source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.key === 'checkout.updated') follow(event.payload.status);
    };
  });
}

// What the checkout link prefilled that changes the price: applied at once, so the total is right.
if (state.prefill_update) update(state.prefill_update, Object.keys(state.prefill_update).map((key) => FIELD_OF[key]));
show(checkout);`;

const BENEFIT_KINDS: Record<string, string> = {
  license_keys: 'License key',
  downloadables: 'Downloads',
  discord: 'Discord access',
  github_repository: 'GitHub repository access',
  ads: 'Ad placement',
  custom: 'Included',
};

function benefitList(benefits: CheckoutPublic['product']['benefits']): string {
  if (benefits.length === 0) return '';
  const items = benefits.map((benefit) => `<li><strong>${escapeHtml(BENEFIT_KINDS[benefit.type] ?? 'Included')}:</strong> ${escapeHtml(benefit.description)}</li>`);
  return `<h2>What you get</h2><ul class="benefits">${items.join('')}</ul>`;
}

/** A labelled input with its hint and its error slot, which the input is described by. */
function field(id: string, label: string, control: (describedBy: string) => string, hint?: string): string {
  const describedBy = hint ? `${id}-hint ${id}-error` : `${id}-error`;
  return `<div class="field"><label for="${id}">${label}</label>${hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : ''}${control(describedBy)}<p class="field-error" id="${id}-error" role="alert"></p></div>`;
}

function customFieldInput(attached: CheckoutPublic['attached_custom_fields'][number]): string {
  const { slug, name, type, properties } = attached.custom_field as { slug: string; name: string; type: string; properties: Record<string, unknown> };
  const id = `custom_${escapeHtml(slug)}`;
  const label = `${escapeHtml(name)}${attached.required ? ' (required)' : ''}`;
  const required = attached.required ? ' aria-required="true"' : '';
  if (type === 'checkbox') {
    return `<div class="field"><div class="checkbox"><input type="checkbox" id="${id}" name="${id}" value="true" aria-describedby="${id}-error"${required}><label for="${id}">${label}</label></div><p class="field-error" id="${id}-error" role="alert"></p></div>`;
  }
  if (type === 'select') {
    const options = ((properties.options ?? []) as { value: string; label: string }[]).map((option) => `<option value="${escapeHtml(option.value)}">${escapeHtml(option.label)}</option>`);
    return field(id, label, (describedBy) => `<select id="${id}" name="${id}" aria-describedby="${describedBy}"${required}><option value="">Choose…</option>${options.join('')}</select>`);
  }
  const inputType = type === 'number' ? 'number' : type === 'date' ? 'date' : 'text';
  return field(id, label, (describedBy) => `<input id="${id}" name="${id}" type="${inputType}" aria-describedby="${describedBy}"${required}>`);
}

function buttonLabel(checkout: CheckoutPublic): string {
  const paid = checkout.total_amount !== null && checkout.total_amount > 0;
  const price = checkout.product_price;
  if (price.type === 'recurring') return paid ? `Subscribe for ${money(checkout.total_amount, checkout.currency)} / ${price.recurring_interval}` : 'Subscribe for free';
  return paid ? `Pay ${money(checkout.total_amount, checkout.currency)}` : 'Get it for free';
}

function priceLine(checkout: CheckoutPublic): string {
  const price = checkout.product_price;
  const interval = price.type === 'recurring' ? ` <span class="muted">/ ${escapeHtml(price.recurring_interval)}</span>` : '';
  // The buyer sets a pay-what-you-want amount in the form: the summary gives its lower bound.
  if (price.amount_type === 'custom') return `<p class="price">Pay what you want${interval}</p><p class="muted">From ${escapeHtml(money(Math.max(price.minimum_amount ?? 50, 50), price.price_currency))}</p>`;
  return `<p class="price">${escapeHtml(money(checkout.amount, checkout.currency))}${interval}</p>`;
}

/** The form of an open checkout, prefilled from the checkout and the query (as Polar's checkout links prefill it). */
function checkoutForm(checkout: CheckoutPublic, prefill: Record<string, string | undefined>): string {
  const price = checkout.product_price;
  const fields: string[] = [
    field('email', 'Email', (d) => `<input id="email" name="email" type="email" autocomplete="email" aria-required="true" aria-describedby="${d}" value="${escapeHtml(prefill.customer_email ?? checkout.customer_email ?? '')}">`),
    field('name', 'Name', (d) => `<input id="name" name="name" autocomplete="name" aria-describedby="${d}" value="${escapeHtml(prefill.customer_name ?? checkout.customer_name ?? '')}">`),
    field('country', 'Billing country', (d) => `<input id="country" name="country" maxlength="2" autocomplete="country" autocapitalize="characters" placeholder="US" aria-describedby="${d}" value="${escapeHtml(checkout.customer_billing_address?.country ?? '')}">`, 'The two-letter code, such as US or FR.'),
    ...checkout.attached_custom_fields.map(customFieldInput),
  ];
  if (price.amount_type === 'custom') {
    const bounds = [price.minimum_amount !== null ? `at least ${money(Math.max(price.minimum_amount, 50), price.price_currency)}` : `at least ${money(50, price.price_currency)}`, price.maximum_amount !== null ? `at most ${money(price.maximum_amount, price.price_currency)}` : ''].filter(Boolean).join(', ');
    const prefilled = prefill.amount !== undefined && /^\d+$/.test(prefill.amount) ? Number(prefill.amount) : checkout.amount;
    fields.push(field('amount', `Your price (${escapeHtml(price.price_currency.toUpperCase())})`, (d) => `<input id="amount" name="amount" inputmode="decimal" autocomplete="off" aria-describedby="${d}" value="${prefilled === null ? '' : (prefilled / 100).toFixed(2)}">`, `Pay what you want: ${escapeHtml(bounds)}.`));
  }
  if (checkout.allow_discount_codes && checkout.is_discount_applicable) {
    fields.push(field('discount_code', 'Discount code', (d) => `<input id="discount_code" name="discount_code" autocomplete="off" aria-describedby="${d}" value="${escapeHtml(prefill.discount_code ?? '')}">`));
  }
  // The card's fields exist whenever the price is not free: a discount or an amount may make the
  // card needed (or not) while the buyer fills the form in.
  if (price.amount_type !== 'free') {
    fields.push(`<fieldset id="card-fields"><legend>Card</legend>
${field('card', 'Card number', (d) => `<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" maxlength="19" aria-describedby="${d}">`)}
<div class="card-row">${field('expiry', 'Expiry date (MM / YY)', (d) => `<input id="expiry" name="expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" maxlength="7" aria-describedby="${d}">`)}
${field('cvc', 'CVC', (d) => `<input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" maxlength="4" aria-describedby="${d}">`)}</div></fieldset>`);
  }
  return `<form id="checkout-form" novalidate aria-label="Checkout">
${fields.join('\n')}
<div class="total"><span>Total</span><strong id="total">${escapeHtml(money(checkout.total_amount, checkout.currency))}</strong></div>
<button type="submit" id="pay">${escapeHtml(buttonLabel(checkout))}</button>
<p id="progress" role="status"></p><p id="error" class="error" role="alert"></p></form>`;
}

const STATUS_TEXT: Record<string, string> = {
  expired: 'This checkout has expired.',
  confirmed: 'This checkout is paid: the order is on its way.',
  succeeded: 'This checkout is complete.',
  failed: 'This checkout failed.',
};

/** The parts of the page that say it is a test, and that it is embedded. */
function chrome(testMode: boolean, embedOrigin: string | undefined): string {
  const banner = testMode
    ? `<div class="test-banner" role="note"><strong>Test mode:</strong> no real payment is taken. Pay with the card 4242 4242 4242 4242, any future expiry date and any CVC. <details><summary>Other test cards</summary><ul>
<li>4000 0000 0000 0002: declined</li><li>4000 0000 0000 9995: declined, insufficient funds</li><li>4000 0000 0000 0069: declined, expired card</li><li>5555 5555 5555 4444: Mastercard, pays</li><li>3782 822463 10005: American Express (4-digit CVC), pays</li></ul></details></div>`
    : '';
  const embedded = embedOrigin ? `<button type="button" id="close" class="close">Close</button><script id="embed-data" type="application/json">${embedJson({ embed_origin: embedOrigin })}</script>` : '';
  return `${CHECKOUT_STYLE}${banner}${embedded}`;
}

/** The page in HTML, framable by the embedding origin only (by no one when not embedded). */
function sendPage(reply: FastifyReply, status: number, embedOrigin: string | undefined, title: string, body: string, script?: string) {
  const html = page(title, body, script).replace('<html lang="en">', `<html lang="en"${embedOrigin ? ' class="embedded"' : ''}>`);
  return reply
    .code(status)
    .header('content-security-policy', `frame-ancestors ${embedOrigin ?? "'none'"}`)
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A query parameter given once (a repeated one reads as an array: not a valid value). */
function queryValue(query: unknown, name: string): string | undefined | null {
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

export function checkoutPages(app: App, { db, config, payments }: Context): void {
  const testMode = payments instanceof TestPaymentProcessor;

  app.get('/checkout/:client_secret', {
    schema: { hide: true, params: Type.Object({ client_secret: Type.String({ minLength: 1 }) }) },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const clientSecret = request.params.client_secret;
      const requestedOrigin = queryValue(request.query, 'embed_origin');
      if (requestedOrigin !== undefined && !parseEmbedOrigin(requestedOrigin)) {
        const body = `<main class="portal"><section><h1>This checkout cannot be embedded here</h1><p><code>embed_origin</code> must be the origin of the page embedding the checkout, such as <code>https://shop.example</code> or <code>http://localhost:3000</code> (a scheme, http or https, a host and an optional port; no path). It was <code>${escapeHtml(requestedOrigin ?? '(repeated)')}</code>.</p></section></main>`;
        return sendPage(reply, 400, undefined, 'Checkout cannot be embedded', `${CHECKOUT_STYLE}${body}`);
      }
      let loaded = await getCheckoutByClientSecret(db, clientSecret);
      let embedOrigin: string | undefined;
      if (queryValue(request.query, 'embed') === 'true') {
        embedOrigin = parseEmbedOrigin(loaded.checkout.embed_origin);
        if (!embedOrigin && requestedOrigin) {
          const embedded = await transaction(db, (trx) => embedCheckout(trx, config, clientSecret, requestedOrigin));
          embedOrigin = embedded.origin;
          if (embedded.loaded) loaded = embedded.loaded;
        }
      }
      const checkout = presentCheckoutPublic(config, loaded, await organizationOf(db, loaded.checkout));
      const product = checkout.product;
      const open = checkout.status === 'open';
      const prefill = {
        customer_email: queryValue(request.query, 'customer_email') ?? undefined,
        customer_name: queryValue(request.query, 'customer_name') ?? undefined,
        discount_code: queryValue(request.query, 'discount_code') ?? undefined,
        amount: queryValue(request.query, 'amount') ?? undefined,
      };
      // A prefilled amount or discount code changes the total: the page applies it on load.
      const prefillUpdate: Record<string, unknown> = {};
      if (checkout.product_price.amount_type === 'custom' && prefill.amount && /^\d+$/.test(prefill.amount) && Number(prefill.amount) !== checkout.amount) prefillUpdate.amount = Number(prefill.amount);
      if (prefill.discount_code && checkout.allow_discount_codes && checkout.is_discount_applicable) prefillUpdate.discount_code = prefill.discount_code;
      const body = `${chrome(testMode, embedOrigin)}<main>
<section><p class="muted">${escapeHtml(checkout.organization.name)}</p><h1>${escapeHtml(product.name)}</h1>
${product.description ? `<p>${escapeHtml(product.description)}</p>` : ''}
${product.medias.map((media) => `<img class="media" alt="" src="${escapeHtml(media.public_url)}">`).join('')}
${priceLine(checkout)}${benefitList(product.benefits)}</section>
<section>${open ? checkoutForm(checkout, prefill) : `<h2>${escapeHtml(STATUS_TEXT[checkout.status] ?? `This checkout is ${checkout.status}.`)}</h2>`}</section></main>
<script id="checkout-data" type="application/json">${embedJson({
        client_secret: checkout.client_secret,
        checkout,
        custom_fields: checkout.attached_custom_fields.map((attached) => ({ slug: attached.custom_field.slug, type: attached.custom_field.type, required: attached.required })),
        test_cards: TEST_CARD_NUMBERS,
        base_origin: new URL(config.baseUrl).origin,
        embedded: embedOrigin !== undefined,
        prefill_update: Object.keys(prefillUpdate).length > 0 ? prefillUpdate : null,
      })}</script>`;
      const script = [embedOrigin ? EMBED_SCRIPT : '', open ? CHECKOUT_SCRIPT : ''].join('\n');
      return sendPage(reply, 200, embedOrigin, `Checkout: ${product.name}`, body, script.trim() ? script : undefined);
    },
  });

  app.get('/checkout/:client_secret/confirmation', {
    schema: { hide: true, params: Type.Object({ client_secret: Type.String({ minLength: 1 }) }) },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const loaded = await getCheckoutByClientSecret(db, request.params.client_secret).catch(() => {
        throw new ResourceNotFound();
      });
      const organization = await organizationOf(db, loaded.checkout);
      const checkout = presentCheckoutPublic(config, loaded, organization);
      const embedOrigin = queryValue(request.query, 'embed') === 'true' ? parseEmbedOrigin(loaded.checkout.embed_origin) : undefined;
      const status = checkout.status;
      const message = status === 'succeeded' ? 'Thank you! Your purchase is complete.' : status === 'confirmed' ? 'Payment received, we are processing your order…' : STATUS_TEXT[status] ?? `This checkout is ${status}.`;
      // The token of the confirmation signs the buyer in to the portal (which drops it from the URL).
      const token = queryValue(request.query, 'customer_session_token');
      const portal = `/${encodeURIComponent(organization.slug)}/portal${token ? `?customer_session_token=${encodeURIComponent(token)}` : ''}`;
      const paid = checkout.total_amount ? `${money(checkout.total_amount, checkout.currency)}${checkout.product_price.type === 'recurring' ? ` / ${checkout.product_price.recurring_interval}` : ''}` : 'Free';
      const body = `${chrome(testMode, embedOrigin)}<main class="portal"><section><p class="muted">${escapeHtml(organization.name)}</p><h1 id="status">${escapeHtml(message)}</h1>
${
        status === 'succeeded' || status === 'confirmed'
          ? `<p id="bought">You bought <strong>${escapeHtml(checkout.product.name)}</strong> (${escapeHtml(paid)})${checkout.customer_email ? `, as ${escapeHtml(checkout.customer_email)}` : ''}.</p>
${benefitList(checkout.product.benefits)}
<p>Your license keys, downloads and everything else you bought are in your customer portal.</p>
<a class="portal-link" href="${escapeHtml(portal)}"${embedOrigin ? ' target="_blank" rel="noopener"' : ''}>Open your customer portal</a>`
          : `<p>${escapeHtml(checkout.product.name)}</p>`
      }</section></main>`;
      const script = [embedOrigin ? EMBED_SCRIPT : '', status === 'confirmed' ? 'setTimeout(() => location.reload(), 1000);' : ''].join('\n');
      return sendPage(reply, 200, embedOrigin, 'Confirmation', body, script.trim() ? script : undefined);
    },
  });
}
