// The customer portal pages, at an organization's `customer_portal_url` (/{slug}/portal). A
// customer signs in with a customer session link (the token in the URL becomes an HttpOnly
// cookie) or with a code sent by e-mail, then sees its orders (invoices), subscriptions (cancel,
// resume, change plan, replace the card: a past-due one is charged again at once), benefits with
// their license keys (copy; activations, which it may deactivate when the benefit allows), the ad
// of an `ads` benefit (images uploaded through the files flow, text, link) and downloads.
// Server-rendered forms calling the same services as the API; the cookie is SameSite=Lax, so no
// other site can post them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { CustomerSubject } from '../kit/auth.js';
import { isLocalUrl } from '../config.js';
import type { Context } from '../kit/context.js';
import { transaction } from '../kit/db.js';
import { PolarError, RequestValidationError, ResourceNotFound, Unauthorized, ValidationError } from '../kit/errors.js';
import { acceptForms, type App } from '../kit/http.js';
import { RATE_LIMITS } from '../kit/rate-limit.js';
import { UUID } from '../kit/schemas.js';
import { AdvertisementImageCreate as AdvertisementImageCreateSchema, type AdvertisementCampaign, type AdvertisementImageCreate } from '../modules/advertisement/schemas.js';
import * as advertisements from '../modules/advertisement/service.js';
import * as portal from '../modules/customer-portal/service.js';
import { authenticateCode, requestCode } from '../modules/customer-session/code.js';
import { listDownloadables } from '../modules/downloadable/service.js';
import { FileUploadCompleted as FileUploadCompletedSchema, type FileUploadCompleted } from '../modules/file/schemas.js';
import * as licenseKeys from '../modules/license-key/service.js';
import { findBySlug } from '../modules/organization/repository.js';
import { listPlans } from '../modules/product/service.js';
import { tokenForCardNumber } from '../payments/test-cards.js';
import { escapeHtml, money, page } from './html.js';

const COOKIE = 'floe_customer_session';
const SESSION_MAX_AGE_S = 3600;
const ALL = { page: 1, limit: 100 };
const IdAndSlugParams = Type.Object({ slug: Type.String(), id: UUID });
const FileParams = Type.Object({ slug: Type.String(), id: UUID, file_id: UUID });
const AD_FIELD_LABELS: Partial<Record<string, string>> = { image_url: 'Image', image_url_dark: 'Dark mode image', text: 'Text', link_url: 'Link' };

const day = (date: Date | string | null) => (date ? new Date(date).toISOString().slice(0, 10) : '');

// Copies a license key; the portal works without it, this only saves selecting the text.
const SCRIPT = `
for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const input = document.getElementById(button.dataset.copy);
    try { await navigator.clipboard.writeText(input.value); } catch { input.select(); document.execCommand('copy'); }
    button.textContent = 'Copied';
  });
}
// An ad's image goes through the files flow (create, PUT the bytes to the signed URL, complete);
// its public URL then fills the form's field. Without script, a URL can be typed in.
async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(Array.isArray(json.detail) ? json.detail.map((issue) => issue.msg).join(' ') : json.detail);
  return json;
}
for (const input of document.querySelectorAll('input[type=file][data-upload]')) {
  input.addEventListener('change', async () => {
    const file = input.files[0];
    if (!file) return;
    const status = document.getElementById(input.dataset.status);
    const submit = input.form.querySelector('button[type=submit]');
    submit.disabled = true;
    status.className = 'muted';
    status.textContent = 'Uploading…';
    try {
      const created = await postJson(input.dataset.upload, { name: file.name, mime_type: file.type, size: file.size });
      const part = created.upload.parts[0];
      const sent = await fetch(part.url, { method: 'PUT', headers: part.headers, body: file });
      if (!sent.ok) throw new Error('The upload failed: try again.');
      const uploaded = await postJson(input.dataset.upload + '/' + created.id + '/uploaded', { id: created.upload.id, path: created.upload.path, parts: [{ number: 1, checksum_etag: sent.headers.get('etag'), checksum_sha256_base64: null }] });
      document.getElementById(input.dataset.target).value = uploaded.public_url;
      status.className = 'success';
      status.textContent = 'Uploaded: save the ad to use it.';
    } catch (error) {
      status.className = 'error';
      status.textContent = error.message;
    } finally {
      submit.disabled = false;
    }
  });
}`;

function cookieOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function sessionCookie(context: Context, slug: string, token: string, maxAge: number): string {
  const secure = context.config.baseUrl.startsWith('https:') ? '; Secure' : '';
  return `${COOKIE}=${encodeURIComponent(token)}; Path=/${encodeURIComponent(slug)}/portal; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function html(reply: FastifyReply, title: string, body: string, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, `<main class="portal">${body}</main>`, SCRIPT));
}

type Organization = NonNullable<Awaited<ReturnType<typeof findBySlug>>>;
type PortalSubscription = Awaited<ReturnType<typeof portal.listSubscriptionsWithCards>>['items'][number];
type Plan = Awaited<ReturnType<typeof listPlans>>[number];
type PortalGrant = Awaited<ReturnType<typeof portal.listGrants>>['items'][number];

/** What an action leaves on the portal page it returns to. */
type Flash = { notice: string } | { error: string };

function flashOf(query: { notice?: string; error?: string }): string {
  if (query.error) return `<p class="error" role="alert">${escapeHtml(query.error)}</p>`;
  if (query.notice) return `<p class="success" role="status">${escapeHtml(query.notice)}</p>`;
  return '';
}

function stateOf(subscription: PortalSubscription): string {
  if (subscription.status === 'past_due') return 'Past due';
  if (subscription.ended_at || (subscription.status !== 'active' && subscription.status !== 'trialing')) return `Ended ${day(subscription.ended_at)}`;
  return subscription.ends_at || subscription.cancel_at_period_end ? `Ends ${day(subscription.ends_at)}` : `Renews ${day(subscription.current_period_end)}`;
}

/** Cancel or resume, and change plan, for a subscription in good standing. */
function planControls(action: string, subscription: PortalSubscription, plans: Plan[]): string {
  if (subscription.status !== 'active' && subscription.status !== 'trialing') return '';
  if (subscription.cancel_at_period_end || subscription.ends_at !== null) {
    return `<form method="post" action="${action}"><input type="hidden" name="action" value="uncancel"><button type="submit">Resume subscription</button></form>`;
  }
  const otherPlans = plans.filter((plan) => plan.id !== subscription.price_id);
  const change = otherPlans.length
    ? `<form method="post" action="${action}"><input type="hidden" name="action" value="change"><label for="plan-${subscription.id}">Change plan</label><select id="plan-${subscription.id}" name="product_price_id">${otherPlans
        .map((plan) => `<option value="${plan.id}">${escapeHtml(plan.name)}: ${escapeHtml(money(plan.price_amount, plan.price_currency))} / ${escapeHtml(plan.recurring_interval)}</option>`)
        .join('')}</select><button type="submit">Change plan</button></form>`
    : '';
  return `<form method="post" action="${action}"><input type="hidden" name="action" value="cancel"><button type="submit" class="secondary">Cancel subscription</button></form>${change}`;
}

const brandName = (brand: string) => brand.charAt(0).toUpperCase() + brand.slice(1);

/** The card on file and the form replacing it, for a subscription not ended; a past-due one says its payment failed. */
function paymentMethodPart(action: string, subscription: PortalSubscription): string {
  if (subscription.ended_at) return '';
  const card = subscription.card ? `${escapeHtml(brandName(subscription.card.brand))} ending in ${escapeHtml(subscription.card.last4)}` : 'No card on file';
  const pastDue = subscription.status === 'past_due' ? '<p class="notice" role="status">The last payment failed. Replace your card to pay now: the subscription is active again once the payment goes through.</p>' : '';
  return `<div class="payment-method">${pastDue}<p><strong>Payment method</strong> · <span class="card">${card}</span></p>
<form method="post" action="${action}/card"><label for="card-${subscription.id}">Replace card</label><input id="card-${subscription.id}" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required><button type="submit">Replace card</button></form></div>`;
}

function subscriptionBlock(slug: string, subscription: PortalSubscription, plans: Plan[]): string {
  const action = `/${slug}/portal/subscriptions/${subscription.id}`;
  return `<article class="subscription" data-id="${subscription.id}"><h3>${escapeHtml(subscription.product.name)}</h3><p>${escapeHtml(money(subscription.amount, subscription.currency))} / ${escapeHtml(subscription.recurring_interval)} · <span class="status">${escapeHtml(stateOf(subscription))}</span></p>${planControls(action, subscription, plans)}${paymentMethodPart(action, subscription)}</article>`;
}

/** An image field of an ad: its URL, filled by uploading a file (script) or typed. */
function adImageField(grantId: string, uploadUrl: string, name: string, label: string, value: string | null, required: boolean): string {
  const id = `${name}-${grantId}`;
  return `<label for="${id}">${label}</label><input id="${id}" name="${name}" type="url" value="${escapeHtml(value ?? '')}" placeholder="https://"${required ? ' required' : ''}>
<input type="file" accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml" aria-label="Upload ${escapeHtml(label.toLowerCase())}" data-upload="${uploadUrl}" data-target="${id}" data-status="${id}-status"><span id="${id}-status" class="muted" role="status"></span>`;
}

/** The ad of a granted `ads` benefit: what it shows now, and the form filling it in. */
function advertisementBlock(slug: string, grant: PortalGrant, campaign: AdvertisementCampaign | null): string {
  const { image_width: width, image_height: height } = grant.benefit.properties as { image_width?: number; image_height?: number };
  const action = `/${slug}/portal/benefit-grants/${grant.id}/advertisement-campaign`;
  const uploadUrl = `/${slug}/portal/benefit-grants/${grant.id}/advertisement-images`;
  const preview = campaign
    ? `<p class="ad-preview"><a href="${escapeHtml(campaign.link_url)}" rel="nofollow noopener"><picture>${campaign.image_url_dark ? `<source srcset="${escapeHtml(campaign.image_url_dark)}" media="(prefers-color-scheme: dark)">` : ''}<img class="media" src="${escapeHtml(campaign.image_url)}" alt="${escapeHtml(campaign.text)}"></picture></a><br>${escapeHtml(campaign.text)}</p>`
    : '<p class="muted">Your ad is not set up yet.</p>';
  return `<article class="advertisement" data-id="${grant.id}"><h3>${escapeHtml(grant.benefit.description)}</h3>${preview}
<form method="post" action="${action}"><p class="muted">Images are shown at ${escapeHtml(width)} × ${escapeHtml(height)} pixels.</p>
${adImageField(grant.id, uploadUrl, 'image_url', 'Image', campaign?.image_url ?? null, true)}
${adImageField(grant.id, uploadUrl, 'image_url_dark', 'Dark mode image (optional)', campaign?.image_url_dark ?? null, false)}
<label for="text-${grant.id}">Text</label><input id="text-${grant.id}" name="text" value="${escapeHtml(campaign?.text ?? '')}" maxlength="280" required>
<label for="link_url-${grant.id}">Link</label><input id="link_url-${grant.id}" name="link_url" type="url" value="${escapeHtml(campaign?.link_url ?? '')}" placeholder="https://" required>
<button type="submit">Save ad</button></form></article>`;
}

/**
 * The outbox shows sign-in codes, so it exists only for local development: no mail server, and
 * Floe's public URL on this machine. A deployment (a public FLOE_BASE_URL) without a mail server
 * has its codes in the log only.
 */
function outboxEnabled(context: Context): boolean {
  return !context.config.smtpUrl && isLocalUrl(context.config.baseUrl);
}

export function portalPages(app: App, context: Context): void {
  const { db, config, authenticator } = context;
  const outbox = outboxEnabled(context);

  async function organizationOf(slug: string): Promise<Organization> {
    const organization = await findBySlug(db, slug);
    if (!organization || organization.blocked_at) throw new ResourceNotFound();
    return organization;
  }

  /** The signed-in customer of this organization's portal, if any. */
  async function customerOf(request: FastifyRequest, organization: Organization): Promise<CustomerSubject | undefined> {
    const token = cookieOf(request);
    if (!token) return undefined;
    const subject = await authenticator.resolve({ token, via: 'bearer' }).catch(() => null);
    return subject?.kind === 'customer' && subject.organizationId === organization.id ? subject : undefined;
  }

  function signInPage(reply: FastifyReply, organization: Organization, message = '', status = 200) {
    const hint = outbox ? `<p class="muted">No mail server is configured (FLOE_SMTP_URL): codes are written to the log and to the <a href="/outbox">outbox</a>.</p>` : '';
    return html(
      reply,
      `${organization.name}: customer portal`,
      `<section><p class="muted">${escapeHtml(organization.name)}</p><h1>Customer portal</h1>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/${escapeHtml(organization.slug)}/portal/request"><label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="email"><button type="submit">Send me a code</button></form>${hint}</section>`,
      status,
    );
  }

  async function homePage(reply: FastifyReply, organization: Organization, subject: CustomerSubject, flash: string) {
    const slug = escapeHtml(organization.slug);
    const [customer, orders, subscriptions, grants, keys, downloads, plans] = await Promise.all([
      portal.getCustomer(db, subject, subject.customerId),
      portal.listOrders(db, config, subject, { ...ALL, sorting: ['-created_at'] }),
      portal.listSubscriptionsWithCards(db, config, subject, { ...ALL, sorting: ['-started_at'] }),
      portal.listGrants(db, subject, { ...ALL, sorting: ['-granted_at'] }),
      licenseKeys.listCustomerLicenseKeys(db, subject, ALL),
      listDownloadables(db, config, subject, ALL),
      listPlans(db, organization.id),
    ]);
    // A key shows its activations only when its benefit lets customers manage them (and deactivate).
    const keyDetails = await Promise.all(keys.items.map((key) => licenseKeys.getCustomerLicenseKey(db, subject, key.id)));
    const adGrants = grants.items.filter((grant) => grant.benefit.type === 'ads' && grant.is_granted);
    const campaigns = await Promise.all(adGrants.map((grant) => advertisements.findGrantCampaign(db, subject, grant.id)));

    const orderRows = orders.items
      .map((order) => `<tr><td>${day(order.created_at)}</td><td>${escapeHtml(order.product.name)}</td><td>${escapeHtml(money(order.amount + order.tax_amount, order.currency))}</td><td><a href="/${slug}/portal/orders/${order.id}/invoice">Invoice</a></td></tr>`)
      .join('');

    const subscriptionBlocks = subscriptions.items.map((subscription) => subscriptionBlock(slug, subscription, plans)).join('');

    const keyBlocks = keyDetails
      .map((key) => {
        const activations = key.activations
          .map(
            (activation) =>
              `<li>${escapeHtml(activation.label)} <form class="inline" method="post" action="/${slug}/portal/license-keys/${key.id}/deactivate"><input type="hidden" name="activation_id" value="${activation.id}"><button type="submit">Deactivate</button></form></li>`,
          )
          .join('');
        return `<article class="license-key"><div class="row"><input id="key-${key.id}" value="${escapeHtml(key.key)}" readonly aria-label="License key"><button type="button" class="copy" data-copy="key-${key.id}">Copy</button></div>
<p class="muted">${escapeHtml(key.status)}${key.limit_activations ? ` · ${key.activations.length} of ${key.limit_activations} activations` : ''}${key.limit_usage ? ` · ${key.usage} of ${key.limit_usage} uses` : ''}${key.expires_at ? ` · expires ${day(key.expires_at)}` : ''}</p>${activations ? `<ul>${activations}</ul>` : ''}</article>`;
      })
      .join('');

    const benefitItems = grants.items
      .map((grant) => {
        const note = grant.benefit.type === 'custom' && grant.benefit.properties.note ? `<p>${escapeHtml(grant.benefit.properties.note)}</p>` : '';
        const pending = !grant.is_granted ? ' <span class="muted">(pending)</span>' : '';
        return `<li>${escapeHtml(grant.benefit.description)}${pending}${note}</li>`;
      })
      .join('');

    const downloadItems = downloads.items
      .map((downloadable) => `<li><a href="${escapeHtml(downloadable.file.download.url)}">${escapeHtml(downloadable.file.name)}</a> <span class="muted">${escapeHtml(downloadable.file.size_readable)}</span></li>`)
      .join('');

    return html(
      reply,
      `${organization.name}: customer portal`,
      `<header class="row"><div><p class="muted">${escapeHtml(organization.name)}</p><h1>Customer portal</h1><p>${escapeHtml(customer.email)}</p></div>
<form method="post" action="/${slug}/portal/sign-out"><button type="submit" class="secondary">Sign out</button></form></header>
${flash}
<section id="orders"><h2>Orders</h2>${orderRows ? `<table><thead><tr><th>Date</th><th>Product</th><th>Total</th><th></th></tr></thead><tbody>${orderRows}</tbody></table>` : '<p class="muted">No orders yet.</p>'}</section>
<section id="subscriptions"><h2>Subscriptions</h2>${subscriptionBlocks || '<p class="muted">No subscriptions.</p>'}</section>
<section id="benefits"><h2>Benefits</h2>${benefitItems ? `<ul>${benefitItems}</ul>` : '<p class="muted">No benefits.</p>'}${keyBlocks ? `<h3>License keys</h3>${keyBlocks}` : ''}${adGrants.length ? `<h3>Your ads</h3>${adGrants.map((grant, index) => advertisementBlock(slug, grant, campaigns[index] ?? null)).join('')}` : ''}</section>
<section id="downloads"><h2>Downloads</h2>${downloadItems ? `<ul>${downloadItems}</ul>` : '<p class="muted">No downloads.</p>'}</section>`,
    );
  }

  // Forms post URL-encoded bodies; the API itself stays JSON-only, so the parser is scoped here.
  app.register(async (pages) => {
    acceptForms(pages);

    pages.get<{ Params: { slug: string }; Querystring: { customer_session_token?: string; error?: string; notice?: string } }>('/:slug/portal', { schema: { hide: true } }, async (request, reply) => {
      const organization = await organizationOf(request.params.slug);
      const token = request.query.customer_session_token;
      if (token) {
        // The link's token becomes the session; the URL loses it (no token in history or logs).
        return reply.header('set-cookie', sessionCookie(context, organization.slug, token, SESSION_MAX_AGE_S)).redirect(`/${organization.slug}/portal`, 303);
      }
      const subject = await customerOf(request, organization);
      if (!subject) return signInPage(reply, organization);
      return homePage(reply, organization, subject, flashOf(request.query));
    });

    pages.post<{ Params: { slug: string }; Body: { email?: string } }>('/:slug/portal/request', { schema: { hide: true }, config: { rateLimit: RATE_LIMITS.signInCodes } }, async (request, reply) => {
      const organization = await organizationOf(request.params.slug);
      const email = String(request.body?.email ?? '').trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) return signInPage(reply, organization, 'Enter a valid email address.', 422);
      await transaction(db, (trx) => requestCode(trx, authenticator, config, { email, organization_id: organization.id }));
      const hint = outbox ? ` <a href="/outbox">Open the outbox</a>.` : '';
      return html(
        reply,
        `${organization.name}: customer portal`,
        `<section><h1>Check your email</h1><p>If ${escapeHtml(email)} is a customer of ${escapeHtml(organization.name)}, a code is on its way.${hint}</p>
<form method="post" action="/${escapeHtml(organization.slug)}/portal/authenticate"><label for="code">Code</label><input id="code" name="code" required autocomplete="one-time-code" autocapitalize="characters"><button type="submit">Sign in</button></form></section>`,
      );
    });

    pages.post<{ Params: { slug: string }; Body: { code?: string } }>('/:slug/portal/authenticate', { schema: { hide: true }, config: { rateLimit: RATE_LIMITS.signInAttempts } }, async (request, reply) => {
      const organization = await organizationOf(request.params.slug);
      try {
        const { token } = await transaction(db, (trx) => authenticateCode(trx, authenticator, String(request.body?.code ?? '')));
        return reply.header('set-cookie', sessionCookie(context, organization.slug, token, SESSION_MAX_AGE_S)).redirect(`/${organization.slug}/portal`, 303);
      } catch (error) {
        if (error instanceof PolarError) return signInPage(reply, organization, error.message, error.statusCode);
        throw error;
      }
    });

    pages.post<{ Params: { slug: string } }>('/:slug/portal/sign-out', { schema: { hide: true } }, async (request, reply) => {
      const organization = await organizationOf(request.params.slug);
      return reply.header('set-cookie', sessionCookie(context, organization.slug, '', 0)).redirect(`/${organization.slug}/portal`, 303);
    });

    /** Runs a signed-in customer's action, then back to the portal with its flash (or its error), if any. */
    async function act(request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, action: (subject: CustomerSubject, organization: Organization) => Promise<Flash | void>) {
      const organization = await organizationOf(request.params.slug);
      const subject = await customerOf(request, organization);
      if (!subject) return signInPage(reply, organization, 'Your session has expired: sign in again.', 401);
      let flash: Flash | void;
      try {
        flash = await action(subject, organization);
      } catch (error) {
        if (!(error instanceof PolarError)) throw error;
        flash = { error: error.message };
      }
      const query = flash ? `?${new URLSearchParams(flash).toString()}` : '';
      return reply.redirect(`/${organization.slug}/portal${query}`, 303);
    }

    /**
     * The card typed on the page stands for a test card's token, as on the checkout page (the
     * processor's own card form once there is one). Replacing it opens its own transactions, and
     * a past-due subscription is charged again at once: the flash says how that went.
     */
    async function replaceCard(subject: CustomerSubject, id: string, cardNumber: string): Promise<Flash> {
      const token = tokenForCardNumber(cardNumber);
      if (!token) throw new ValidationError(['body', 'card'], 'This is not a test card number: use 4242 4242 4242 4242, for instance.');
      const wasPastDue = (await portal.getSubscription(db, config, subject, id)).status === 'past_due';
      const replaced = await portal.replacePaymentMethod(context, subject, id, token);
      if (!wasPastDue) return { notice: 'Card replaced.' };
      if (replaced.status === 'active') return { notice: 'Card replaced: the payment went through and your subscription is active again.' };
      return { error: 'The card was saved, but the payment failed: try another card.' };
    }

    pages.post<{ Params: { slug: string; id: string }; Body: { action?: string; product_price_id?: string } }>('/:slug/portal/subscriptions/:id', { schema: { hide: true } }, (request, reply) =>
      act(request, reply, async (subject) => {
        await transaction(db, (trx) => {
          const { action, product_price_id: priceId } = request.body ?? {};
          if (action === 'cancel') return portal.cancelSubscription(trx, context, subject, request.params.id);
          if (action === 'uncancel') return portal.updateSubscription(trx, context, subject, request.params.id, { cancel_at_period_end: false });
          if (action === 'change' && priceId) return portal.updateSubscription(trx, context, subject, request.params.id, { product_price_id: priceId });
          throw new ResourceNotFound('Unknown action.');
        });
      }),
    );

    pages.post<{ Params: { slug: string; id: string }; Body: { card?: string } }>('/:slug/portal/subscriptions/:id/card', { schema: { hide: true } }, (request, reply) =>
      act(request, reply, (subject) => replaceCard(subject, request.params.id, String(request.body?.card ?? ''))),
    );

    pages.post<{ Params: { slug: string; id: string }; Body: { activation_id?: string } }>('/:slug/portal/license-keys/:id/deactivate', { schema: { hide: true } }, (request, reply) =>
      act(request, reply, async (subject, organization) => {
        // Only the customer's own key, and only when its benefit lets customers manage activations.
        const key = await licenseKeys.getCustomerLicenseKey(db, subject, request.params.id);
        const activation = key.activations.find((candidate) => candidate.id === request.body?.activation_id);
        if (!activation) throw new ResourceNotFound();
        await transaction(db, (trx) => licenseKeys.deactivateLicenseKey(trx, { key: key.key, organization_id: organization.id, activation_id: activation.id }));
      }),
    );

    type CampaignForm = { image_url?: string; image_url_dark?: string; text?: string; link_url?: string };
    pages.post<{ Params: { slug: string; id: string }; Body: CampaignForm }>('/:slug/portal/benefit-grants/:id/advertisement-campaign', { schema: { hide: true, params: IdAndSlugParams } }, (request, reply) =>
      act(request, reply, async (subject) => {
        const form = request.body ?? {};
        try {
          await transaction(db, (trx) =>
            advertisements.saveGrantCampaign(trx, subject, request.params.id, { image_url: String(form.image_url ?? ''), image_url_dark: form.image_url_dark || null, text: String(form.text ?? ''), link_url: String(form.link_url ?? '') }),
          );
        } catch (error) {
          // The API's messages, each after the label of its field on the form.
          if (!(error instanceof RequestValidationError)) throw error;
          return { error: error.issues.map((issue) => `${AD_FIELD_LABELS[String(issue.loc.at(-1))] ?? 'Ad'}: ${issue.msg}`).join(' ') };
        }
        return { notice: 'Ad saved.' };
      }),
    );

    /** The signed-in customer, for the page's JSON calls (image uploads): a 401 in Polar's shape otherwise. */
    async function jsonSubject(request: FastifyRequest<{ Params: { slug: string } }>): Promise<CustomerSubject> {
      const subject = await customerOf(request, await organizationOf(request.params.slug));
      if (!subject) throw new Unauthorized('Your session has expired: sign in again.');
      return subject;
    }

    pages.post<{ Params: { slug: string; id: string }; Body: AdvertisementImageCreate }>(
      '/:slug/portal/benefit-grants/:id/advertisement-images',
      { schema: { hide: true, params: IdAndSlugParams, body: AdvertisementImageCreateSchema } },
      async (request, reply) => {
        const subject = await jsonSubject(request);
        const upload = await transaction(db, (trx) => advertisements.createCampaignImage(trx, context.storage, subject, request.params.id, request.body));
        return reply.code(201).send(upload);
      },
    );

    pages.post<{ Params: { slug: string; id: string; file_id: string }; Body: FileUploadCompleted }>(
      '/:slug/portal/benefit-grants/:id/advertisement-images/:file_id/uploaded',
      { schema: { hide: true, params: FileParams, body: FileUploadCompletedSchema } },
      async (request) => {
        const subject = await jsonSubject(request);
        return transaction(db, (trx) => advertisements.completeCampaignImage(trx, context.storage, config, subject, request.params.id, request.params.file_id, request.body));
      },
    );

    pages.get<{ Params: { slug: string; id: string } }>('/:slug/portal/orders/:id/invoice', { schema: { hide: true } }, async (request, reply) => {
      const organization = await organizationOf(request.params.slug);
      const subject = await customerOf(request, organization);
      if (!subject) return signInPage(reply, organization, 'Sign in to download your invoices.', 401);
      const { url } = await portal.orderInvoice(db, config, subject, request.params.id);
      return reply.redirect(url, 303);
    });

    // Development only (see outboxEnabled): the e-mails Floe would have sent.
    pages.get('/outbox', { schema: { hide: true } }, async (_request, reply) => {
      if (!outbox) throw new ResourceNotFound();
      const emails = await db.selectFrom('emails').selectAll().orderBy('created_at', 'desc').limit(50).execute();
      const items = emails
        .map((email) => `<article class="email"><p><strong>${escapeHtml(email.subject)}</strong></p><p class="muted">To ${escapeHtml(email.to_address)} · ${escapeHtml(email.created_at.toISOString())}</p><pre>${escapeHtml(email.body)}</pre></article>`)
        .join('');
      return html(reply, 'Outbox', `<section><h1>Outbox</h1><p class="muted">E-mails are kept here because FLOE_SMTP_URL is not set.</p>${items || '<p>No e-mails yet.</p>'}</section>`);
    });
  });
}
