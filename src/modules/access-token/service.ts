// Access tokens: personal (`polar_pat_`, acting as a user in the organizations they belong to) and
// organization (`polar_oat_`, acting as one organization). Only an HMAC of the value is stored; the
// value itself is shown once, at creation. Revocation and expiry take effect within the
// authenticator's cache window.
import type { AccessTokenRow } from '../../db/schema/access-token.js';
import type { Authenticator, MerchantSubject, ResolvedToken, Scope, UserSubject } from '../../kit/auth.js';
import { isVisibleOrganization, membershipsOf, resolveOrganizationForCreate, SCOPES } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { clock } from '../../kit/clock.js';
import { paginate, toPage, type Page } from '../../kit/pagination.js';
import { generateToken } from './token.js';
import type { OrganizationAccessToken, OrganizationAccessTokenCreate, OrganizationAccessTokenListQuery } from './schemas.js';

export const PERSONAL_TOKEN_PREFIX = 'polar_pat_';
export const ORGANIZATION_TOKEN_PREFIX = 'polar_oat_';

export type AccessTokenOwner = { kind: 'personal'; userId: string } | { kind: 'organization'; organizationId: string };

export interface CreatedAccessToken {
  id: string;
  token: string;
}

export async function createAccessToken(
  trx: Transaction,
  authenticator: Authenticator,
  owner: AccessTokenOwner,
  options: { scopes?: readonly Scope[]; expiresInSeconds?: number; comment?: string } = {},
): Promise<CreatedAccessToken> {
  const scopes = [...(options.scopes ?? SCOPES)];
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
  if (unknown.length > 0) throw new Error(`unknown scopes: ${unknown.join(', ')}`);
  const token = generateToken(owner.kind === 'personal' ? PERSONAL_TOKEN_PREFIX : ORGANIZATION_TOKEN_PREFIX);
  const id = newId();
  const now = clock.now();
  await trx
    .insertInto('access_tokens')
    .values({
      id,
      created_at: now,
      kind: owner.kind,
      token_hash: authenticator.hashToken(token),
      comment: options.comment ?? '',
      user_id: owner.kind === 'personal' ? owner.userId : null,
      organization_id: owner.kind === 'organization' ? owner.organizationId : null,
      scopes,
      expires_at: options.expiresInSeconds ? new Date(now.getTime() + options.expiresInSeconds * 1000) : null,
    })
    .execute();
  return { id, token };
}

/** Revokes a token by its value or id; answers whether one was revoked. */
export async function revokeAccessToken(trx: Transaction, authenticator: Authenticator, tokenOrId: string): Promise<boolean> {
  const isId = /^[0-9a-f-]{36}$/i.test(tokenOrId);
  const result = await trx
    .updateTable('access_tokens')
    .set({ revoked_at: clock.now(), modified_at: clock.now() })
    .where(isId ? 'id' : 'token_hash', '=', isId ? tokenOrId : authenticator.hashToken(tokenOrId))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  authenticator.forget();
  return Number(result.numUpdatedRows) > 0;
}

async function resolveAccessToken(db: Queryable, tokenHash: string): Promise<ResolvedToken | null> {
  const row = await db
    .selectFrom('access_tokens')
    .leftJoin('organizations', 'organizations.id', 'access_tokens.organization_id')
    .select([
      'access_tokens.kind',
      'access_tokens.user_id',
      'access_tokens.organization_id',
      'access_tokens.scopes',
      'access_tokens.expires_at',
      'organizations.deleted_at as organization_deleted_at',
    ])
    .where('access_tokens.token_hash', '=', tokenHash)
    .where('access_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const scopes = new Set(row.scopes);
  if (row.kind === 'personal' && row.user_id) {
    const organizationIds = await membershipsOf(db, row.user_id);
    return { subject: { kind: 'user', userId: row.user_id, scopes, organizationIds }, expiresAt: row.expires_at };
  }
  if (row.kind === 'organization' && row.organization_id && !row.organization_deleted_at) {
    return { subject: { kind: 'organization', organizationId: row.organization_id, scopes }, expiresAt: row.expires_at };
  }
  return null;
}

type PresentedToken = Pick<AccessTokenRow, 'id' | 'created_at' | 'modified_at' | 'scopes' | 'expires_at' | 'comment' | 'last_used_at' | 'organization_id'>;

const PRESENTED_COLUMNS = ['id', 'created_at', 'modified_at', 'scopes', 'expires_at', 'comment', 'last_used_at', 'organization_id'] as const;

function presentOrganizationToken(row: PresentedToken): OrganizationAccessToken {
  return { ...row, organization_id: row.organization_id! };
}

/** The organization tokens of the subject's organizations that are not revoked (expired ones are listed: they show when they expired). */
function visibleOrganizationTokens(db: Queryable, subject: MerchantSubject) {
  return db
    .selectFrom('access_tokens')
    .select(PRESENTED_COLUMNS)
    .where('kind', '=', 'organization')
    .where('revoked_at', 'is', null)
    .where(isVisibleOrganization(subject, 'access_tokens.organization_id'));
}

export async function listOrganizationTokens(db: Queryable, subject: MerchantSubject, query: OrganizationAccessTokenListQuery): Promise<Page<OrganizationAccessToken>> {
  let select = visibleOrganizationTokens(db, subject);
  if (query.organization_id?.length) select = select.where('organization_id', 'in', query.organization_id);
  const { rows, totalCount } = await paginate(select.orderBy('created_at', 'desc').orderBy('id'), query);
  return toPage(rows.map(presentOrganizationToken), totalCount, query);
}

/** Creates an organization token in an organization the user is a member of; its value is in the answer only. */
export async function createOrganizationToken(
  trx: Transaction,
  authenticator: Authenticator,
  subject: UserSubject,
  input: OrganizationAccessTokenCreate,
): Promise<{ organization_access_token: OrganizationAccessToken; token: string }> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  const { id, token } = await createAccessToken(
    trx,
    authenticator,
    { kind: 'organization', organizationId },
    { scopes: input.scopes, comment: input.comment, expiresInSeconds: input.expires_in ?? undefined },
  );
  const row = await trx.selectFrom('access_tokens').select(PRESENTED_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
  return { organization_access_token: presentOrganizationToken(row), token };
}

/** Revokes an organization token of the subject's organizations; 404 for any other (or one already revoked). */
export async function revokeOrganizationToken(trx: Transaction, authenticator: Authenticator, subject: MerchantSubject, id: string): Promise<void> {
  const row = await visibleOrganizationTokens(trx, subject).where('id', '=', id).executeTakeFirst();
  if (!row) throw new ResourceNotFound();
  await revokeAccessToken(trx, authenticator, id);
}

export function registerAccessTokenResolvers(authenticator: Authenticator): void {
  authenticator.registerResolver(PERSONAL_TOKEN_PREFIX, resolveAccessToken);
  authenticator.registerResolver(ORGANIZATION_TOKEN_PREFIX, resolveAccessToken);
}
