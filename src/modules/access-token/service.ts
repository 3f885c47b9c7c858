// Access tokens: personal (`polar_pat_`, acting as a user in the organizations they belong to) and
// organization (`polar_oat_`, acting as one organization). Only an HMAC of the value is stored; the
// value itself is shown once, at creation. Revocation and expiry take effect within the
// authenticator's cache window.
import type { Authenticator, ResolvedToken, Scope } from '../../kit/auth.js';
import { membershipsOf, SCOPES } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { newId } from '../../kit/ids.js';
import { clock } from '../../kit/clock.js';
import { generateToken } from './token.js';

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

export function registerAccessTokenResolvers(authenticator: Authenticator): void {
  authenticator.registerResolver(PERSONAL_TOKEN_PREFIX, resolveAccessToken);
  authenticator.registerResolver(ORGANIZATION_TOKEN_PREFIX, resolveAccessToken);
}
