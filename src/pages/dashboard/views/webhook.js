// One webhook endpoint: its settings (URL, format, events) to edit, a two-click delete, and its
// deliveries, newest first, each with the request sent (the event's payload) and the response
// received, and a button to send the event again.
import { badge, confirmButton, dateTime, draw, field, flash, html, onSubmit, pager, select } from '../ui.js';
import { eventChoices, eventTypes, FORMATS } from './webhooks.js';

/** The payload as sent is JSON: shown indented, with its event type, when it parses. */
function parsed(text) {
  try {
    const payload = JSON.parse(text);
    return { type: payload.type ?? '', text: JSON.stringify(payload, null, 2) };
  } catch {
    return { type: '', text };
  }
}

function delivery(item) {
  const status = item.http_code === null ? 'No response' : `HTTP ${item.http_code}`;
  const payload = parsed(item.webhook_event.payload);
  return html`<li class="card delivery" data-delivery="${item.id}" data-event="${item.webhook_event.id}">
<div class="row"><strong>${dateTime(item.created_at)}</strong>${payload.type ? html`<code>${payload.type}</code>` : ''}${badge(item.succeeded ? 'Delivered' : 'Failed', item.succeeded ? 'good' : 'bad')}<span class="muted">${status}</span>
<button type="button" class="secondary redeliver" data-redeliver="${item.webhook_event.id}" aria-label="Redeliver the event of ${dateTime(item.created_at)}">Redeliver</button></div>
<details><summary>Request</summary><pre>${payload.text}</pre></details>
<details><summary>Response (${status})</summary>${item.response ? html`<pre>${item.response}</pre>` : html`<p class="muted">No body.</p>`}</details></li>`;
}

export default async function webhook(ctx) {
  const id = ctx.params.id;
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const [endpoint, types, deliveries] = await Promise.all([
    ctx.api('GET', `/v1/webhooks/endpoints/${id}`),
    eventTypes(),
    ctx.api('GET', '/v1/webhooks/deliveries', { query: { endpoint_id: id, page, limit: 20 } }),
  ]);

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Webhook endpoint</h1><a class="button secondary" href="${ctx.base}/webhooks">All endpoints</a></div>
<section class="card"><h2>Settings</h2><form id="endpoint-form" novalidate>
${field('URL', 'url', { type: 'url', value: endpoint.url, required: true, attrs: 'autocomplete="off"' })}
${select('Format', 'format', FORMATS, { value: endpoint.format })}
${eventChoices(types, endpoint.events)}
${field('New signing secret', 'secret', { attrs: 'autocomplete="off"', hint: 'Empty: the current secret (never shown again) stays.' })}
<div class="row"><button type="submit">Save endpoint</button><button type="button" class="danger" id="delete-endpoint">Delete endpoint</button></div></form></section>
<section class="card"><h2>Deliveries</h2>${deliveries.items.length ? html`<ul class="deliveries">${deliveries.items.map(delivery)}</ul>` : html`<p class="muted empty">No deliveries yet: they appear when an event this endpoint takes happens.</p>`}
${pager(deliveries.pagination, page, (target) => `${ctx.base}/webhooks/${id}?page=${target}`)}</section>`,
  );

  onSubmit(ctx.main.querySelector('#endpoint-form'), async (body) => {
    await ctx.api('PATCH', `/v1/webhooks/endpoints/${id}`, { body: { ...body, events: body.events ?? [] } });
    await ctx.refresh();
    return 'Endpoint saved.';
  });
  confirmButton(ctx.main.querySelector('#delete-endpoint'), async () => {
    await ctx.api('DELETE', `/v1/webhooks/endpoints/${id}`);
    await ctx.navigate(`${ctx.base}/webhooks`);
    return 'Endpoint deleted.';
  });
  for (const button of ctx.main.querySelectorAll('[data-redeliver]')) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await ctx.api('POST', `/v1/webhooks/events/${button.dataset.redeliver}/redeliver`);
        flash('Redelivery queued: it appears here once sent (reload to see it).');
      } catch (error) {
        flash(error.message, 'error');
      } finally {
        button.disabled = false;
      }
    });
  }
}
