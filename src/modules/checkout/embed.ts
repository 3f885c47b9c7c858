// Embedding a checkout in the merchant's own page, through Polar's embed library
// (`@polar-sh/checkout`, `PolarEmbedCheckout.create(url)`): it opens the checkout URL in an iframe
// with `embed=true&embed_origin=<its page's origin>`. The checkout keeps that origin
// (`embed_origin`): only a page of that origin may frame the checkout, and the checkout page posts
// its messages to that origin only. The first origin kept stays: a page elsewhere that learns the
// URL cannot take the checkout (and the buyer's session token its messages carry) over.
import type { Config } from '../../config.js';
import { clock } from '../../kit/clock.js';
import type { Transaction } from '../../kit/db.js';
import { ResourceNotFound } from '../../kit/errors.js';
import type { LoadedCheckout } from './presenter.js';
import * as repository from './repository.js';
import { applyUpdate } from './service.js';

/** A host as an origin writes it: a lowercase domain name, an IPv4 address, or an IPv6 address in brackets. */
const ORIGIN_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

/**
 * The origin `value` names, written as browsers write `window.location.origin`
 * (`https://shop.example`, `http://127.0.0.1:8080`), or undefined when it is anything else (a
 * path, a query, credentials, another scheme). What passes is safe inside a
 * `Content-Security-Policy` header and as a `postMessage` target.
 */
export function parseEmbedOrigin(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!ORIGIN_HOST.test(url.hostname)) return undefined;
  return url.origin === value ? url.origin : undefined;
}

/**
 * The embedding page's origin for a checkout opened with `embed=true&embed_origin=origin`: the one
 * the checkout already keeps, if any, else `origin`, kept on the checkout while it is open (its
 * `embed_origin` then reads so through the API, and a `checkout.updated` is recorded). Answers the
 * checkout as it now is.
 */
export async function embedCheckout(trx: Transaction, config: Config, clientSecret: string, origin: string): Promise<{ loaded: LoadedCheckout | undefined; origin: string }> {
  const locked = await repository.lockByClientSecret(trx, clientSecret);
  if (!locked) throw new ResourceNotFound();
  const kept = parseEmbedOrigin(locked.embed_origin);
  if (kept) return { loaded: undefined, origin: kept };
  // A checkout that can no longer change is framed for its status page only, and keeps nothing.
  if (locked.status !== 'open' || locked.expires_at <= clock.now()) return { loaded: undefined, origin };
  return { loaded: await applyUpdate(trx, config, locked, { embed_origin: origin }), origin };
}
