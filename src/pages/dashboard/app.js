// The dashboard's shell: the organization switcher, the navigation, and the router. Screens are
// modules under views/ (loaded when first shown); each draws into `ctx.main` from the API.
import { api, config } from './api.js';
import { draw, field, html, onSubmit } from './ui.js';

/** Path (after /dashboard/{slug}/) → the view module that draws it; `:id` is passed as `ctx.params.id`. */
const ROUTES = [
  ['', 'overview'],
  ['products', 'products'],
  ['products/new', 'product'],
  ['products/:id', 'product'],
  ['checkout-links', 'checkout-links'],
  ['discounts', 'discounts'],
  ['benefits', 'benefits'],
  ['custom-fields', 'custom-fields'],
  ['customers', 'customers'],
  ['customers/:id', 'customer'],
  ['orders', 'orders'],
  ['orders/:id', 'order'],
  ['subscriptions', 'subscriptions'],
  ['subscriptions/:id', 'subscription'],
  ['license-keys', 'license-keys'],
  ['license-keys/:id', 'license-key'],
  ['webhooks', 'webhooks'],
  ['webhooks/:id', 'webhook'],
  ['settings', 'settings'],
  ['test-clock', 'test-clock'],
];

const NAVIGATION = [
  ['', 'Overview'],
  ['products', 'Products'],
  ['checkout-links', 'Checkout links'],
  ['discounts', 'Discounts'],
  ['benefits', 'Benefits'],
  ['custom-fields', 'Custom fields'],
  ['customers', 'Customers'],
  ['orders', 'Orders'],
  ['subscriptions', 'Subscriptions'],
  ['license-keys', 'License keys'],
  ['webhooks', 'Webhooks'],
  ['settings', 'Settings'],
  ...(config.testMode ? [['test-clock', 'Test clock']] : []),
];

const root = document.getElementById('app');
let user = null;
let organizations = [];

function match(rest) {
  for (const [pattern, view] of ROUTES) {
    const patternParts = pattern === '' ? [] : pattern.split('/');
    const parts = rest === '' ? [] : rest.split('/');
    if (patternParts.length !== parts.length) continue;
    const params = {};
    if (patternParts.every((part, index) => (part.startsWith(':') ? ((params[part.slice(1)] = decodeURIComponent(parts[index])), true) : part === parts[index]))) return { view, params };
  }
  return null;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return show();
}

function layout(organization, section) {
  const base = `/dashboard/${organization.slug}`;
  return html`<header class="top"><a class="brand" href="${base}">Floe</a>
<label class="switcher"><span class="visually-hidden">Organization</span><select id="organization-switcher">${organizations.map(
    (candidate) => html`<option value="${candidate.slug}"${candidate.id === organization.id ? html` selected` : ''}>${candidate.name}</option>`,
  )}</select></label>
${config.testMode ? html`<span class="badge test" title="Payments are test payments and the test clock can move time">Test mode</span>` : ''}
<button type="button" class="menu-toggle secondary" aria-expanded="false" aria-controls="navigation">Menu</button>
<form method="post" action="/dashboard/sign-out" class="sign-out"><input type="hidden" name="csrf" value="${config.csrf}"><span class="muted user-email">${user.email}</span><button type="submit" class="secondary">Sign out</button></form></header>
<nav id="navigation" class="side" aria-label="Dashboard">${NAVIGATION.map(
    ([path, label]) => html`<a href="${path ? `${base}/${path}` : base}"${section === path ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav>
<main id="main" tabindex="-1"><div id="flash" role="status" aria-live="polite"></div><div id="screen"><p class="loading">Loading…</p></div></main>`;
}

/** `#app[data-state]` is `loading` while a screen is drawn and `ready` once it is (tests wait for it). */
async function show() {
  root.dataset.state = 'loading';
  try {
    await drawScreen();
  } finally {
    root.dataset.state = 'ready';
  }
}

async function drawScreen() {
  const [, , slug = '', ...restParts] = window.location.pathname.replace(/\/+$/, '').split('/');
  if (!user) {
    [user, organizations] = await Promise.all([api('GET', '/v1/users/me'), api('GET', '/v1/organizations/', { query: { limit: 100 } }).then((result) => result.items)]);
  }
  if (!slug) {
    if (organizations.length === 1) return navigate(`/dashboard/${organizations[0].slug}`, { replace: true });
    draw(
      root,
      html`<main class="narrow"><h1>Your organizations</h1>${organizations.length ? html`<ul class="organizations">${organizations.map((organization) => html`<li><a href="/dashboard/${organization.slug}">${organization.name}</a></li>`)}</ul>` : html`<p>You are not a member of any organization yet: create one, or ask an organization's owner to invite you.</p>`}
<form id="new-organization" class="card"><h2>New organization</h2>${field('Name', 'name', { required: true })}${field('Slug', 'slug', { required: true, hint: 'Lowercase letters, digits and dashes: its URLs use it.' })}<button type="submit">Create organization</button></form>
<form method="post" action="/dashboard/sign-out"><input type="hidden" name="csrf" value="${config.csrf}"><button type="submit" class="secondary">Sign out</button></form></main>`,
    );
    onSubmit(document.getElementById('new-organization'), async (body) => {
      const created = await api('POST', '/v1/organizations/', { body });
      organizations = [...organizations, created];
      await navigate(`/dashboard/${created.slug}`);
    });
    return;
  }
  const organization = organizations.find((candidate) => candidate.slug === slug);
  const rest = restParts.join('/');
  const route = organization ? match(rest) : null;
  if (!organization || !route) {
    return draw(root, html`<main class="narrow"><h1>Not found</h1><p>There is no such page here, or it belongs to an organization you are not a member of.</p><p><a href="/dashboard">Your organizations</a></p></main>`);
  }
  const section = NAVIGATION.map(([path]) => path).filter((path) => path && (rest === path || rest.startsWith(`${path}/`)))[0] ?? '';
  draw(root, layout(organization, section));
  const main = document.getElementById('screen');
  const query = Object.fromEntries(new URLSearchParams(window.location.search));
  const ctx = { organization, params: route.params, query, main, base: `/dashboard/${organization.slug}`, navigate, refresh: show, config, api, user };
  try {
    const module = await import(`./views/${route.view}.js`);
    await module.default(ctx);
  } catch (error) {
    draw(main, html`<section class="card"><h1>Not available</h1><p class="form-error" role="alert">${error.status === 404 ? 'This was not found in this organization.' : error.message}</p></section>`);
  }
  document.title = `${document.querySelector('#screen h1')?.textContent ?? 'Dashboard'} · ${organization.name} · Floe`;
}

// Links inside the dashboard change screens without reloading the page.
document.addEventListener('click', (event) => {
  const toggle = event.target.closest('.menu-toggle');
  if (toggle) {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    document.getElementById('navigation').classList.toggle('open', open);
    return;
  }
  const row = event.target.closest('tr[data-href]');
  const link = event.target.closest('a[href]') ?? (row && !event.target.closest('button,input,select,a') ? { getAttribute: () => row.dataset.href, target: '' } : null);
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
  const href = link.getAttribute('href');
  if (!href || !href.startsWith('/dashboard/') || href.startsWith('/dashboard/sign-out')) return;
  event.preventDefault();
  navigate(href).then(() => document.getElementById('main')?.focus());
});
document.addEventListener('change', (event) => {
  if (event.target.id === 'organization-switcher') navigate(`/dashboard/${event.target.value}`);
});
window.addEventListener('popstate', () => show());
show();
