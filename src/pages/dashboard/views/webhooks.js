// Webhooks: the organization's endpoints (URL, payload format, how many event types each takes),
// and a form to add one. The signing secret is shown once, right after creation: the API never
// answers it, so this screen keeps it only until it has drawn it.
import { listAll } from '../api.js';
import { bodyChoices, copyButtons, draw, field, html, onSubmit, raw, revealedSecret, select, table } from '../ui.js';

export const FORMATS = [
  ['raw', 'Raw (JSON, signed)'],
  ['discord', 'Discord'],
  ['slack', 'Slack'],
];

/** The event types an endpoint can take, as the API lists them. */
export const eventTypes = () => bodyChoices('/v1/webhooks/endpoints', 'post', 'events');

/** Event checkboxes, named for the API's `events` list (errors on it appear on the fieldset). */
export function eventChoices(types, chosen) {
  return html`<fieldset data-field="events"><legend>Events</legend><div class="choices">${types.map((type) => {
    const id = `event-${type.replace(/[^a-z0-9]+/g, '-')}`;
    return html`<div class="field check"><input type="checkbox" id="${id}" name="events" value="${type}" data-type="list"${raw(chosen.includes(type) ? ' checked' : '')}><label for="${id}">${type}</label></div>`;
  })}</div></fieldset>`;
}

/** A signing secret made in the browser when the merchant leaves the field empty (the API requires one). */
function generatedSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** The endpoint just created and its secret: drawn once by the next render, then forgotten. */
let revealOnce = null;

export default async function webhooks(ctx) {
  const organizationId = ctx.organization.id;
  const [endpoints, types] = await Promise.all([listAll('/v1/webhooks/endpoints', { organization_id: organizationId }), eventTypes()]);
  const revealed = revealOnce?.organizationId === organizationId ? revealOnce : null;
  revealOnce = null;

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Webhooks</h1></div>
${revealed ? html`<section class="card" aria-labelledby="secret-title"><h2 id="secret-title">Endpoint created</h2><p>Events for <strong>${revealed.url}</strong> are signed with this secret. Use it to check the <code>webhook-signature</code> header.</p>${revealedSecret('Signing secret', 'webhook-secret', revealed.secret)}</section>` : ''}
<section class="card endpoints"><h2>Endpoints</h2>${table(
      [
        { label: 'URL', cell: (endpoint) => endpoint.url },
        { label: 'Format', cell: (endpoint) => FORMATS.find(([value]) => value === endpoint.format)?.[1] ?? endpoint.format },
        { label: 'Events', cell: (endpoint) => `${endpoint.events.length} event type${endpoint.events.length === 1 ? '' : 's'}` },
      ],
      endpoints,
      { empty: 'No endpoints yet: add one to receive events.', rowLink: (endpoint) => `${ctx.base}/webhooks/${endpoint.id}` },
    )}</section>
<section class="card"><h2>New endpoint</h2><form id="endpoint-form" novalidate>
${field('URL', 'url', { type: 'url', required: true, attrs: 'autocomplete="off" placeholder="https://example.com/webhooks"', hint: 'Floe POSTs each event here.' })}
${select('Format', 'format', FORMATS)}
${eventChoices(types, [])}
${field('Signing secret', 'secret', { attrs: 'autocomplete="off"', hint: 'Empty: one is generated for you. Either way it is shown once, after creation.' })}
<button type="submit">Create endpoint</button></form></section>`,
  );
  copyButtons(ctx.main);

  onSubmit(ctx.main.querySelector('#endpoint-form'), async (body) => {
    const secret = body.secret || generatedSecret();
    const endpoint = await ctx.api('POST', '/v1/webhooks/endpoints', { body: { ...body, events: body.events ?? [], secret, organization_id: organizationId } });
    revealOnce = { organizationId, url: endpoint.url, secret };
    await ctx.refresh();
    return 'Endpoint created.';
  });
}
