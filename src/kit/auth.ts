// Who is making a request (the subject), what they may do (scopes), and which organizations they
// may see. Tokens are looked up by the HMAC of their value; resolvers are registered per prefix by
// the modules that own each kind of token (access tokens, customer sessions, ...).
//
// Lookups are cached in-process for TOKEN_CACHE_MS, so a revoked or expired token stops working
// within that time on every process. A user's memberships are resolved with the token and cached
// with it: tenant checks are then a plain `organization_id = ANY(...)`, cheap for PostgreSQL to plan
// on every query, and a change of membership reaches every process within the same window.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Queryable } from './db.js';
import { BearerError, NotPermitted, Unauthorized, ValidationError } from './errors.js';
import { clock } from './clock.js';

export type Scope = string;

export type Subject =
  | { kind: 'user'; userId: string; scopes: ReadonlySet<Scope>; organizationIds: readonly string[] }
  | { kind: 'organization'; organizationId: string; scopes: ReadonlySet<Scope> }
  | { kind: 'customer'; customerId: string; organizationId: string; scopes: ReadonlySet<Scope> }
  | { kind: 'anonymous' };

export type SubjectKind = Subject['kind'];
export type UserSubject = Extract<Subject, { kind: 'user' }>;
export type OrganizationSubject = Extract<Subject, { kind: 'organization' }>;
export type CustomerSubject = Extract<Subject, { kind: 'customer' }>;
/** The subjects that act for a merchant: a user (member of organizations) or an organization. */
export type MerchantSubject = UserSubject | OrganizationSubject;

/** Every scope a token may hold (reserved scopes such as `web_default` are not grantable). */
export const SCOPES: readonly Scope[] = [
  'openid', 'profile', 'email', 'user:read',
  'organizations:read', 'organizations:write',
  'custom_fields:read', 'custom_fields:write',
  'discounts:read', 'discounts:write',
  'checkout_links:read', 'checkout_links:write',
  'checkouts:read', 'checkouts:write',
  'products:read', 'products:write',
  'benefits:read', 'benefits:write',
  'files:read', 'files:write',
  'subscriptions:read', 'subscriptions:write',
  'customers:read', 'customers:write',
  'customer_sessions:write',
  'orders:read',
  'metrics:read',
  'webhooks:read', 'webhooks:write',
  'external_organizations:read',
  'license_keys:read', 'license_keys:write',
  'repositories:read', 'repositories:write',
  'issues:read', 'issues:write',
  'customer_portal:read', 'customer_portal:write',
];

/** What a route accepts: which subjects, and scopes of which the subject must hold at least one. */
export interface AuthRequirement {
  subjects: readonly SubjectKind[];
  scopes?: readonly Scope[];
}

/** The scope a dashboard session holds (never grantable to a token): it passes every R and W check. */
export const WEB_DEFAULT: Scope = 'web_default';

/** `R` in Polar's terms: any of read or write of the resource, or a dashboard session. */
export function readScopes(resource: string): Scope[] {
  return [WEB_DEFAULT, `${resource}:read`, `${resource}:write`];
}

/** `W` in Polar's terms: the write scope of the resource, or a dashboard session. */
export function writeScopes(resource: string): Scope[] {
  return [WEB_DEFAULT, `${resource}:write`];
}

/** The dashboard's session cookie; its value is a `polar_us_` token, resolved only from the cookie. */
export const SESSION_COOKIE = 'floe_session';

/** How a request presents its token: an Authorization header, or the dashboard's session cookie. */
export type CredentialSource = 'bearer' | 'cookie';

export interface Credential {
  token: string;
  via: CredentialSource;
}

/** A cookie's value from a Cookie header. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}

/**
 * The request's credential: the Authorization header when it carries a bearer token (what the SDK
 * sends), else the dashboard's session cookie. A request never mixes the two.
 */
export function credentialOf(headers: { authorization?: string; cookie?: string }): Credential | undefined {
  const bearer = parseBearer(headers.authorization);
  if (bearer !== undefined) return { token: bearer, via: 'bearer' };
  const session = headers.cookie ? cookieValue(headers.cookie, SESSION_COOKIE) : undefined;
  return session ? { token: session, via: 'cookie' } : undefined;
}

export const MERCHANT: readonly SubjectKind[] = ['user', 'organization'];

export interface ResolvedToken {
  subject: Exclude<Subject, { kind: 'anonymous' }>;
  /** When the token stops being valid; null for never. */
  expiresAt: Date | null;
}

export type TokenResolver = (db: Queryable, tokenHash: string) => Promise<ResolvedToken | null>;

const TOKEN_CACHE_MS = 500;
const TOKEN_CACHE_MAX = 10_000;

export class Authenticator {
  private readonly resolvers = new Map<string, { resolver: TokenResolver; via: CredentialSource }>();
  /**
   * Recent lookups by the token as presented. This lives only in the process's memory and only for
   * TOKEN_CACHE_MS (the database keeps nothing but HMACs); keying it by the HMAC would cost every
   * request a keyed hash, a good part of what the cache saves.
   */
  private readonly cache = new Map<string, { token: ResolvedToken; cachedUntil: number }>();
  /** Lookups under way, shared by concurrent requests with the same token (one query, not fifty). */
  private readonly pending = new Map<string, Promise<ResolvedToken | null>>();

  constructor(
    private readonly db: Queryable,
    private readonly secret: string,
  ) {}

  hashToken(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('hex');
  }

  /** `via`: where tokens of this prefix are accepted from (a session token only from its cookie). */
  registerResolver(prefix: string, resolver: TokenResolver, via: CredentialSource = 'bearer'): void {
    this.resolvers.set(prefix, { resolver, via });
  }

  /**
   * The CSRF token of a dashboard session: a keyed hash of the session token, so it needs no
   * storage, differs per session and dies with it. Pages put it in a header of every write.
   */
  csrfToken(sessionToken: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${sessionToken}`).digest('base64url');
  }

  /** Whether `sent` (a header's or a form field's value) is the session's CSRF token. */
  isCsrfToken(sessionToken: string, sent: unknown): boolean {
    if (typeof sent !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(sessionToken));
    const given = Buffer.from(sent);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The dashboard user signed in by a request's session cookie (its CSRF token not checked), or null. */
  async signedInUser(cookieHeader: string | undefined): Promise<{ user: UserSubject; token: string } | null> {
    const token = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!token) return null;
    const subject = await this.resolve({ token, via: 'cookie' }).catch(() => null);
    return subject?.kind === 'user' ? { user: subject, token } : null;
  }

  /** Forgets cached lookups, e.g. right after this process revoked a token. */
  forget(): void {
    this.cache.clear();
    this.pending.clear();
  }

  /** The subject of an Authorization header (a bearer token), or of a credential already parsed. */
  async resolve(authorization: string | Credential | undefined): Promise<Subject | null> {
    const credential = typeof authorization === 'string' ? credentialOf({ authorization }) : authorization;
    if (credential === undefined) return { kind: 'anonymous' };
    const key = cacheKey(credential);
    const cached = this.cachedSubject(key);
    if (cached !== undefined) return cached;
    let lookup = this.pending.get(key);
    if (!lookup) {
      lookup = this.lookup(credential).finally(() => this.pending.delete(key));
      this.pending.set(key, lookup);
    }
    const resolved = await lookup;
    if (resolved) {
      if (this.cache.size >= TOKEN_CACHE_MAX) this.cache.clear();
      this.cache.set(key, { token: resolved, cachedUntil: Date.now() + TOKEN_CACHE_MS });
    } else {
      this.cache.delete(key);
    }
    return subjectOf(resolved);
  }

  /**
   * The subject when it is known without a query: an anonymous request or a token looked up less
   * than TOKEN_CACHE_MS ago. `undefined` means a lookup is needed. Most requests take this path,
   * so it stays synchronous (no promise, no extra tick).
   */
  resolveCached(credential: Credential | undefined): Subject | null | undefined {
    if (credential === undefined) return { kind: 'anonymous' };
    return this.cachedSubject(cacheKey(credential));
  }

  private cachedSubject(key: string): Subject | null | undefined {
    const cached = this.cache.get(key);
    if (!cached || cached.cachedUntil <= Date.now()) return undefined;
    return subjectOf(cached.token);
  }

  private async lookup(credential: Credential): Promise<ResolvedToken | null> {
    for (const [prefix, { resolver, via }] of this.resolvers) {
      if (credential.token.startsWith(prefix)) return via === credential.via ? resolver(this.db, this.hashToken(credential.token)) : null;
    }
    return null;
  }
}

/** Bearer tokens are keyed as presented (most requests); a cookie's value under its own key. */
function cacheKey(credential: Credential): string {
  return credential.via === 'bearer' ? credential.token : `cookie:${credential.token}`;
}

function subjectOf(resolved: ResolvedToken | null): Subject | null {
  if (!resolved) return null;
  if (resolved.expiresAt && resolved.expiresAt.getTime() <= clock.now().getTime()) return null;
  return resolved.subject;
}

/** Checks a resolved subject (null: an invalid token) against what a route requires. */
export function checkSubject(subject: Subject | null, requirement: AuthRequirement): Subject {
  if (subject === null) {
    throw new BearerError(401, 'invalid_token', 'The access token provided is expired, revoked, malformed, or invalid for other reasons.');
  }
  if (subject.kind === 'anonymous') {
    if (requirement.subjects.includes('anonymous')) return subject;
    throw new Unauthorized();
  }
  if (!requirement.subjects.includes(subject.kind)) {
    throw new BearerError(401, 'invalid_token', 'The subject of this access token is not valid for this endpoint.');
  }
  const scopes = requirement.scopes;
  if (scopes && scopes.length > 0 && !scopes.some((scope) => subject.scopes.has(scope))) {
    throw new BearerError(
      403,
      'insufficient_scope',
      'The request requires higher privileges than provided by the access token.',
      scopes.join(' '),
    );
  }
  return subject;
}

function parseBearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = authorization.slice(space + 1).trim();
  return token === '' ? undefined : token;
}

/**
 * A condition on an `organization_id` column: true for the organizations the subject may see
 * (a user's active memberships, or the organization itself). Use it in every tenant-owned query.
 */
export function isVisibleOrganization(subject: MerchantSubject | CustomerSubject, column: string): RawBuilder<boolean> {
  const ref = sql.ref(column);
  if (subject.kind === 'user') return sql<boolean>`${ref} = ANY(${subject.organizationIds}::uuid[])`;
  return sql<boolean>`${ref} = ${subject.organizationId}`;
}

/** The same rule in code, for a row already read: whether the subject may see the organization. */
export function seesOrganization(subject: MerchantSubject, organizationId: string): boolean {
  return subject.kind === 'organization' ? subject.organizationId === organizationId : subject.organizationIds.includes(organizationId);
}

/**
 * A condition on a table of a customer's records (orders, subscriptions, grants): a merchant sees
 * its organizations' records, a customer only its own.
 */
export function isVisibleRecord(subject: MerchantSubject | CustomerSubject, table: string): RawBuilder<boolean> {
  if (subject.kind === 'customer') return sql<boolean>`${sql.ref(`${table}.customer_id`)} = ${subject.customerId}`;
  return isVisibleOrganization(subject, `${table}.organization_id`);
}

/** The organizations a user is an active member of (not deleted, not blocked). */
export async function membershipsOf(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('user_organizations')
    .innerJoin('organizations', 'organizations.id', 'user_organizations.organization_id')
    .select('user_organizations.organization_id')
    .where('user_organizations.user_id', '=', userId)
    .where('user_organizations.deleted_at', 'is', null)
    .where('organizations.deleted_at', 'is', null)
    .where('organizations.blocked_at', 'is', null)
    .execute();
  return rows.map((row) => row.organization_id);
}

/**
 * The organization a create payload belongs to (Polar's rule): an organization token implies its
 * own and may not name one; a user must name one they are a member of. `nonMember` says how a
 * module reports a user who is not a member (products and files: 403; the others: 422).
 */
export async function resolveOrganizationForCreate(
  db: Queryable,
  subject: MerchantSubject,
  organizationId: string | null | undefined,
  nonMember: 'forbidden' | 'not_found' = 'not_found',
): Promise<string> {
  const loc = ['body', 'organization_id'];
  if (subject.kind === 'organization') {
    if (organizationId) {
      throw new ValidationError(loc, 'Setting organization_id is disallowed when using an organization token.', organizationId, 'organization_token');
    }
    return subject.organizationId;
  }
  if (!organizationId) throw new ValidationError(loc, 'organization_id is required.', null, 'missing');
  const organization = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .where('blocked_at', 'is', null)
    .executeTakeFirst();
  if (!organization) throw new ValidationError(loc, 'Organization not found.', organizationId);
  if (!subject.organizationIds.includes(organizationId)) {
    if (nonMember === 'forbidden') throw new NotPermitted();
    throw new ValidationError(loc, 'Organization not found.', organizationId);
  }
  return organizationId;
}
