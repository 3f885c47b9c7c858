// What every screen is drawn with: escaped HTML templates, formatting, tables, pagers, and forms
// whose errors appear next to their fields with the API's messages.
import { ApiError } from './api.js';

class Html {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

const escape = (value) => String(value ?? '').replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function part(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === false || value === null || value === undefined) return '';
  return escape(value);
}

/** A template whose values are escaped, unless they are `html` themselves (or lists of them). */
export function html(strings, ...values) {
  return new Html(strings.reduce((text, string, index) => text + string + (index < values.length ? part(values[index]) : ''), ''));
}

/** Markup already safe (built by `html`, never from input). */
export const raw = (text) => new Html(text);

/** Draws markup into an element. */
export function draw(element, markup) {
  element.innerHTML = part(markup);
  return element;
}

export function money(cents, currency = 'usd') {
  if (cents === null || cents === undefined) return 'Free';
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: String(currency || 'usd').toUpperCase() }).format(cents / 100);
}

export const day = (iso) => (iso ? new Date(iso).toISOString().slice(0, 10) : '');
export const dateTime = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');

/** A price as a merchant reads it: "$25.00 / month", "Pay what you want (min $5.00)", "Free". */
export function priceLabel(price) {
  const per = price.recurring_interval ? ` / ${price.recurring_interval}` : '';
  if (price.amount_type === 'fixed') return `${money(price.price_amount, price.price_currency)}${per}`;
  if (price.amount_type === 'custom') return `Pay what you want${price.minimum_amount ? ` (min ${money(price.minimum_amount, price.price_currency)})` : ''}${per}`;
  return `Free${per}`;
}

export const badge = (text, tone = '') => html`<span class="badge ${tone}">${text}</span>`;

/**
 * A table: `columns` are `{ label, cell(row) }`; `rowLink(row)` makes each row a link. Narrow
 * screens show each row as a card (the labels come from `data-label`).
 */
export function table(columns, rows, { empty = 'Nothing here yet.', rowLink } = {}) {
  if (rows.length === 0) return html`<p class="muted empty">${empty}</p>`;
  return html`<table class="list"><thead><tr>${columns.map((column) => html`<th scope="col">${column.label}</th>`)}</tr></thead><tbody>${rows.map(
    (row) =>
      html`<tr${rowLink ? raw(` data-href="${escape(rowLink(row))}"`) : ''}>${columns.map((column, index) => {
        const content = column.cell(row);
        return html`<td data-label="${column.label}">${index === 0 && rowLink ? html`<a href="${rowLink(row)}">${content}</a>` : content}</td>`;
      })}</tr>`,
  )}</tbody></table>`;
}

/** Previous/next links for a list's pagination; `hrefOf(page)` builds each link. */
export function pager(pagination, page, hrefOf) {
  if (!pagination || pagination.max_page <= 1) return html``;
  return html`<nav class="pager" aria-label="Pages">${page > 1 ? html`<a href="${hrefOf(page - 1)}">Previous</a>` : ''}<span>Page ${page} of ${pagination.max_page} · ${pagination.total_count} in all</span>${page < pagination.max_page ? html`<a href="${hrefOf(page + 1)}">Next</a>` : ''}</nav>`;
}

/** A labelled input; `name` is the field's path in the API's body ("prices.0.price_amount"). */
export function field(label, name, { type = 'text', value = '', required = false, hint = '', attrs = '', id } = {}) {
  const inputId = id ?? `f-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  const input = type === 'textarea'
    ? html`<textarea id="${inputId}" name="${name}"${raw(required ? ' required' : '')} ${raw(attrs)}>${value}</textarea>`
    : html`<input id="${inputId}" name="${name}" type="${type}" value="${value}"${raw(required ? ' required' : '')} ${raw(attrs)}>`;
  return html`<div class="field" data-field="${name}"><label for="${inputId}">${label}</label>${input}${hint ? html`<p class="hint">${hint}</p>` : ''}</div>`;
}

export function select(label, name, options, { value = '', id, attrs = '' } = {}) {
  const selectId = id ?? `f-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  return html`<div class="field" data-field="${name}"><label for="${selectId}">${label}</label><select id="${selectId}" name="${name}" ${raw(attrs)}>${options.map(
    ([optionValue, text]) => html`<option value="${optionValue}"${raw(String(optionValue) === String(value) ? ' selected' : '')}>${text}</option>`,
  )}</select></div>`;
}

export function checkbox(label, name, { checked = false, value = 'true', id } = {}) {
  const boxId = id ?? `f-${name.replace(/[^a-z0-9]+/gi, '-')}-${String(value).replace(/[^a-z0-9]+/gi, '-')}`;
  return html`<div class="field check" data-field="${name}"><input type="checkbox" id="${boxId}" name="${name}" value="${value}"${raw(checked ? ' checked' : '')}><label for="${boxId}">${label}</label></div>`;
}

/** Where a screen says how an action went (announced to screen readers). */
export function flash(message, tone = 'success') {
  const region = document.getElementById('flash');
  if (!region) return;
  region.className = `flash ${tone}`;
  region.textContent = message;
}

/**
 * The API's errors on a form: each issue of a 422 next to the field its `loc` names (its nearest
 * named ancestor: `prices.0.price_amount`, else `prices.0`, else `prices`); the rest, and other
 * errors, at the top of the form.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const general = [];
  const issues = error instanceof ApiError && error.status === 422 && Array.isArray(error.body?.detail) ? error.body.detail : null;
  if (!issues) general.push(error.message || 'Something went wrong.');
  for (const issue of issues ?? []) {
    const path = (issue.loc ?? []).slice(1).map(String);
    let target = null;
    for (let length = path.length; length > 0 && !target; length -= 1) {
      target = form.querySelector(`[data-field="${CSS.escape(path.slice(0, length).join('.'))}"]`);
    }
    if (!target) {
      general.push(path.length ? `${path.join('.')}: ${issue.msg}` : issue.msg);
      continue;
    }
    const message = document.createElement('p');
    message.className = 'field-error';
    message.id = `err-${Math.random().toString(36).slice(2)}`;
    message.setAttribute('role', 'alert');
    message.textContent = issue.msg;
    target.append(message);
    const input = target.querySelector('input,select,textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', message.id);
    }
  }
  if (general.length) {
    const box = form.querySelector('.form-error') ?? form.insertAdjacentElement('afterbegin', Object.assign(document.createElement('p'), { className: 'form-error' }));
    box.setAttribute('role', 'alert');
    box.textContent = general.join(' ');
  }
  (form.querySelector('[aria-invalid="true"]') ?? form.querySelector('.form-error'))?.focus?.();
}

export function clearErrors(form) {
  for (const element of form.querySelectorAll('.field-error')) element.remove();
  for (const element of form.querySelectorAll('[aria-invalid]')) {
    element.removeAttribute('aria-invalid');
    element.removeAttribute('aria-describedby');
  }
  const general = form.querySelector('.form-error');
  if (general) general.textContent = '';
}

/**
 * A form's values as the API's body: names are dot paths ("prices.0.price_amount"), and an input's
 * `data-type` says how to read it: `cents` (an amount typed in units), `int`, `number`, `bool`
 * (a checkbox), `list` (checkboxes of one name; also comma-separated text), `json`, `nullable`
 * (empty is null). Empty text inputs are left out unless `data-keep-empty`.
 */
export function formBody(form) {
  const body = {};
  const lists = new Set();
  for (const element of form.elements) {
    if (!element.name || element.disabled || element.type === 'submit' || element.type === 'button' || element.type === 'file') continue;
    const type = element.dataset.type ?? '';
    let value;
    if (type === 'list') {
      lists.add(element.name);
      if (element.type === 'checkbox') {
        if (!element.checked) {
          setPath(body, element.name, getPath(body, element.name) ?? [], false);
          continue;
        }
        value = [element.value];
      } else {
        value = element.value.split(',').map((item) => item.trim()).filter(Boolean);
      }
      setPath(body, element.name, [...(getPath(body, element.name) ?? []), ...value], false);
      continue;
    }
    if (element.type === 'checkbox' && type !== 'bool') {
      if (element.checked) setPath(body, element.name, element.value);
      continue;
    }
    if (type === 'bool') value = element.checked;
    else if (element.value === '' && !element.dataset.keepEmpty) {
      if (type === 'nullable') setPath(body, element.name, null);
      continue;
    } else if (type === 'cents') value = Math.round(Number(element.value) * 100);
    else if (type === 'int') value = Number.parseInt(element.value, 10);
    else if (type === 'number') value = Number(element.value);
    else if (type === 'json') {
      try {
        value = JSON.parse(element.value);
      } catch {
        value = element.value;
      }
    } else value = element.value;
    setPath(body, element.name, value);
  }
  return body;
}

function getPath(object, path) {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split('.');
  let target = object;
  keys.slice(0, -1).forEach((key, index) => {
    if (target[key] === undefined) target[key] = /^\d+$/.test(keys[index + 1]) ? [] : {};
    target = target[key];
  });
  target[keys.at(-1)] = value;
}

/**
 * Submits a form through `action(body)`; its errors are shown on the form, the submit button is
 * disabled meanwhile. `action` may return a message for the flash region.
 */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = event.submitter ?? form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      const message = await action(formBody(form), event.submitter);
      if (typeof message === 'string') flash(message);
    } catch (error) {
      showErrors(form, error);
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  });
}

/** A button that asks once more before acting ("Revoke" → "Click again to revoke"). */
export function confirmButton(button, action) {
  const label = button.textContent;
  let armed = false;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = button.dataset.confirm ?? `Click again to ${label.toLowerCase()}`;
      setTimeout(() => {
        armed = false;
        if (button.isConnected) button.textContent = label;
      }, 5000);
      return;
    }
    button.disabled = true;
    try {
      const message = await action();
      if (typeof message === 'string') flash(message);
    } catch (error) {
      flash(error.message, 'error');
    } finally {
      if (button.isConnected) {
        button.disabled = false;
        button.textContent = label;
      }
      armed = false;
    }
  });
}

/** Copies an input's or element's text; shows "Copied". */
export function copyButtons(root) {
  for (const button of root.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source.value ?? source.textContent;
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        source.select?.();
        document.execCommand('copy');
      }
      button.textContent = 'Copied';
    });
  }
}

/**
 * Uploads a file through the files flow (create, PUT the bytes to the signed URL, complete) and
 * answers the completed file (`id`, `public_url`, …). `service`: `product_media`, `downloadable`,
 * `organization_avatar`.
 */
export async function uploadFile(api, file, { organizationId, service }) {
  const created = await api('POST', '/v1/files/', {
    body: { organization_id: organizationId, name: file.name, mime_type: file.type || 'application/octet-stream', size: file.size, service, upload: { parts: [{ number: 1, chunk_start: 0, chunk_end: file.size }] } },
  });
  const part = created.upload.parts[0];
  const sent = await fetch(part.url, { method: 'PUT', headers: part.headers, body: file });
  if (!sent.ok) throw new Error('The upload failed: try again.');
  return api('POST', `/v1/files/${created.id}/uploaded`, {
    body: { id: created.upload.id, path: created.upload.path, parts: [{ number: 1, checksum_etag: sent.headers.get('etag'), checksum_sha256_base64: null }] },
  });
}

// ── Webhooks and settings: choices read from the API's own schema ──
let openApiDocument;

/**
 * The allowed values of an array property of a request body, from /openapi.json: the screens offer
 * exactly what the API accepts (webhook event types, token scopes) without a copy of either list.
 */
export async function bodyChoices(path, method, property) {
  openApiDocument ??= fetch('/openapi.json').then((response) => response.json());
  const schema = (await openApiDocument).paths[path][method].requestBody.content['application/json'].schema;
  return schema.properties[property].items.enum;
}

/** A secret shown once: read-only, with a copy button and the warning that it will not be shown again. */
export function revealedSecret(label, id, value) {
  return html`<div class="field" data-revealed-secret><label for="${id}">${label}</label><div class="row"><input id="${id}" class="secret grow" type="text" value="${value}" readonly><button type="button" class="secondary" data-copy="${id}">Copy</button></div><p class="hint">Copy it now: it will not be shown again.</p></div>`;
}
