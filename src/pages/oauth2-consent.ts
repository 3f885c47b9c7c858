// The OAuth2 consent screen, at /oauth2/authorize (the discovery document's authorization
// endpoint). A visitor who is not signed in goes to the dashboard's sign-in and comes back here;
// a signed-in user sees the application, what it asks to do, and (for an organization token)
// which organization it would act for, then allows or denies. The data comes from the service
// behind `GET /v1/oauth2/authorize`, and the form posts to `POST /v1/oauth2/consent`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../kit/context.js';
import { transaction } from '../kit/db.js';
import { Unauthorized } from '../kit/errors.js';
import type { App } from '../kit/http.js';
import { formFields } from '../modules/oauth2/routes.js';
import { authorize, OAuth2Error, type AuthorizationRequest, type ConsentData } from '../modules/oauth2/service.js';
import { escapeHtml, page } from './html.js';

/** The request parameters the consent form sends back as they came (the choice of `sub` is the form's). */
const PASSED_ON = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'sub_type'] as const;

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are on Floe',
  profile: 'Read your profile',
  email: 'Read your e-mail address',
  'user:read': 'Read your user account',
};

const ACTIONS = { read: 'Read', write: 'Create, change and delete' } as const;

/** What a scope lets the application do, in words (`products:write` → "Create, change and delete products"). */
export function describeScope(scope: string): string {
  const known = SCOPE_TEXT[scope];
  if (known) return known;
  const [resource = scope, action] = scope.split(':');
  const noun = resource.replace(/_/g, ' ');
  return action === 'read' || action === 'write' ? `${ACTIONS[action]} ${noun}` : scope;
}

const STYLE = `<style>.consent-head{display:flex;gap:12px;align-items:center}.consent-head img{width:48px;height:48px;border-radius:10px;object-fit:cover;flex:0 0 auto}
.scopes{padding-left:20px;margin:8px 0}.scopes li{margin:4px 0}.scopes code{font-size:.8rem;color:#666}.actions{display:flex;gap:8px;flex-wrap:wrap}.actions button{flex:1 1 140px;margin:16px 0 0;padding:12px}.consent-form h2{margin-top:20px}</style>`;

function consentPage(data: ConsentData, request: AuthorizationRequest, params: Record<string, string | undefined>, csrf: string): string {
  const client = data.client;
  const name = escapeHtml(client.client_name ?? client.client_id);
  const hidden = [`<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`]
    .concat(PASSED_ON.filter((field) => params[field] !== undefined).map((field) => `<input type="hidden" name="${field}" value="${escapeHtml(params[field])}">`))
    .join('');
  const logo = client.logo_uri ? `<img src="${escapeHtml(client.logo_uri)}" alt="" referrerpolicy="no-referrer">` : '';
  const links = [
    client.client_uri ? `<a href="${escapeHtml(client.client_uri)}" rel="noopener noreferrer">${escapeHtml(client.client_uri)}</a>` : '',
    client.tos_uri ? `<a href="${escapeHtml(client.tos_uri)}" rel="noopener noreferrer">Terms of service</a>` : '',
    client.policy_uri ? `<a href="${escapeHtml(client.policy_uri)}" rel="noopener noreferrer">Privacy policy</a>` : '',
  ].filter(Boolean);
  let who: string;
  let canAllow = true;
  if (data.sub_type === 'user') {
    who = `<p>It will act as you${data.sub ? `, <strong>${escapeHtml(data.sub.email)}</strong>` : ''}.</p>`;
  } else if (data.organizations.length === 0) {
    who = '<p class="error" role="alert">It asks to act for an organization, and you belong to none.</p>';
    canAllow = false;
  } else {
    const options = data.organizations
      .map((organization) => `<option value="${escapeHtml(organization.id)}"${organization.id === data.sub?.id ? ' selected' : ''}>${escapeHtml(organization.slug)}</option>`)
      .join('');
    who = `<label for="sub">Organization it will act for</label><select id="sub" name="sub" required>${options}</select>`;
  }
  const scopes = data.scopes.map((scope) => `<li>${escapeHtml(describeScope(scope))} <code>${escapeHtml(scope)}</code></li>`).join('');
  const destination = new URL(request.redirectUri);
  return `${STYLE}<main class="portal"><section aria-labelledby="consent-title">
<div class="consent-head">${logo}<h1 id="consent-title">${name} wants to access your Floe account</h1></div>
${links.length > 0 ? `<p class="muted">${links.join(' · ')}</p>` : ''}
<form method="post" action="/v1/oauth2/consent" class="consent-form">${hidden}
${who}
<h2>It will be able to</h2><ul class="scopes">${scopes}</ul>
<p class="muted">Allowing sends you back to ${escapeHtml(destination.host)}.</p>
<div class="actions"><button type="submit" name="action" value="deny" class="secondary">Deny</button>${canAllow ? '<button type="submit" name="action" value="allow">Allow</button>' : ''}</div>
</form></section></main>`;
}

function errorPage(error: OAuth2Error): string {
  return `<main class="portal"><section><h1>This authorization request cannot go on</h1><p class="error" role="alert">${escapeHtml(error.description ?? error.error)}</p><p class="muted">Error: ${escapeHtml(error.error)}. Go back to the application and try again.</p></section></main>`;
}

export function oauth2ConsentPages(app: App, context: Context): void {
  const { db, authenticator } = context;

  const html = (reply: FastifyReply, title: string, body: string, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('x-frame-options', 'DENY').send(page(title, body));

  app.get('/oauth2/authorize', { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const session = await authenticator.signedInUser(request.headers.cookie);
    if (!session) return reply.redirect(`/dashboard?return_to=${encodeURIComponent(request.url)}`, 302);
    const { user: subject, token } = session;
    const params = formFields(request.query);
    // The user has just signed in (or was already): `prompt=login` is met by this point.
    if (params.prompt === 'login') delete params.prompt;
    try {
      const outcome = await transaction(db, (trx) => authorize(trx, authenticator, params, subject));
      if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
      const name = outcome.data.client.client_name ?? 'An application';
      return html(reply, `Authorize ${name} · Floe`, consentPage(outcome.data, outcome.request, params, authenticator.csrfToken(token)));
    } catch (error) {
      if (error instanceof OAuth2Error && error.statusCode === 302) return reply.redirect(String(error.headers.location), 302);
      if (error instanceof OAuth2Error) return html(reply, 'Authorization error · Floe', errorPage(error), error.statusCode);
      if (error instanceof Unauthorized) return reply.redirect(`/dashboard?return_to=${encodeURIComponent(request.url)}`, 302);
      throw error;
    }
  });
}
