// Custom fields: extra questions a product's checkout asks (text, number, date, checkbox, or a
// choice from options), each with a slug (its key in the answers), a name and its properties.
import { listAll } from '../api.js';
import { confirmButton, draw, field, html, onSubmit, raw, select, table } from '../ui.js';

const TYPES = [['text', 'Text'], ['number', 'Number'], ['date', 'Date'], ['checkbox', 'Checkbox'], ['select', 'Choice from a list']];
let optionSequence = 0;

/** Date bounds are Unix timestamps in the API; the form shows them as days. */
const dayOf = (timestamp) => (timestamp === undefined || timestamp === null ? '' : new Date(timestamp * 1000).toISOString().slice(0, 10));

function optionRow(option = { value: '', label: '' }) {
  const id = `option-${(optionSequence += 1)}`;
  return html`<div class="row option-row" data-field="properties.options.0"><div class="grow">${field('Value', 'properties.options.0.value', { value: option.value, id: `${id}-value`, attrs: 'autocomplete="off"' })}</div><div class="grow">${field('Label', 'properties.options.0.label', { value: option.label, id: `${id}-label` })}</div><button type="button" class="secondary remove-option">Remove option</button></div>`;
}

function propertiesFields(type, properties) {
  const common = html`${field('Label at checkout', 'properties.form_label', { value: properties.form_label ?? '', hint: 'Empty: the name.' })}${field('Help text', 'properties.form_help_text', { value: properties.form_help_text ?? '' })}${type === 'checkbox' ? '' : field('Placeholder', 'properties.form_placeholder', { value: properties.form_placeholder ?? '' })}`;
  switch (type) {
    case 'text':
      return html`${common}<div class="field check" data-field="properties.textarea"><input type="checkbox" id="f-textarea" name="properties.textarea" data-type="bool"${raw(properties.textarea ? ' checked' : '')}><label for="f-textarea">Several lines (a text area)</label></div>
<div class="row"><div class="grow">${field('Minimum length', 'properties.min_length', { type: 'number', value: properties.min_length ?? '', attrs: 'data-type="int" min="0"' })}</div><div class="grow">${field('Maximum length', 'properties.max_length', { type: 'number', value: properties.max_length ?? '', attrs: 'data-type="int" min="0"' })}</div></div>`;
    case 'number':
      return html`${common}<div class="row"><div class="grow">${field('Minimum', 'properties.ge', { type: 'number', value: properties.ge ?? '', attrs: 'data-type="int"' })}</div><div class="grow">${field('Maximum', 'properties.le', { type: 'number', value: properties.le ?? '', attrs: 'data-type="int"' })}</div></div>`;
    case 'date':
      return html`${common}<div class="row"><div class="grow">${field('Earliest day', 'properties.ge', { type: 'date', value: dayOf(properties.ge) })}</div><div class="grow">${field('Latest day', 'properties.le', { type: 'date', value: dayOf(properties.le) })}</div></div>`;
    case 'select':
      return html`${common}<fieldset data-field="properties.options"><legend>Options</legend><div id="option-rows">${(properties.options?.length ? properties.options : [undefined]).map((option) => optionRow(option))}</div><button type="button" class="secondary" id="add-option">Add an option</button></fieldset>`;
    default:
      return common;
  }
}

function renumberOptions(form) {
  form.querySelectorAll('.option-row').forEach((row, index) => {
    const rename = (value) => value.replace(/^properties\.options\.\d+/, `properties.options.${index}`);
    row.dataset.field = `properties.options.${index}`;
    for (const element of row.querySelectorAll('[name]')) element.name = rename(element.name);
    for (const element of row.querySelectorAll('[data-field]')) element.dataset.field = rename(element.dataset.field);
  });
}

export default async function customFields(ctx) {
  const organizationId = ctx.organization.id;
  const items = await listAll('/v1/custom-fields/', { organization_id: organizationId });
  const editing = items.find((customField) => customField.id === ctx.query.edit);
  const type = editing?.type ?? 'text';

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Custom fields</h1></div>
<section class="card"><h2>All custom fields</h2>${table(
      [
        { label: 'Name', cell: (customField) => html`<span id="name-${customField.id}">${customField.name}</span>` },
        { label: 'Slug', cell: (customField) => html`<code>${customField.slug}</code>` },
        { label: 'Type', cell: (customField) => TYPES.find(([value]) => value === customField.type)?.[1] ?? customField.type },
        { label: 'Options', cell: (customField) => (customField.type === 'select' ? customField.properties.options.map((option) => option.label).join(', ') : '') },
        {
          label: 'Actions',
          cell: (customField) => html`<div class="row"><a class="button secondary" href="${ctx.base}/custom-fields?edit=${customField.id}" aria-label="Edit ${customField.name}">Edit</a><button type="button" class="danger" data-delete="${customField.id}" aria-describedby="name-${customField.id}">Delete</button></div>`,
        },
      ],
      items,
      { empty: 'No custom fields yet.' },
    )}</section>
<section class="card"><h2>${editing ? `Edit ${editing.name}` : 'New custom field'}</h2><form id="custom-field-form" novalidate>
${editing ? html`<input type="hidden" name="type" value="${editing.type}"><p>Type: <strong>${TYPES.find(([value]) => value === editing.type)?.[1]}</strong></p>` : select('Type', 'type', TYPES, { value: type, id: 'custom-field-type' })}
${field('Name', 'name', { value: editing?.name ?? '', attrs: 'data-keep-empty="true"' })}
${field('Slug', 'slug', { value: editing?.slug ?? '', attrs: 'data-keep-empty="true" autocomplete="off"', hint: 'The key of the answer in orders and the API: letters, digits, - and _.' })}
<div id="custom-field-properties">${propertiesFields(type, editing?.properties ?? {})}</div>
<div class="row"><button type="submit">${editing ? 'Save custom field' : 'Create custom field'}</button>${editing ? html`<a class="button secondary" href="${ctx.base}/custom-fields">Cancel</a>` : ''}</div></form></section>`,
  );

  const form = ctx.main.querySelector('#custom-field-form');
  renumberOptions(form);
  form.addEventListener('change', (event) => {
    if (event.target.id !== 'custom-field-type') return;
    draw(form.querySelector('#custom-field-properties'), propertiesFields(event.target.value, {}));
    renumberOptions(form);
  });
  form.addEventListener('click', (event) => {
    if (event.target.id === 'add-option') {
      form.querySelector('#option-rows').insertAdjacentHTML('beforeend', String(optionRow()));
      renumberOptions(form);
      form.querySelector('.option-row:last-child input').focus();
    }
    if (event.target.closest('.remove-option')) {
      event.target.closest('.option-row').remove();
      renumberOptions(form);
    }
  });

  onSubmit(form, async (body) => {
    body.properties = body.properties ?? {};
    if (body.type === 'select') body.properties.options = body.properties.options ?? [];
    if (body.type === 'date') {
      for (const bound of ['ge', 'le']) if (body.properties[bound]) body.properties[bound] = Date.parse(`${body.properties[bound]}T00:00:00Z`) / 1000;
    }
    if (editing) await ctx.api('PATCH', `/v1/custom-fields/${editing.id}`, { body });
    else await ctx.api('POST', '/v1/custom-fields/', { body: { ...body, organization_id: organizationId } });
    await ctx.navigate(`${ctx.base}/custom-fields`);
    return editing ? 'Custom field saved.' : 'Custom field created.';
  });

  for (const button of ctx.main.querySelectorAll('[data-delete]')) {
    confirmButton(button, async () => {
      await ctx.api('DELETE', `/v1/custom-fields/${button.dataset.delete}`);
      await ctx.refresh();
      return 'Custom field deleted.';
    });
  }
}
