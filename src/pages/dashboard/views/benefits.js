// Benefits: what a product grants its customers. Every type Floe knows is created and edited here
// with its own properties: a note, license keys (prefix, expiry, activations, usage), files to
// download (uploaded through the files flow), an ad slot, a Discord role, a GitHub repository. A
// type whose integration is not configured is refused by the API, and its message is shown.
import { listAll } from '../api.js';
import { confirmButton, draw, field, html, onSubmit, raw, select, table, uploadFile } from '../ui.js';

const TYPES = [
  ['custom', 'Custom (a note for customers)'],
  ['license_keys', 'License keys'],
  ['downloadables', 'File downloads'],
  ['ads', 'Advertisement slot'],
  ['discord', 'Discord role'],
  ['github_repository', 'GitHub repository access'],
];
const typeLabel = (type) => TYPES.find(([value]) => value === type)?.[1] ?? type;
const PERMISSIONS = [['pull', 'Read'], ['triage', 'Triage'], ['push', 'Write'], ['maintain', 'Maintain'], ['admin', 'Admin']];

/** A checkbox sent as true/false (`data-type="bool"`). */
const boolBox = (label, name, checked, id) => html`<div class="field check" data-field="${name}"><input type="checkbox" id="${id}" name="${name}" data-type="bool"${raw(checked ? ' checked' : '')}><label for="${id}">${label}</label></div>`;
/** A checkbox that turns a group of inputs on (sent) or off (left out). */
const toggle = (label, group, checked) => html`<div class="field check"><input type="checkbox" id="toggle-${group}" data-toggles="${group}"${raw(checked ? ' checked' : '')}><label for="toggle-${group}">${label}</label></div>`;

function summary(benefit) {
  const properties = benefit.properties;
  switch (benefit.type) {
    case 'custom':
      return properties.note ?? '';
    case 'license_keys':
      return [
        properties.prefix ? `Prefix ${properties.prefix}` : 'No prefix',
        properties.expires ? `valid ${properties.expires.ttl} ${properties.expires.timeframe}${properties.expires.ttl === 1 ? '' : 's'}` : 'no expiry',
        properties.activations ? `${properties.activations.limit} activations` : '',
        properties.limit_usage ? `${properties.limit_usage} uses` : '',
      ].filter(Boolean).join(', ');
    case 'downloadables':
      return `${properties.files.length} file${properties.files.length === 1 ? '' : 's'}`;
    case 'ads':
      return `Image ${properties.image_width}×${properties.image_height}`;
    case 'discord':
      return `Role ${properties.role_id}`;
    case 'github_repository':
      return `${properties.repository_owner}/${properties.repository_name} (${properties.permission})`;
    default:
      return '';
  }
}

function propertiesFields(type, properties, files) {
  switch (type) {
    case 'custom':
      return field('Note for customers', 'properties.note', { type: 'textarea', value: properties.note ?? '', hint: 'Shown to customers in their portal once they have bought. Markdown is allowed.' });
    case 'license_keys':
      return html`${field('Key prefix', 'properties.prefix', { value: properties.prefix ?? '', hint: 'Optional, e.g. MYAPP: keys look like MYAPP-…' })}
${toggle('Keys expire', 'expires', Boolean(properties.expires))}<div class="row" data-group="expires"><div class="grow">${field('Expire after', 'properties.expires.ttl', { type: 'number', value: properties.expires?.ttl ?? 1, attrs: 'data-type="int" min="1"' })}</div><div class="grow">${select('Unit', 'properties.expires.timeframe', [['day', 'Days'], ['month', 'Months'], ['year', 'Years']], { value: properties.expires?.timeframe ?? 'year' })}</div></div>
${toggle('Limit activations (devices)', 'activations', Boolean(properties.activations))}<div data-group="activations">${field('Activations allowed', 'properties.activations.limit', { type: 'number', value: properties.activations?.limit ?? 1, attrs: 'data-type="int" min="1" max="50"' })}${boolBox('Customers can deactivate their devices themselves', 'properties.activations.enable_customer_admin', properties.activations?.enable_customer_admin ?? true, 'activations-admin')}</div>
${field('Usage limit', 'properties.limit_usage', { type: 'number', value: properties.limit_usage ?? '', attrs: 'data-type="int" min="1"', hint: 'How many times a key can be used; empty for unlimited.' })}`;
    case 'downloadables':
      return html`<div data-field="properties.files"><p class="label">Files</p><ul id="file-list" class="files">${files.map(fileItem)}</ul>
<div class="field"><label for="file-upload">Upload files</label><input type="file" id="file-upload" multiple><p class="upload-error" id="file-error" role="alert"></p></div></div>`;
    case 'ads':
      return html`<div class="row"><div class="grow">${field('Image width (px)', 'properties.image_width', { type: 'number', value: properties.image_width ?? 240, attrs: 'data-type="int" min="1"' })}</div><div class="grow">${field('Image height (px)', 'properties.image_height', { type: 'number', value: properties.image_height ?? 100, attrs: 'data-type="int" min="1"' })}</div></div>`;
    case 'discord':
      return html`<p class="hint">Needs Floe's Discord bot configured and added to your server; the guild token comes from that authorization.</p>
${field('Guild token', 'properties.guild_token', { value: '', attrs: 'autocomplete="off"' })}${field('Role ID', 'properties.role_id', { value: properties.role_id ?? '' })}`;
    case 'github_repository':
      return html`<p class="hint">Needs Floe's GitHub app configured and installed on the repository's owner.</p>
${field('Repository owner', 'properties.repository_owner', { value: properties.repository_owner ?? '' })}${field('Repository name', 'properties.repository_name', { value: properties.repository_name ?? '' })}
${select('Permission', 'properties.permission', PERMISSIONS, { value: properties.permission ?? 'pull' })}`;
    default:
      return '';
  }
}

const fileItem = (file) => html`<li data-file="${file.id}"><input type="hidden" name="properties.files" data-type="list" value="${file.id}">${file.name} <span class="muted">${file.size_readable ?? ''}</span> <button type="button" class="secondary remove-file" aria-label="Remove ${file.name}">Remove</button></li>`;

/** An upload answers the API's complaint about a missing file: the old message goes. */
function clearStaleError(form, name) {
  const wrapper = form.querySelector(`[data-field="${name}"]`);
  for (const message of wrapper.querySelectorAll('.field-error')) message.remove();
  for (const input of wrapper.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

export default async function benefits(ctx) {
  const organizationId = ctx.organization.id;
  const items = await listAll('/v1/benefits/', { organization_id: organizationId });
  const editing = items.find((benefit) => benefit.id === ctx.query.edit);
  const editingFiles = editing?.type === 'downloadables' && editing.properties.files.length ? (await ctx.api('GET', '/v1/files/', { query: { organization_id: organizationId, ids: editing.properties.files, limit: 100 } })).items : [];
  const type = editing?.type ?? (TYPES.some(([value]) => value === ctx.query.type) ? ctx.query.type : 'custom');

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Benefits</h1></div>
<section class="card"><h2>All benefits</h2>${table(
      [
        { label: 'Description', cell: (benefit) => html`<span id="name-${benefit.id}">${benefit.description}</span>` },
        { label: 'Type', cell: (benefit) => typeLabel(benefit.type) },
        { label: 'Details', cell: summary },
        {
          label: 'Actions',
          cell: (benefit) => html`<div class="row">${benefit.selectable ? html`<a class="button secondary" href="${ctx.base}/benefits?edit=${benefit.id}" aria-label="Edit ${benefit.description}">Edit</a>` : ''}${benefit.deletable ? html`<button type="button" class="danger" data-delete="${benefit.id}" aria-describedby="name-${benefit.id}">Delete</button>` : ''}</div>`,
        },
      ],
      items,
      { empty: 'No benefits yet.' },
    )}</section>
<section class="card"><h2>${editing ? `Edit ${editing.description}` : 'New benefit'}</h2><form id="benefit-form" novalidate>
${editing ? html`<input type="hidden" name="type" value="${editing.type}"><p>Type: <strong>${typeLabel(editing.type)}</strong></p>` : select('Type', 'type', TYPES, { value: type, id: 'benefit-type' })}
${field('Description', 'description', { value: editing?.description ?? '', attrs: 'data-keep-empty="true" maxlength="42"', hint: 'Shown on the products that grant it (3 to 42 characters).' })}
<div id="benefit-properties">${propertiesFields(type, editing?.properties ?? {}, editingFiles)}</div>
<div class="row"><button type="submit">${editing ? 'Save benefit' : 'Create benefit'}</button>${editing ? html`<a class="button secondary" href="${ctx.base}/benefits">Cancel</a>` : ''}</div></form></section>`,
  );

  const form = ctx.main.querySelector('#benefit-form');
  const applyToggles = () => {
    for (const box of form.querySelectorAll('[data-toggles]')) {
      const group = form.querySelector(`[data-group="${box.dataset.toggles}"]`);
      group.hidden = !box.checked;
      for (const input of group.querySelectorAll('input,select')) input.disabled = !box.checked;
    }
  };
  const redrawProperties = () => {
    draw(form.querySelector('#benefit-properties'), propertiesFields(form.querySelector('[name=type]').value, {}, []));
    applyToggles();
  };
  applyToggles();
  form.addEventListener('change', async (event) => {
    if (event.target.id === 'benefit-type') redrawProperties();
    if (event.target.dataset.toggles) applyToggles();
    if (event.target.id === 'file-upload') await uploadFiles(event.target);
  });
  form.addEventListener('click', (event) => {
    event.target.closest('.remove-file')?.closest('li').remove();
  });

  async function uploadFiles(input) {
    const error = form.querySelector('#file-error');
    error.textContent = '';
    input.disabled = true;
    try {
      for (const file of input.files) {
        const uploaded = await uploadFile(ctx.api, file, { organizationId, service: 'downloadable' });
        form.querySelector('#file-list').insertAdjacentHTML('beforeend', String(fileItem(uploaded)));
      }
      clearStaleError(form, 'properties.files');
    } catch (failure) {
      error.textContent = `The file was not uploaded: ${failure.message}`;
    } finally {
      input.disabled = false;
      input.value = '';
    }
  }

  onSubmit(form, async (body) => {
    body.properties = body.properties ?? {};
    if (body.type === 'downloadables') body.properties.files = body.properties.files ?? [];
    if (editing) {
      // A Discord role is only changed with a fresh guild token; without one the properties stay.
      if (body.type === 'discord' && !body.properties.guild_token) delete body.properties;
      await ctx.api('PATCH', `/v1/benefits/${editing.id}`, { body });
      await ctx.navigate(`${ctx.base}/benefits`);
      return 'Benefit saved.';
    }
    await ctx.api('POST', '/v1/benefits/', { body: { ...body, organization_id: organizationId } });
    await ctx.navigate(`${ctx.base}/benefits`);
    return 'Benefit created.';
  });

  for (const button of ctx.main.querySelectorAll('[data-delete]')) {
    confirmButton(button, async () => {
      await ctx.api('DELETE', `/v1/benefits/${button.dataset.delete}`);
      await ctx.refresh();
      return 'Benefit deleted.';
    });
  }
}
