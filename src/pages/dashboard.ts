// The merchant dashboard, at /dashboard. Signing in is server-rendered (a form asks for the
// address, a second one takes the code from the e-mail); once the `floe_session` cookie is set,
// /dashboard/* serves one shell page whose script (src/pages/dashboard/*.js, plain modules served
// as they are) draws each screen from the public API itself: the cookie session is a `web_default`
// user, so every screen goes through the routes, validation and services the SDK uses, and shows
// the API's own error messages. Writes carry the session's CSRF token in a header (kit/http.ts);
// the sign-in forms, before any session exists, carry a double-submit token instead.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLocalUrl } from '../config.js';
import { cookieValue, SESSION_COOKIE } from '../kit/auth.js';
import type { Context } from '../kit/context.js';
import { transaction } from '../kit/db.js';
import { PolarError, ResourceNotFound } from '../kit/errors.js';
import { acceptForms, CSRF_HEADER, sameText, type App } from '../kit/http.js';
import { RATE_LIMITS } from '../kit/rate-limit.js';
import { authenticateLoginCode, deleteUserSession, requestLoginCode, SESSION_TTL_MS } from '../modules/user-session/service.js';
import { embedJson, escapeHtml, page } from './html.js';

const SIGN_IN_CSRF_COOKIE = 'floe_sign_in_csrf';

/** Where to go once signed in: a path on this server only (never another site), else the dashboard. */
export function safeReturnTo(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  return /^\/(?![\/\\])[^\s]*$/.test(text) ? text : '/dashboard';
}
const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'dashboard');
const require = createRequire(import.meta.url);
/** What the dashboard loads from the registry's packages, served from node_modules. */
const VENDOR: Record<string, { path: string; type: string }> = {
  'uplot.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript' },
  'uplot.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' },
};

export function dashboardPages(app: App, context: Context): void {
  const { db, config, authenticator } = context;
  const outbox = !config.smtpUrl && isLocalUrl(config.baseUrl);
  const secure = config.baseUrl.startsWith('https:') ? '; Secure' : '';

  const sessionCookie = (token: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;

  function html(reply: FastifyReply, title: string, body: string, status = 200) {
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body));
  }

  /** The sign-in forms' double-submit token: a cookie and the same value in a hidden field. */
  function signInCsrf(request: FastifyRequest, reply: FastifyReply): string {
    let token = cookieValue(request.headers.cookie, SIGN_IN_CSRF_COOKIE);
    if (!token || !/^[A-Za-z0-9_-]{20,}$/.test(token)) {
      token = randomBytes(24).toString('base64url');
      reply.header('set-cookie', `${SIGN_IN_CSRF_COOKIE}=${token}; Path=/dashboard; HttpOnly; SameSite=Lax${secure}`);
    }
    return token;
  }

  function checkSignInCsrf(request: FastifyRequest<{ Body: { csrf?: string } }>): boolean {
    const cookie = cookieValue(request.headers.cookie, SIGN_IN_CSRF_COOKIE);
    const sent = String(request.body?.csrf ?? '');
    return Boolean(cookie) && sameText(sent, cookie!);
  }

  function signInPage(request: FastifyRequest, reply: FastifyReply, options: { message?: string; status?: number; email?: string; returnTo?: string } = {}) {
    const csrf = signInCsrf(request, reply);
    const returnTo = options.returnTo ?? safeReturnTo((request.query as Record<string, unknown> | undefined)?.return_to);
    const hint = outbox ? '<p class="muted">No mail server is configured (FLOE_SMTP_URL): codes are written to the log and to the <a href="/outbox">outbox</a>.</p>' : '';
    const error = options.message ? `<p class="error" role="alert" id="email-error">${escapeHtml(options.message)}</p>` : '';
    return html(
      reply,
      'Sign in · Floe',
      `<main class="portal"><section><p class="muted">Floe</p><h1>Sign in to the dashboard</h1>
<form method="post" action="/dashboard/sign-in"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="return_to" value="${escapeHtml(returnTo)}"><label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="email" value="${escapeHtml(options.email ?? '')}"${options.message ? ' aria-invalid="true" aria-describedby="email-error"' : ''}>${error}
<button type="submit">Send me a code</button></form>${hint}</section></main>`,
      options.status,
    );
  }

  function codePage(request: FastifyRequest, reply: FastifyReply, email: string, returnTo: string, message = '', status = 200) {
    const csrf = signInCsrf(request, reply);
    const hint = outbox ? ' <a href="/outbox">Open the outbox</a>.' : '';
    const error = message ? `<p class="error" role="alert" id="code-error">${escapeHtml(message)}</p>` : '';
    return html(
      reply,
      'Sign in · Floe',
      `<main class="portal"><section><h1>Check your email</h1><p>If ${escapeHtml(email)} has an account, a code is on its way. It works once, for 15 minutes.${hint}</p>
<form method="post" action="/dashboard/sign-in/code"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="email" value="${escapeHtml(email)}"><input type="hidden" name="return_to" value="${escapeHtml(returnTo)}"><label for="code">Code</label>
<input id="code" name="code" required autocomplete="one-time-code" autocapitalize="characters"${message ? ' aria-invalid="true" aria-describedby="code-error"' : ''}>${error}
<button type="submit">Sign in</button></form><p><a href="/dashboard">Use another address</a></p></section></main>`,
      status,
    );
  }

  /** The shell every screen of a signed-in user is drawn in. */
  function shell(reply: FastifyReply, token: string) {
    const boot = { csrf: authenticator.csrfToken(token), testMode: config.testMode, baseUrl: config.baseUrl, outbox };
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Floe dashboard</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"><link rel="stylesheet" href="/dashboard/vendor/uplot.css">
<script src="/dashboard/vendor/uplot.js" defer></script><script type="module" src="/dashboard/assets/app.js"></script></head>
<body><script type="application/json" id="boot">${embedJson(boot)}</script><div id="app"><p class="loading">Loading…</p></div></body></html>`);
  }

  app.register(async (pages) => {
    acceptForms(pages);

    pages.post<{ Body: { email?: string; csrf?: string; return_to?: string } }>('/dashboard/sign-in', { schema: { hide: true }, config: { rateLimit: RATE_LIMITS.signInCodes } }, async (request, reply) => {
      const email = String(request.body?.email ?? '').trim();
      const returnTo = safeReturnTo(request.body?.return_to);
      if (!checkSignInCsrf(request)) return signInPage(request, reply, { message: 'The form expired: send it again.', status: 403, email, returnTo });
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || email.length > 320) return signInPage(request, reply, { message: 'Enter a valid email address.', status: 422, email, returnTo });
      try {
        await transaction(db, (trx) => requestLoginCode(trx, authenticator, config, email));
      } catch (error) {
        if (!(error instanceof PolarError)) throw error;
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
        return signInPage(request, reply, { message: error.message, status: error.statusCode, email, returnTo });
      }
      return codePage(request, reply, email, returnTo);
    });

    pages.post<{ Body: { code?: string; email?: string; csrf?: string; return_to?: string } }>('/dashboard/sign-in/code', { schema: { hide: true }, config: { rateLimit: RATE_LIMITS.signInAttempts } }, async (request, reply) => {
      const email = String(request.body?.email ?? '');
      const returnTo = safeReturnTo(request.body?.return_to);
      if (!checkSignInCsrf(request)) return codePage(request, reply, email, returnTo, 'The form expired: send it again.', 403);
      try {
        const { token } = await transaction(db, (trx) => authenticateLoginCode(trx, authenticator, String(request.body?.code ?? ''), String(request.headers['user-agent'] ?? '')));
        return reply.header('set-cookie', sessionCookie(token, SESSION_TTL_MS / 1000)).redirect(returnTo, 303);
      } catch (error) {
        if (error instanceof PolarError) return codePage(request, reply, email, returnTo, error.message, error.statusCode);
        throw error;
      }
    });

    pages.post<{ Body: { csrf?: string } }>('/dashboard/sign-out', { schema: { hide: true } }, async (request, reply) => {
      const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (token) {
        if (!authenticator.isCsrfToken(token, request.body?.csrf ?? request.headers[CSRF_HEADER])) {
          return html(reply, 'Sign out · Floe', '<main class="portal"><section><h1>Sign out</h1><p class="error" role="alert">The form expired: go back and sign out again.</p></section></main>', 403);
        }
        await deleteUserSession(db, authenticator, token);
      }
      return reply.header('set-cookie', sessionCookie('', 0)).redirect('/dashboard', 303);
    });

    pages.get<{ Params: { file: string } }>('/dashboard/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const file = (request.params as Record<string, string>)['*'] ?? '';
      if (!/^(views\/)?[a-z0-9-]+\.(js|css)$/.test(file)) throw new ResourceNotFound();
      const body = await readFile(join(ASSETS_DIR, file)).catch(() => null);
      if (!body) throw new ResourceNotFound();
      return reply.type(file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(body);
    });

    pages.get<{ Params: { file: string } }>('/dashboard/vendor/:file', { schema: { hide: true } }, async (request, reply) => {
      const asset = VENDOR[request.params.file];
      if (!asset) throw new ResourceNotFound();
      return reply.type(`${asset.type}; charset=utf-8`).header('cache-control', 'public, max-age=86400').send(await readFile(asset.path));
    });

    const screen = async (request: FastifyRequest, reply: FastifyReply) => {
      const session = await authenticator.signedInUser(request.headers.cookie);
      if (!session) return signInPage(request, reply);
      return shell(reply, session.token);
    };
    pages.get('/dashboard', { schema: { hide: true } }, screen);
    pages.get('/dashboard/*', { schema: { hide: true } }, screen);
  });
}
