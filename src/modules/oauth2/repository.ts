// The OAuth2 tables: clients, authorization codes, token pairs, consent grants.
import { sql } from 'kysely';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import type { OAuth2AuthorizationCodeRow, OAuth2ClientRow, OAuth2TokenRow, SubType } from '../../db/schema/oauth2.js';

export type Sub = { type: 'user'; id: string } | { type: 'organization'; id: string };

export function subColumns(sub: Sub): { sub_type: SubType; user_id: string | null; organization_id: string | null } {
  return { sub_type: sub.type, user_id: sub.type === 'user' ? sub.id : null, organization_id: sub.type === 'organization' ? sub.id : null };
}

export function subOf(row: { sub_type: SubType; user_id: string | null; organization_id: string | null }): Sub {
  return row.sub_type === 'user' ? { type: 'user', id: row.user_id! } : { type: 'organization', id: row.organization_id! };
}

export function findClient(db: Queryable, clientId: string): Promise<OAuth2ClientRow | undefined> {
  return db.selectFrom('oauth2_clients').selectAll().where('client_id', '=', clientId).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listClients(db: Queryable, userId: string, window: { limit: number; offset: number }): Promise<{ rows: OAuth2ClientRow[]; total: number }> {
  const base = db.selectFrom('oauth2_clients').where('user_id', '=', userId).where('deleted_at', 'is', null);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(window.limit).offset(window.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.count) };
}

/** The code for a client, locked until the transaction ends: a concurrent exchange waits, then finds it gone. */
export function lockAuthorizationCode(trx: Transaction, codeHash: string, clientId: string): Promise<OAuth2AuthorizationCodeRow | undefined> {
  return trx
    .selectFrom('oauth2_authorization_codes')
    .selectAll()
    .where('code_hash', '=', codeHash)
    .where('client_id', '=', clientId)
    .where('expires_at', '>', clock.now())
    .forUpdate()
    .executeTakeFirst();
}

/** Whether a code still waiting to be exchanged carries this nonce (a replayed authorization request). */
export async function nonceInUse(db: Queryable, clientId: string, nonce: string): Promise<boolean> {
  const row = await db
    .selectFrom('oauth2_authorization_codes')
    .select('id')
    .where('client_id', '=', clientId)
    .where('nonce', '=', nonce)
    .where('expires_at', '>', clock.now())
    .executeTakeFirst();
  return row !== undefined;
}

export type TokenHint = 'access_token' | 'refresh_token' | undefined;

/** The pair holding this token (either half unless a hint names one), and which half matched. */
export async function findToken(db: Queryable, tokenHash: string, hint: TokenHint, forUpdate = false): Promise<{ row: OAuth2TokenRow; half: 'access_token' | 'refresh_token' } | undefined> {
  let query = db.selectFrom('oauth2_tokens').selectAll();
  if (hint === 'access_token') query = query.where('access_token_hash', '=', tokenHash);
  else if (hint === 'refresh_token') query = query.where('refresh_token_hash', '=', tokenHash);
  else query = query.where((eb) => eb.or([eb('access_token_hash', '=', tokenHash), eb('refresh_token_hash', '=', tokenHash)]));
  const row = await (forUpdate ? query.forUpdate() : query).executeTakeFirst();
  if (!row) return undefined;
  return { row, half: row.access_token_hash === tokenHash ? 'access_token' : 'refresh_token' };
}

export function isRevoked(row: OAuth2TokenRow): boolean {
  return row.access_token_revoked_at !== null || row.refresh_token_revoked_at !== null;
}

export function accessTokenExpiresAt(row: Pick<OAuth2TokenRow, 'issued_at' | 'expires_in'>): Date {
  return new Date(row.issued_at.getTime() + row.expires_in * 1000);
}

function grantSubFilter(sub: Sub) {
  return sub.type === 'user' ? (['user_id', sub.id] as const) : (['organization_id', sub.id] as const);
}

export async function grantedScope(db: Queryable, clientId: string, sub: Sub): Promise<Set<string> | null> {
  const [column, id] = grantSubFilter(sub);
  const row = await db.selectFrom('oauth2_grants').select('scope').where('client_id', '=', clientId).where(column, '=', id).executeTakeFirst();
  return row ? new Set(row.scope.split(' ').filter(Boolean)) : null;
}

/**
 * Records what was consented to. As Polar's, the grant takes the scope of the latest consent (it
 * may narrow as well as widen): what the user last saw on the screen is what they agreed to.
 */
export async function saveGrant(trx: Transaction, clientId: string, sub: Sub, scope: string, id: string): Promise<void> {
  const [column] = grantSubFilter(sub);
  const now = clock.now();
  await trx
    .insertInto('oauth2_grants')
    .values({ id, created_at: now, client_id: clientId, user_id: sub.type === 'user' ? sub.id : null, organization_id: sub.type === 'organization' ? sub.id : null, scope })
    .onConflict((conflict) => conflict.columns(['client_id', column]).where(column, 'is not', null).doUpdateSet({ scope, modified_at: now }))
    .execute();
}
