// Floe as an OAuth2 authorization server and OpenID Connect provider, with Polar's rules (its
// authlib-based server at 98020d4e): dynamic client registration (RFC 7591/7592), the
// authorization code flow with PKCE (RFC 7636) and consent, token pairs with refresh rotation,
// revocation (RFC 7009), introspection (RFC 7662), userinfo and ID tokens. Access tokens act as a
// user or an organization with exactly their scopes on every API operation.
import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import { membershipsOf, SCOPES, type Authenticator, type ResolvedToken, type UserSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { PolarError, Unauthorized, ValidationIssues } from '../../kit/errors.js';
import { sameText } from '../../kit/http.js';
import { newId } from '../../kit/ids.js';
import { toPage, pageWindow, type Page, type PageRequest } from '../../kit/pagination.js';
import type { OAuth2ClientConfiguration, OAuth2ClientRow, OAuth2TokenRow } from '../../db/schema/oauth2.js';
import { generateToken } from '../access-token/token.js';
import { signIdToken } from './keys.js';
import * as repository from './repository.js';
import type { FormFields } from './schemas.js';
import type { Sub } from './repository.js';

export const CLIENT_ID_PREFIX = 'polar_ci_';
export const CLIENT_SECRET_PREFIX = 'polar_cs_';
export const CLIENT_REGISTRATION_TOKEN_PREFIX = 'polar_crt_';
export const AUTHORIZATION_CODE_PREFIX = 'polar_ac_';
export const ACCESS_TOKEN_PREFIX = { user: 'polar_at_u_', organization: 'polar_at_o_' } as const;
export const REFRESH_TOKEN_PREFIX = { user: 'polar_rt_u_', organization: 'polar_rt_o_' } as const;

const CODE_TTL_MS = 5 * 60 * 1000;
/** The authorization_code grant's access token lifetime (Polar's: 10 days). */
export const CODE_GRANT_EXPIRES_IN = 864_000;
/**
 * A refreshed access token lives an hour: authlib's default for the refresh_token grant, which
 * Polar does not override. Surprising next to the 10 days of the first one, but it is Polar's.
 */
export const REFRESH_GRANT_EXPIRES_IN = 3600;
const CODE_CHALLENGE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;
const CODE_VERIFIER_PATTERN = CODE_CHALLENGE_PATTERN;

type AuthMethod = OAuth2ClientConfiguration['token_endpoint_auth_method'];

/**
 * An OAuth2 error (RFC 6749 5.2, 4.1.2.1): `{error, error_description}`. With a redirect URI (one
 * registered by the client, so safe to follow), the error goes back to the client as a 302 with
 * the error in the query, as the authorization endpoint must.
 */
export class OAuth2Error extends PolarError {
  /** Echoed in a JSON error (a redirect carries it in its query instead). */
  readonly state: string | undefined;

  constructor(
    readonly error: string,
    readonly description: string | undefined,
    options: { status?: number; redirectUri?: string; state?: string; headers?: Record<string, string> } = {},
  ) {
    const location = options.redirectUri ? withQuery(options.redirectUri, { error, error_description: description, state: options.state }) : undefined;
    super(location ? 302 : (options.status ?? 400), error, description ?? error, {
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...(location ? { location } : {}),
      ...options.headers,
    });
    this.state = location ? undefined : options.state;
  }

  override body(): Record<string, unknown> {
    return { error: this.error, ...(this.description ? { error_description: this.description } : {}), ...(this.state ? { state: this.state } : {}) };
  }
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

function scopeList(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];
}

// ---------------------------------------------------------------------------------------------
// Clients (RFC 7591 registration, RFC 7592 management)

type ClientInput = Omit<OAuth2ClientConfiguration, 'client_uri' | 'logo_uri' | 'tos_uri' | 'policy_uri'> & Partial<Pick<OAuth2ClientConfiguration, 'client_uri' | 'logo_uri' | 'tos_uri' | 'policy_uri'>>;

/**
 * A redirect URI must be HTTPS, except on a developer's own machine: `localhost` (and its
 * subdomains) or a private IPv4 address may use plain HTTP, as Polar allows.
 */
function isHttpsOrLocal(uri: string): boolean {
  const url = new URL(uri);
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  return /^([^.]+\.)?localhost(\d+)?$/i.test(host);
}

function checkConfiguration(input: ClientInput): OAuth2ClientConfiguration {
  const issues = new ValidationIssues();
  input.redirect_uris.forEach((uri, index) => {
    if (!isHttpsOrLocal(uri)) issues.add(['body', 'redirect_uris', index], 'Value error, An HTTPS URL is required.', uri);
  });
  const unknown = scopeList(input.scope).filter((scope) => !SCOPES.includes(scope));
  if (unknown.length > 0) issues.add(['body', 'scope'], `Value error, Unsupported scopes: ${unknown.join(', ')}.`, input.scope);
  issues.throwIfAny();
  return {
    redirect_uris: input.redirect_uris,
    token_endpoint_auth_method: input.token_endpoint_auth_method,
    grant_types: [...new Set(input.grant_types)],
    response_types: [...new Set(input.response_types)],
    scope: scopeList(input.scope).join(' '),
    client_name: input.client_name,
    client_uri: input.client_uri ?? null,
    logo_uri: input.logo_uri ?? null,
    tos_uri: input.tos_uri ?? null,
    policy_uri: input.policy_uri ?? null,
  };
}

function registrationClientUri(config: Config, clientId: string): string {
  return `${config.baseUrl}/v1/oauth2/register/${encodeURIComponent(clientId)}`;
}

function issuedAt(row: OAuth2ClientRow): number {
  return Math.floor(row.created_at.getTime() / 1000);
}

/** RFC 7591's client information response (registration, read, update). A public client has no secret. */
function registrationResponse(config: Config, row: OAuth2ClientRow) {
  return {
    ...row.configuration,
    client_id: row.client_id,
    ...(row.client_secret ? { client_secret: row.client_secret } : {}),
    client_id_issued_at: issuedAt(row),
    client_secret_expires_at: 0,
    registration_client_uri: registrationClientUri(config, row.client_id),
    registration_access_token: row.registration_access_token,
  };
}

function clientOutput(row: OAuth2ClientRow) {
  return {
    ...row.configuration,
    created_at: row.created_at,
    modified_at: row.modified_at,
    client_id: row.client_id,
    client_secret: row.client_secret,
    client_id_issued_at: issuedAt(row),
    client_secret_expires_at: 0,
  };
}

export async function registerClient(trx: Transaction, config: Config, user: UserSubject, input: ClientInput) {
  const configuration = checkConfiguration(input);
  const [row] = await trx
    .insertInto('oauth2_clients')
    .values({
      id: newId(),
      created_at: clock.now(),
      user_id: user.userId,
      client_id: generateToken(CLIENT_ID_PREFIX),
      // A public client ("none") gets no secret: it could not keep one.
      client_secret: configuration.token_endpoint_auth_method === 'none' ? '' : generateToken(CLIENT_SECRET_PREFIX),
      registration_access_token: generateToken(CLIENT_REGISTRATION_TOKEN_PREFIX),
      configuration: JSON.stringify(configuration),
    })
    .returningAll()
    .execute();
  return registrationResponse(config, row!);
}

export async function listClients(db: Queryable, user: UserSubject, request: PageRequest): Promise<Page<ReturnType<typeof clientOutput>>> {
  const { rows, total } = await repository.listClients(db, user.userId, pageWindow(request));
  return toPage(rows.map(clientOutput), total, request);
}

/** Who manages a client (RFC 7592): its owner's dashboard session, or the registration access token. */
export type ClientManager = { kind: 'user'; userId: string } | { kind: 'registration_token'; token: string };

async function managedClient(db: Queryable, clientId: string, manager: ClientManager | null): Promise<OAuth2ClientRow> {
  if (!manager) throw new OAuth2Error('access_denied', 'The registration access token or a dashboard session is required.', { status: 403 });
  const row = await repository.findClient(db, clientId);
  const allowed = row && (manager.kind === 'user' ? row.user_id === manager.userId : sameText(row.registration_access_token, manager.token));
  // RFC 7592 2: an unknown client, or one the credential does not manage, is a 401 invalid_client.
  if (!row || !allowed) throw new OAuth2Error('invalid_client', 'The client does not exist or the credential does not manage it.', { status: 401 });
  return row;
}

export async function readClient(db: Queryable, config: Config, clientId: string, manager: ClientManager | null) {
  return registrationResponse(config, await managedClient(db, clientId, manager));
}

export async function updateClient(trx: Transaction, config: Config, clientId: string, manager: ClientManager | null, input: ClientInput & { client_id: string }) {
  const row = await managedClient(trx, clientId, manager);
  if (input.client_id !== row.client_id) throw new OAuth2Error('invalid_request', 'Invalid "client_id" value');
  // The body is a full configuration (omitted fields take their defaults), so the merge Polar does
  // over the stored metadata amounts to replacing it.
  const configuration = checkConfiguration(input);
  const updated = await trx
    .updateTable('oauth2_clients')
    .set({ configuration: JSON.stringify(configuration), modified_at: clock.now() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return registrationResponse(config, updated);
}

export async function deleteClient(trx: Transaction, authenticator: Authenticator, clientId: string, manager: ClientManager | null): Promise<void> {
  const row = await managedClient(trx, clientId, manager);
  await trx.updateTable('oauth2_clients').set({ deleted_at: clock.now(), modified_at: clock.now() }).where('id', '=', row.id).execute();
  authenticator.forget();
}

// ---------------------------------------------------------------------------------------------
// Authorization (code flow, consent)

export interface AuthorizationRequest {
  client: OAuth2ClientRow;
  /** Where the answer goes: the request's redirect_uri, else the client's first. */
  redirectUri: string;
  /** The redirect_uri as sent (kept with the code, which must be exchanged with the same one). */
  sentRedirectUri: string | undefined;
  scopes: string[];
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'plain' | 'S256' | undefined;
  prompt: string | undefined;
  subType: 'user' | 'organization';
  /** The organization asked for with `sub` (organization sub_type), once checked. */
  organizationId: string | undefined;
}

/**
 * Validates an authorization request, in authlib's order: errors before a registered redirect URI
 * is known are answered to the browser (400 JSON); after, those of the scope and PKCE still are
 * (authlib raises them without the redirect), and the consent outcomes are redirects.
 */
export async function validateAuthorizationRequest(db: Queryable, params: FormFields, user: UserSubject | null): Promise<AuthorizationRequest> {
  const state = params.state || undefined;
  if (params.response_type !== 'code') throw new OAuth2Error('unsupported_response_type', 'response_type must be "code".', { state });
  const client = params.client_id ? await repository.findClient(db, params.client_id) : undefined;
  if (!client) throw new OAuth2Error('invalid_client', 'Unknown client_id.', { state });
  const registered = client.configuration.redirect_uris;
  const sentRedirectUri = params.redirect_uri || undefined;
  if (sentRedirectUri !== undefined && !registered.includes(sentRedirectUri)) {
    // Never redirect to an address the client did not register (an open redirector otherwise).
    throw new OAuth2Error('invalid_request', 'Redirect URI is not supported by client.', { state });
  }
  const redirectUri = sentRedirectUri ?? registered[0];
  if (!redirectUri) throw new OAuth2Error('invalid_request', 'Missing "redirect_uri" in request.', { state });
  if (!client.configuration.response_types.includes('code')) {
    throw new OAuth2Error('unauthorized_client', 'The client is not authorized to use "response_type=code"', { redirectUri, state });
  }
  // Polar requires the scope; every scope must be one Floe knows (reserved ones are not among them).
  if (params.scope === undefined) throw new OAuth2Error('invalid_scope', 'The requested scope is invalid, unknown, or malformed.', { state });
  const scopes = scopeList(params.scope);
  if (scopes.some((scope) => !SCOPES.includes(scope))) throw new OAuth2Error('invalid_scope', 'The requested scope is invalid, unknown, or malformed.', { state });

  const codeChallenge = params.code_challenge || undefined;
  const method = params.code_challenge_method || undefined;
  // PKCE is what stands in for the secret of a public client: mandatory for those.
  if (client.configuration.token_endpoint_auth_method === 'none' && !codeChallenge) throw new OAuth2Error('invalid_request', 'Missing "code_challenge"', { state });
  if (codeChallenge !== undefined && !CODE_CHALLENGE_PATTERN.test(codeChallenge)) throw new OAuth2Error('invalid_request', 'Invalid "code_challenge"', { state });
  if (method !== undefined && (codeChallenge === undefined || (method !== 'plain' && method !== 'S256'))) throw new OAuth2Error('invalid_request', 'Unsupported "code_challenge_method"', { state });

  const nonce = params.nonce || undefined;
  if (nonce && scopes.includes('openid') && (await repository.nonceInUse(db, client.client_id, nonce))) throw new OAuth2Error('invalid_request', 'Replay attack', { state });

  const subTypeText = params.sub_type || 'user';
  if (subTypeText !== 'user' && subTypeText !== 'organization') throw new OAuth2Error('invalid_request', 'Invalid "sub_type"', { state });
  const sub = params.sub || undefined;
  let organizationId: string | undefined;
  if (subTypeText === 'user' && sub !== undefined) throw new OAuth2Error('invalid_request', 'Can\'t specify "sub" for "user" sub_type', { state });
  if (subTypeText === 'organization' && sub !== undefined && user) {
    if (!user.organizationIds.includes(sub)) throw new OAuth2Error('invalid_sub', undefined, { state });
    organizationId = sub;
  }
  return {
    client,
    redirectUri,
    sentRedirectUri,
    scopes,
    state,
    nonce,
    codeChallenge,
    codeChallengeMethod: codeChallenge ? (method as 'plain' | 'S256' | undefined) ?? 'plain' : undefined,
    prompt: params.prompt || undefined,
    subType: subTypeText,
    organizationId,
  };
}

function subOfRequest(request: AuthorizationRequest, user: UserSubject): Sub | undefined {
  if (request.subType === 'user') return { type: 'user', id: user.userId };
  return request.organizationId ? { type: 'organization', id: request.organizationId } : undefined;
}

async function hasGrantedScope(db: Queryable, request: AuthorizationRequest, sub: Sub | undefined): Promise<boolean> {
  if (!sub) return false;
  const granted = await repository.grantedScope(db, request.client.client_id, sub);
  return granted !== null && request.scopes.every((scope) => granted.has(scope));
}

/** Makes a code for the request and answers the redirect carrying it. */
async function issueCode(trx: Transaction, authenticator: Authenticator, request: AuthorizationRequest, sub: Sub): Promise<string> {
  const code = generateToken(AUTHORIZATION_CODE_PREFIX);
  const now = clock.now();
  // Codes nobody exchanged are of no use once expired: each new one clears its client's.
  await trx.deleteFrom('oauth2_authorization_codes').where('client_id', '=', request.client.client_id).where('expires_at', '<=', now).execute();
  await trx
    .insertInto('oauth2_authorization_codes')
    .values({
      id: newId(),
      created_at: now,
      code_hash: authenticator.hashToken(code),
      client_id: request.client.client_id,
      ...repository.subColumns(sub),
      scope: request.scopes.join(' '),
      redirect_uri: request.sentRedirectUri ?? null,
      nonce: request.nonce ?? null,
      code_challenge: request.codeChallenge ?? null,
      code_challenge_method: request.codeChallengeMethod ?? null,
      expires_at: new Date(now.getTime() + CODE_TTL_MS),
    })
    .execute();
  return withQuery(request.redirectUri, { code, state: request.state });
}

export type ConsentData =
  | { client: ReturnType<typeof publicClient>; sub_type: 'user'; sub: { id: string; email: string; avatar_url: null } | null; scopes: string[] }
  | { client: ReturnType<typeof publicClient>; sub_type: 'organization'; sub: OrganizationChoice | null; scopes: string[]; organizations: OrganizationChoice[] };
type OrganizationChoice = { id: string; slug: string; avatar_url: string | null };

function publicClient(row: OAuth2ClientRow) {
  const { client_name, client_uri, logo_uri, tos_uri, policy_uri } = row.configuration;
  return { created_at: row.created_at, modified_at: row.modified_at, client_id: row.client_id, client_name, client_uri, logo_uri, tos_uri, policy_uri };
}

/** What `GET /v1/oauth2/authorize` answers: the consent screen's data, or a redirect (a code or an error). */
export type AuthorizeOutcome = { kind: 'consent'; request: AuthorizationRequest; data: ConsentData } | { kind: 'redirect'; location: string };

/**
 * The authorization endpoint. `prompt=login` (or nobody signed in, without a prompt) is a 401: the
 * dashboard then signs the user in. `prompt=none` answers at once, with a code or
 * `login_required`/`consent_required`; without a prompt, a scope consented to before is answered
 * with a code too, so a returning user is not asked again.
 */
export async function authorize(trx: Transaction, authenticator: Authenticator, params: FormFields, user: UserSubject | null): Promise<AuthorizeOutcome> {
  const request = await validateAuthorizationRequest(trx, params, user);
  const { redirectUri, state } = request;
  const prompts = scopeList(request.prompt);
  if (prompts.includes('none') && prompts.length > 1) throw new OAuth2Error('invalid_request', 'Invalid "prompt" parameter.', { state });
  if (prompts.includes('none')) {
    if (!user) throw new OAuth2Error('login_required', undefined, { redirectUri, state });
    const sub = subOfRequest(request, user);
    if (!(await hasGrantedScope(trx, request, sub))) throw new OAuth2Error('consent_required', undefined, { redirectUri, state });
    return { kind: 'redirect', location: await issueCode(trx, authenticator, request, sub!) };
  }
  if (prompts.includes('login') || !user) throw new Unauthorized();
  const sub = subOfRequest(request, user);
  if (prompts.length === 0 && (await hasGrantedScope(trx, request, sub))) {
    return { kind: 'redirect', location: await issueCode(trx, authenticator, request, sub!) };
  }
  return { kind: 'consent', request, data: await consentData(trx, request, user) };
}

async function consentData(db: Queryable, request: AuthorizationRequest, user: UserSubject): Promise<ConsentData> {
  const client = publicClient(request.client);
  if (request.subType === 'user') {
    const row = await db.selectFrom('users').select(['id', 'email']).where('id', '=', user.userId).executeTakeFirstOrThrow();
    return { client, sub_type: 'user', sub: { id: row.id, email: row.email, avatar_url: null }, scopes: request.scopes };
  }
  const organizations =
    user.organizationIds.length === 0
      ? []
      : await db.selectFrom('organizations').select(['id', 'slug', 'avatar_url']).where('id', 'in', user.organizationIds).orderBy('slug').execute();
  return { client, sub_type: 'organization', sub: organizations.find((organization) => organization.id === request.organizationId) ?? null, scopes: request.scopes, organizations };
}

/**
 * The consent form's answer (`action=allow|deny` with the request's parameters): deny sends
 * `access_denied` back to the client; allow records the grant and sends a code. For an
 * organization, the one chosen (`sub`) must be one the user belongs to.
 */
export async function consent(trx: Transaction, authenticator: Authenticator, params: FormFields, user: UserSubject): Promise<string> {
  const request = await validateAuthorizationRequest(trx, params, user);
  if (params.action !== 'allow') throw new OAuth2Error('access_denied', 'The resource owner or authorization server denied the request.', { redirectUri: request.redirectUri, state: request.state });
  const sub = subOfRequest(request, user);
  if (!sub) throw new OAuth2Error('invalid_sub', 'Choose an organization.', { state: request.state });
  const location = await issueCode(trx, authenticator, request, sub);
  await repository.saveGrant(trx, request.client.client_id, sub, request.scopes.join(' '), newId());
  return location;
}

// ---------------------------------------------------------------------------------------------
// Token endpoint, revocation, introspection

interface TokenEndpointRequest {
  form: FormFields;
  authorization: string | undefined;
}

/**
 * Authenticates the client of a token-endpoint request by the method it used (HTTP Basic, form
 * fields, or none: a client_id alone), which must be one the endpoint allows and the one the
 * client registered. A failure is `invalid_client`: 401 with a Basic challenge when Basic was tried.
 */
async function authenticateClient(db: Queryable, request: TokenEndpointRequest, allowed: readonly AuthMethod[]): Promise<OAuth2ClientRow> {
  const basic = /^basic\s+(.+)$/i.exec(request.authorization ?? '')?.[1];
  let method: AuthMethod;
  let clientId: string | undefined;
  let secret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    method = 'client_secret_basic';
    // RFC 6749 2.3.1: both parts are form-encoded before the Basic encoding.
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return part;
      }
    };
    clientId = colon < 0 ? undefined : decode(decoded.slice(0, colon));
    secret = colon < 0 ? undefined : decode(decoded.slice(colon + 1));
  } else {
    clientId = request.form.client_id || undefined;
    secret = request.form.client_secret || undefined;
    method = secret !== undefined ? 'client_secret_post' : 'none';
  }
  const invalid = () =>
    new OAuth2Error('invalid_client', 'Client authentication failed.', basic ? { status: 401, headers: { 'www-authenticate': 'Basic error="invalid_client"' } } : {});
  if (!clientId || !allowed.includes(method)) throw invalid();
  const client = await repository.findClient(db, clientId);
  if (!client || client.configuration.token_endpoint_auth_method !== method) throw invalid();
  if (method !== 'none' && !(client.client_secret && sameText(client.client_secret, secret ?? ''))) throw invalid();
  return client;
}

function allowedScope(client: OAuth2ClientRow, scopes: string[]): string[] {
  const allowed = new Set(scopeList(client.configuration.scope));
  return scopes.filter((scope) => allowed.has(scope));
}

export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  id_token?: string;
}

async function saveTokenPair(
  trx: Transaction,
  authenticator: Authenticator,
  client: OAuth2ClientRow,
  sub: Sub,
  scopes: string[],
  expiresIn: number,
  nonce: string | null,
): Promise<TokenResponseBody> {
  const accessToken = generateToken(ACCESS_TOKEN_PREFIX[sub.type]);
  const refreshToken = client.configuration.grant_types.includes('refresh_token') ? generateToken(REFRESH_TOKEN_PREFIX[sub.type]) : undefined;
  await trx
    .insertInto('oauth2_tokens')
    .values({
      id: newId(),
      created_at: clock.now(),
      client_id: client.client_id,
      ...repository.subColumns(sub),
      token_type: 'Bearer',
      access_token_hash: authenticator.hashToken(accessToken),
      refresh_token_hash: refreshToken ? authenticator.hashToken(refreshToken) : null,
      scope: scopes.join(' '),
      nonce,
      issued_at: clock.now(),
      expires_in: expiresIn,
    })
    .execute();
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, ...(refreshToken ? { refresh_token: refreshToken } : {}), scope: scopes.join(' ') };
}

/** OIDC's at_hash: the left half of the SHA-256 of the access token, base64url. */
function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export async function requestToken(trx: Transaction, authenticator: Authenticator, config: Config, request: TokenEndpointRequest): Promise<TokenResponseBody> {
  const grantType = request.form.grant_type;
  if (grantType === 'authorization_code') return codeGrant(trx, authenticator, config, request);
  if (grantType === 'refresh_token') return refreshGrant(trx, authenticator, request);
  throw new OAuth2Error(grantType ? 'unsupported_grant_type' : 'invalid_request', grantType ? `grant_type "${grantType}" is not supported.` : 'Missing "grant_type" in request.');
}

function checkGrantType(client: OAuth2ClientRow, grantType: 'authorization_code' | 'refresh_token'): void {
  if (!client.configuration.grant_types.includes(grantType)) throw new OAuth2Error('unauthorized_client', `The client is not authorized to use "grant_type=${grantType}"`);
}

/**
 * Exchanges a code. Every check runs before the code is spent, so a wrong verifier or redirect URI
 * leaves it usable by its rightful holder; the row is locked, so two exchanges cannot both win.
 */
async function codeGrant(trx: Transaction, authenticator: Authenticator, config: Config, request: TokenEndpointRequest): Promise<TokenResponseBody> {
  const client = await authenticateClient(trx, request, ['client_secret_basic', 'client_secret_post', 'none']);
  checkGrantType(client, 'authorization_code');
  const { form } = request;
  if (!form.code) throw new OAuth2Error('invalid_request', 'Missing "code" in request.');
  const code = await repository.lockAuthorizationCode(trx, authenticator.hashToken(form.code), client.client_id);
  if (!code) throw new OAuth2Error('invalid_grant', 'Invalid "code" in request.');
  if (code.redirect_uri !== null && form.redirect_uri !== code.redirect_uri) throw new OAuth2Error('invalid_grant', 'Invalid "redirect_uri" in request.');
  const verifier = form.code_verifier || undefined;
  if (client.configuration.token_endpoint_auth_method === 'none' && !verifier) throw new OAuth2Error('invalid_request', 'Missing "code_verifier"');
  if (code.code_challenge || verifier) {
    if (!verifier) throw new OAuth2Error('invalid_request', 'Missing "code_verifier"');
    if (!CODE_VERIFIER_PATTERN.test(verifier)) throw new OAuth2Error('invalid_request', 'Invalid "code_verifier"');
    const computed = code.code_challenge_method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
    if (!code.code_challenge || !sameText(computed, code.code_challenge)) throw new OAuth2Error('invalid_grant', 'Code challenge failed.');
  }
  await trx.deleteFrom('oauth2_authorization_codes').where('id', '=', code.id).execute();
  const sub = repository.subOf(code);
  const scopes = allowedScope(client, scopeList(code.scope));
  const token = await saveTokenPair(trx, authenticator, client, sub, scopes, CODE_GRANT_EXPIRES_IN, code.nonce);
  if (scopes.includes('openid')) {
    token.id_token = await signIdToken(trx, config.secret, {
      iss: issuer(config),
      aud: client.client_id,
      auth_time: Math.floor(code.created_at.getTime() / 1000),
      ...(code.nonce ? { nonce: code.nonce } : {}),
      at_hash: accessTokenHash(token.access_token),
      ...(await userInfoClaims(trx, sub, scopes)),
    });
  }
  return token;
}

/**
 * Refreshes (confidential clients only): a new pair, and the old refresh token revoked. Since a row
 * is revoked when either half is, the previous access token stops working at once as well.
 */
async function refreshGrant(trx: Transaction, authenticator: Authenticator, request: TokenEndpointRequest): Promise<TokenResponseBody> {
  const client = await authenticateClient(trx, request, ['client_secret_basic', 'client_secret_post']);
  checkGrantType(client, 'refresh_token');
  const { form } = request;
  if (!form.refresh_token) throw new OAuth2Error('invalid_request', 'Missing "refresh_token" in request.');
  const found = await repository.findToken(trx, authenticator.hashToken(form.refresh_token), 'refresh_token', true);
  if (!found || repository.isRevoked(found.row) || found.row.client_id !== client.client_id) throw new OAuth2Error('invalid_grant', 'Invalid "refresh_token" in request.');
  const previous = found.row;
  let scopes = scopeList(previous.scope);
  if (form.scope !== undefined) {
    const asked = scopeList(form.scope);
    if (asked.some((scope) => !scopes.includes(scope))) throw new OAuth2Error('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
    scopes = asked;
  }
  await trx.updateTable('oauth2_tokens').set({ refresh_token_revoked_at: clock.now() }).where('id', '=', previous.id).execute();
  authenticator.forget();
  return saveTokenPair(trx, authenticator, client, repository.subOf(previous), scopes, REFRESH_GRANT_EXPIRES_IN, previous.nonce);
}

function tokenHint(form: FormFields): repository.TokenHint {
  const hint = form.token_type_hint || undefined;
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') throw new OAuth2Error('unsupported_token_type', `token_type_hint "${hint}" is not supported.`);
  return hint;
}

/**
 * Revocation (RFC 7009): 200 `{}` whatever the token, so that the answer tells nothing; a token of
 * another client is left alone. The access half is revoked, and the refresh half unless the hint
 * says the token is an access token; either way the pair is dead (one row, revoked if either is).
 */
export async function revokeToken(trx: Transaction, authenticator: Authenticator, request: TokenEndpointRequest): Promise<Record<string, never>> {
  const client = await authenticateClient(trx, request, ['client_secret_basic', 'client_secret_post']);
  if (!request.form.token) throw new OAuth2Error('invalid_request', 'Missing "token" in request.');
  const hint = tokenHint(request.form);
  const found = await repository.findToken(trx, authenticator.hashToken(request.form.token), hint, true);
  if (found && found.row.client_id === client.client_id) {
    const now = clock.now();
    await trx
      .updateTable('oauth2_tokens')
      .set((eb) => ({
        access_token_revoked_at: eb.fn.coalesce('access_token_revoked_at', eb.val(now)),
        ...(hint === 'access_token' ? {} : { refresh_token_revoked_at: eb.fn.coalesce('refresh_token_revoked_at', eb.val(now)) }),
      }))
      .where('id', '=', found.row.id)
      .execute();
    authenticator.forget();
  }
  return {};
}

/**
 * Introspection (RFC 7662) for the client the token was issued to; anything else (unknown,
 * revoked, expired, another client's) is just `{active: false}`. `token_type` says which half the
 * token is, as the SDK's model reads it (Polar echoes the pair's "Bearer" there, which its own
 * schema and the SDK reject).
 */
export async function introspectToken(trx: Transaction, authenticator: Authenticator, config: Config, request: TokenEndpointRequest) {
  const client = await authenticateClient(trx, request, ['client_secret_basic', 'client_secret_post']);
  if (!request.form.token) throw new OAuth2Error('invalid_request', 'Missing "token" in request.');
  const found = await repository.findToken(trx, authenticator.hashToken(request.form.token), tokenHint(request.form));
  if (!found || found.row.client_id !== client.client_id) return { active: false };
  const { row } = found;
  const expiresAt = repository.accessTokenExpiresAt(row);
  if (repository.isRevoked(row) || expiresAt <= clock.now()) return { active: false };
  return {
    active: true,
    client_id: row.client_id,
    token_type: found.half,
    scope: row.scope,
    sub_type: row.sub_type,
    sub: repository.subOf(row).id,
    aud: row.client_id,
    iss: issuer(config),
    exp: Math.floor(expiresAt.getTime() / 1000),
    iat: Math.floor(row.issued_at.getTime() / 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Userinfo, discovery, API access

/**
 * The OpenID issuer: this server's own address. Polar's is "https://polar.sh"; a self-hosted Floe
 * cannot claim that name (a client would then trust polar.sh's tokens as this server's), and OIDC
 * Discovery requires the issuer to be where /.well-known/openid-configuration is served.
 */
export function issuer(config: Config): string {
  return config.baseUrl;
}

/**
 * Userinfo claims (Polar's): a user's `email` and `email_verified` with the `email` scope; an
 * organization's `name` (its slug) with `openid`. `profile` adds nothing. A user's address counts as
 * verified once they have signed in with a code sent to it.
 */
export interface UserInfoClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

async function userInfoClaims(db: Queryable, sub: Sub, scopes: string[]): Promise<UserInfoClaims> {
  const claims: UserInfoClaims = { sub: sub.id };
  if (sub.type === 'user' && scopes.includes('email')) {
    const user = await db.selectFrom('users').select('email').where('id', '=', sub.id).executeTakeFirstOrThrow();
    const signedIn = await db.selectFrom('login_codes').select('id').where('user_id', '=', sub.id).where('used_at', 'is not', null).limit(1).executeTakeFirst();
    claims.email = user.email;
    claims.email_verified = signedIn !== undefined;
  }
  if (sub.type === 'organization' && scopes.includes('openid')) {
    const organization = await db.selectFrom('organizations').select('slug').where('id', '=', sub.id).executeTakeFirstOrThrow();
    claims.name = organization.slug;
  }
  return claims;
}

const INVALID_TOKEN = 'The access token provided is expired, revoked, malformed, or invalid for other reasons.';

/** `GET|POST /v1/oauth2/userinfo`: an OAuth2 access token only (not a personal token, not a session). */
export async function userInfo(db: Queryable, authenticator: Authenticator, authorization: string | undefined): Promise<UserInfoClaims> {
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new Unauthorized();
  const found = await repository.findToken(db, authenticator.hashToken(match[1]!), 'access_token');
  if (!found || repository.isRevoked(found.row) || repository.accessTokenExpiresAt(found.row) <= clock.now()) {
    throw new OAuth2Error('invalid_token', INVALID_TOKEN, { status: 401, headers: { 'www-authenticate': `Bearer realm="polar", error="invalid_token", error_description="${INVALID_TOKEN}"` } });
  }
  return userInfoClaims(db, repository.subOf(found.row), scopeList(found.row.scope));
}

export function discoveryDocument(config: Config) {
  const api = `${config.baseUrl}/v1/oauth2`;
  return {
    issuer: issuer(config),
    authorization_endpoint: `${config.baseUrl}/oauth2/authorize`,
    token_endpoint: `${api}/token`,
    jwks_uri: `${config.baseUrl}/.well-known/jwks.json`,
    userinfo_endpoint: `${api}/userinfo`,
    registration_endpoint: `${api}/register`,
    scopes_supported: SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // github_oidc_id_token is Polar's hidden grant for GitHub Actions; Floe does not offer it.
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    service_documentation: `${config.baseUrl}/docs`,
    revocation_endpoint: `${api}/revoke`,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint: `${api}/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['plain', 'S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'name', 'email', 'email_verified'],
  };
}

/**
 * An OAuth2 access token on the API: its user (in the organizations they belong to now) or its
 * organization, with exactly its scopes. Polar checks only revocation here; Floe also ends a token
 * at its expiry (10 days, or an hour after a refresh), which is what `expires_in` told the client.
 */
async function resolveOAuth2AccessToken(db: Queryable, tokenHash: string): Promise<ResolvedToken | null> {
  const found = await repository.findToken(db, tokenHash, 'access_token');
  if (!found || repository.isRevoked(found.row)) return null;
  const row: OAuth2TokenRow = found.row;
  // A deleted client's tokens end with it (its owner removed the app).
  const client = await repository.findClient(db, row.client_id);
  if (!client) return null;
  const scopes = new Set(scopeList(row.scope));
  const expiresAt = repository.accessTokenExpiresAt(row);
  if (row.sub_type === 'user' && row.user_id) {
    return { subject: { kind: 'user', userId: row.user_id, scopes, organizationIds: await membershipsOf(db, row.user_id) }, expiresAt };
  }
  if (row.sub_type === 'organization' && row.organization_id) {
    const organization = await db.selectFrom('organizations').select('id').where('id', '=', row.organization_id).where('deleted_at', 'is', null).where('blocked_at', 'is', null).executeTakeFirst();
    if (organization) return { subject: { kind: 'organization', organizationId: organization.id, scopes }, expiresAt };
  }
  return null;
}

export function registerOAuth2TokenResolvers(authenticator: Authenticator): void {
  authenticator.registerResolver(ACCESS_TOKEN_PREFIX.user, resolveOAuth2AccessToken);
  authenticator.registerResolver(ACCESS_TOKEN_PREFIX.organization, resolveOAuth2AccessToken);
}
