// A license key: the key (masked, as Polar shows it), its status, usage and limits, expiry,
// validations and customer; its limits, status and expiry edited through
// `PATCH /v1/license-keys/{id}`; and the devices it is activated on (the key's read includes them).
import { badge, dateTime, day, draw, field, html, onSubmit, select, table } from '../ui.js';

const STATUSES = [
  ['granted', 'Granted'],
  ['disabled', 'Disabled'],
  ['revoked', 'Revoked'],
];
const statusTone = (status) => (status === 'granted' ? 'good' : 'bad');
const limitText = (limit) => (limit === null ? 'No limit' : String(limit));

export default async function licenseKey(ctx) {
  async function render() {
    const key = await ctx.api('GET', `/v1/license-keys/${ctx.params.id}`);
    const benefit = await ctx.api('GET', `/v1/benefits/${key.benefit_id}`).catch(() => null);
    draw(
      ctx.main,
      html`<p><a href="${ctx.base}/license-keys">← License keys</a></p>
<h1>License key <code>${key.display_key}</code></h1>
<div class="grid">
<section class="card" id="license-key-details"><h2>Details</h2><dl class="facts">
<dt>Status</dt><dd data-status="${key.status}">${badge(key.status, statusTone(key.status))}</dd>
<dt>Customer</dt><dd><a href="${ctx.base}/customers/${key.customer_id}">${key.customer.email}</a></dd>
<dt>Benefit</dt><dd>${benefit?.description ?? key.benefit_id}</dd>
<dt>Usage</dt><dd>${key.usage} of ${limitText(key.limit_usage)}</dd>
<dt>Activations</dt><dd>${key.activations.length} of ${limitText(key.limit_activations)}</dd>
<dt>Validations</dt><dd>${key.validations}${key.last_validated_at ? html` <span class="muted">last ${dateTime(key.last_validated_at)}</span>` : ''}</dd>
<dt>Expires</dt><dd>${key.expires_at ? dateTime(key.expires_at) : 'Never'}</dd>
<dt>ID</dt><dd><code>${key.id}</code></dd></dl></section>
<section class="card" id="license-key-edit"><h2>Edit</h2><form id="license-key-form">
${select('Status', 'status', STATUSES, { value: key.status })}
${field('Usage limit', 'limit_usage', { type: 'number', value: key.limit_usage ?? '', hint: 'Empty for no limit.', attrs: 'data-type="int" inputmode="numeric"' })}
${field('Activation limit', 'limit_activations', { type: 'number', value: key.limit_activations ?? '', hint: 'Devices it may be activated on, 1 to 50; empty for no limit.', attrs: 'data-type="int" inputmode="numeric"' })}
${field('Expires (UTC)', 'expires_at', { type: 'datetime-local', value: key.expires_at ? key.expires_at.slice(0, 16) : '', hint: 'Empty: it never expires.', attrs: 'data-type="nullable"' })}
<button type="submit">Save</button></form></section>
</div>
<section class="card" id="license-key-activations"><h2>Activations</h2>${table(
        [
          { label: 'Label', cell: (activation) => activation.label },
          { label: 'Details', cell: (activation) => (Object.keys(activation.meta ?? {}).length ? html`<code>${JSON.stringify(activation.meta)}</code>` : '') },
          { label: 'Activated', cell: (activation) => day(activation.created_at) },
          { label: 'ID', cell: (activation) => html`<code>${activation.id}</code>` },
        ],
        key.activations,
        { empty: 'Not activated on any device.' },
      )}</section>`,
    );

    onSubmit(ctx.main.querySelector('#license-key-form'), async (body) => {
      // An emptied limit or expiry is a removed one (null), not one left as it was.
      const update = {
        status: body.status,
        limit_usage: body.limit_usage ?? null,
        limit_activations: body.limit_activations ?? null,
        expires_at: body.expires_at ? `${body.expires_at}:00Z` : null,
      };
      await ctx.api('PATCH', `/v1/license-keys/${key.id}`, { body: update });
      await render();
      return 'The license key was saved.';
    });
  }

  await render();
}
