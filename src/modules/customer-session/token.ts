// Customer session tokens (`polar_cst_…`): what a checkout's confirmation and
// `POST /v1/customer-sessions/` hand out, and what the customer portal authenticates with. Stored
// only as an HMAC, valid for an hour as Polar's, and seeing nothing but their customer.
import type { Authenticator, ResolvedToken } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import { insertBeforeCommit, type Queryable, type Transaction } from '../../kit/db.js';
import { newId } from '../../kit/ids.js';
import { generateToken } from '../access-token/token.js';

export const CUSTOMER_SESSION_TOKEN_PREFIX = 'polar_cst_';
const CUSTOMER_SESSION_TTL_MS = 60 * 60 * 1000;
const CUSTOMER_SCOPES = new Set(['customer_portal:read', 'customer_portal:write']);

export async function createCustomerSessionToken(
  trx: Transaction,
  authenticator: Authenticator,
  customerId: string,
): Promise<{ id: string; token: string; createdAt: Date; expiresAt: Date }> {
  const token = generateToken(CUSTOMER_SESSION_TOKEN_PREFIX);
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + CUSTOMER_SESSION_TTL_MS);
  const id = newId();
  // Nothing reads it before the transaction commits: written with its last statement.
  insertBeforeCommit(trx, 'customer_sessions', [{ id, token_hash: authenticator.hashToken(token), customer_id: customerId, expires_at: expiresAt, created_at: now }]);
  return { id, token, createdAt: now, expiresAt };
}

async function resolveCustomerSession(db: Queryable, tokenHash: string): Promise<ResolvedToken | null> {
  const row = await db
    .selectFrom('customer_sessions')
    .innerJoin('customers', 'customers.id', 'customer_sessions.customer_id')
    .select(['customers.id as customer_id', 'customers.organization_id', 'customer_sessions.expires_at'])
    .where('customer_sessions.token_hash', '=', tokenHash)
    .where('customers.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  return {
    subject: { kind: 'customer', customerId: row.customer_id, organizationId: row.organization_id, scopes: CUSTOMER_SCOPES },
    expiresAt: row.expires_at,
  };
}

export function registerCustomerSessionResolver(authenticator: Authenticator): void {
  authenticator.registerResolver(CUSTOMER_SESSION_TOKEN_PREFIX, resolveCustomerSession);
}
