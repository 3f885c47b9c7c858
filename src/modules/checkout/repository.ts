// The only place the checkouts table is read or written.
import type { Insertable, Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CheckoutRow } from '../../db/schema/commerce.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { CheckoutSortField } from './schemas.js';

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<CheckoutRow | undefined> {
  return db.selectFrom('checkouts').selectAll().where('id', '=', id).where(isVisibleOrganization(subject, 'checkouts.organization_id')).executeTakeFirst();
}

export function findByClientSecret(db: Queryable, clientSecret: string): Promise<CheckoutRow | undefined> {
  return db.selectFrom('checkouts').selectAll().where('client_secret', '=', clientSecret).executeTakeFirst();
}

export function findById(db: Queryable, id: string): Promise<CheckoutRow | undefined> {
  return db.selectFrom('checkouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The checkout, locked for the rest of the transaction: one state change at a time. */
/** The checkout of a client secret, locked until the transaction ends. */
export function lockByClientSecret(trx: Transaction, clientSecret: string): Promise<CheckoutRow | undefined> {
  return trx.selectFrom('checkouts').selectAll().where('client_secret', '=', clientSecret).forUpdate().executeTakeFirst();
}

export function lock(trx: Transaction, id: string): Promise<CheckoutRow | undefined> {
  return trx.selectFrom('checkouts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: { organizationId?: string[]; productId?: string[] },
  sorting: SortCriterion<CheckoutSortField>[],
  page: PageRequest,
) {
  let query = db.selectFrom('checkouts').selectAll().where(isVisibleOrganization(subject, 'checkouts.organization_id'));
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.productId) query = query.where('product_id', 'in', filters.productId);
  for (const { field, direction } of sorting) query = query.orderBy(field, direction);
  return paginate(query.orderBy('id'), page);
}

export function insert(trx: Transaction, values: Insertable<Tables['checkouts']>): Promise<CheckoutRow> {
  return trx.insertInto('checkouts').values(values).returningAll().executeTakeFirstOrThrow();
}

export function update(trx: Transaction, id: string, values: Updateable<Tables['checkouts']>): Promise<CheckoutRow> {
  return trx.updateTable('checkouts').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Open checkouts whose time has passed, locked for expiring. */
export function lockExpired(trx: Transaction, now: Date, limit: number): Promise<CheckoutRow[]> {
  return trx.selectFrom('checkouts').selectAll().where('status', '=', 'open').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).forUpdate().skipLocked().execute();
}
