// Signed, expiring grants carried in URLs (file part uploads, downloads): a JSON payload and its
// HMAC-SHA256 under the server secret, both base64url. The purpose is part of what is signed, so a
// grant for one use is never accepted for another. Expiry is read from the one clock.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { clock } from './clock.js';

export type Verified<T> = { ok: true; payload: T } | { ok: false; reason: 'invalid' | 'expired' };

function mac(secret: string, purpose: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}.${body}`).digest();
}

/** A token granting `payload` for `purpose` until `expiresAt`. */
export function signGrant(secret: string, purpose: string, payload: object, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ ...payload, exp: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`;
}

/** The payload of a token signed for `purpose`, if its signature holds and it has not expired. */
export function verifyGrant<T>(secret: string, purpose: string, token: string): Verified<T> {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
  const expected = mac(secret, purpose, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let payload: T & { exp?: unknown };
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp?: unknown };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
  if (payload.exp * 1000 <= clock.now().getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
