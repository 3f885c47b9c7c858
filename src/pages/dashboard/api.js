// The dashboard's one way to the data: Floe's public API, called with the session cookie. Writes
// carry the session's CSRF token; an ended session sends the user back to the sign-in page.
const boot = JSON.parse(document.getElementById('boot').textContent);

export const config = { testMode: boot.testMode, baseUrl: boot.baseUrl, outbox: boot.outbox, csrf: boot.csrf };

/** An API error: its status and Polar's error body (`detail` is a list of issues for a 422). */
export class ApiError extends Error {
  constructor(status, body) {
    super(Array.isArray(body?.detail) ? body.detail.map((issue) => issue.msg).join(' ') : String(body?.detail ?? `The request failed (${status}).`));
    this.status = status;
    this.body = body;
  }
}

/** Calls the API: `query` becomes the query string (arrays repeat the key), `body` JSON. */
export async function api(method, path, { query, body } = {}) {
  let url = path;
  if (query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') continue;
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
    }
    const text = search.toString();
    if (text) url += `${url.includes('?') ? '&' : '?'}${text}`;
  }
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = config.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  // A 401 means the session ended, except where Polar answers 401 for another organization's
  // record (a license key): the session is asked about before sending the user to sign in.
  if (response.status === 401 && path !== '/v1/users/me' && (await fetch('/v1/users/me', { credentials: 'same-origin' })).status === 401) {
    window.location.assign('/dashboard');
    throw new ApiError(401, { detail: 'Your session has ended: sign in again.' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Every item of a list endpoint, page by page (the API gives at most 100 at a time). */
export async function listAll(path, query = {}) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const result = await api('GET', path, { query: { ...query, page, limit: 100 } });
    items.push(...result.items);
    if (page >= result.pagination.max_page) return items;
  }
}
