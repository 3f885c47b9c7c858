// Signing in to the dashboard: a user asks for a one-time code, receives it by e-mail (the mail path
// every e-mail takes: SMTP, else the log and the outbox), and exchanges it for a web session (the
// `floe_session` cookie, a `polar_us_` token acting with `web_default`, as Polar's dashboard
// session). A request answers the same whether or not the address has an account, and is counted
// against the address either way, so neither the answer nor the rate limit tells who has one.
// Codes are stored as an HMAC, last 15 minutes and work once; sessions last 31 days, as Polar's,
// and signing out deletes them.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../../config.js';
import { membershipsOf, WEB_DEFAULT, type Authenticator, type ResolvedToken } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { PolarError, TooManyRequests } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { sendEmail } from '../../kit/mail.js';
import { generateToken } from '../access-token/token.js';

export const USER_SESSION_TOKEN_PREFIX = 'polar_us_';
export const SESSION_TTL_MS = 31 * 24 * 3600 * 1000;
const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_LENGTH = 6;
const CODE_TTL_MS = 15 * 60 * 1000;
/** Code requests an address may make in RATE_WINDOW_MS. */
export const CODES_PER_WINDOW = 5;
const RATE_WINDOW_MS = 15 * 60 * 1000;
const SESSION_SCOPES = new Set([WEB_DEFAULT]);

export class LoginCodeInvalidOrExpired extends PolarError {
  constructor() {
    super(401, 'LoginCodeInvalidOrExpired', 'This code is invalid or has expired.');
  }
}

export function dashboardUrl(config: Config): string {
  return `${config.baseUrl}/dashboard`;
}

/** Sends a sign-in code to the address if it has an account; 429 past the address's limit. */
export async function requestLoginCode(trx: Transaction, authenticator: Authenticator, config: Config, emailInput: string): Promise<void> {
  const email = emailInput.trim();
  const now = clock.now();
  // One request per address at a time, so concurrent requests cannot both pass the limit.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`login:${email.toLowerCase()}`}, 0))`.execute(trx);
  const since = new Date(now.getTime() - RATE_WINDOW_MS);
  const recent = await trx
    .selectFrom('login_codes')
    .select(['created_at'])
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .where('created_at', '>', since)
    .orderBy('created_at')
    .execute();
  if (recent.length >= CODES_PER_WINDOW) {
    const oldest = recent[0]!.created_at;
    throw new TooManyRequests((oldest.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000, 'Too many codes were requested for this address: try again later.');
  }
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email'])
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .executeTakeFirst();
  const code = user ? Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('') : null;
  await trx
    .insertInto('login_codes')
    .values({ id: newId(), created_at: now, email, user_id: user?.id ?? null, code_hash: code ? authenticator.hashToken(code) : null, expires_at: new Date(now.getTime() + CODE_TTL_MS) })
    .execute();
  if (!user || !code) return;
  await sendEmail(trx, {
    organizationId: null,
    to: user.email,
    subject: 'Your Floe sign-in code',
    body: `Your code to sign in to the Floe dashboard is ${code}.\n\nIt is valid for 15 minutes and works once: ${dashboardUrl(config)}\n\nIf you did not ask for it, you can ignore this e-mail.\n`,
  });
}

/** Spends a code and opens a session: the session's token (for the cookie) and when it expires. */
export async function authenticateLoginCode(
  trx: Transaction,
  authenticator: Authenticator,
  code: string,
  userAgent: string,
): Promise<{ token: string; userId: string; expiresAt: Date }> {
  const now = clock.now();
  const row = await trx
    .updateTable('login_codes')
    .set({ used_at: now })
    .where('code_hash', '=', authenticator.hashToken(code.trim().toUpperCase()))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id'])
    .executeTakeFirst();
  if (!row?.user_id) throw new LoginCodeInvalidOrExpired();
  const token = generateToken(USER_SESSION_TOKEN_PREFIX);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await trx
    .insertInto('user_sessions')
    .values({ id: newId(), created_at: now, user_id: row.user_id, token_hash: authenticator.hashToken(token), user_agent: userAgent.slice(0, 500), expires_at: expiresAt })
    .execute();
  return { token, userId: row.user_id, expiresAt };
}

/** Signs a session out everywhere: the row goes, and this process forgets it at once. */
export async function deleteUserSession(db: Queryable, authenticator: Authenticator, token: string): Promise<void> {
  await db.deleteFrom('user_sessions').where('token_hash', '=', authenticator.hashToken(token)).execute();
  authenticator.forget();
}

async function resolveUserSession(db: Queryable, tokenHash: string): Promise<ResolvedToken | null> {
  const row = await db.selectFrom('user_sessions').select(['user_id', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!row) return null;
  const organizationIds = await membershipsOf(db, row.user_id);
  return { subject: { kind: 'user', userId: row.user_id, scopes: SESSION_SCOPES, organizationIds }, expiresAt: row.expires_at };
}

/** Session tokens are accepted from the dashboard's cookie only, never as a bearer token. */
export function registerUserSessionResolver(authenticator: Authenticator): void {
  authenticator.registerResolver(USER_SESSION_TOKEN_PREFIX, resolveUserSession, 'cookie');
}
