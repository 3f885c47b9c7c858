// The only place checkout_links is read or written. Links are soft-deleted.
import type { Insertable, Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CheckoutLinkRow } from '../../db/schema/commerce.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

function visible(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('checkout_links').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'checkout_links.organization_id'));
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<CheckoutLinkRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

export function findByClientSecret(db: Queryable, clientSecret: string): Promise<CheckoutLinkRow | undefined> {
  return db.selectFrom('checkout_links').selectAll().where('client_secret', '=', clientSecret).where('deleted_at', 'is', null).executeTakeFirst();
}

export function listVisible(db: Queryable, subject: MerchantSubject, filters: { organizationId?: string[]; productId?: string[] }, direction: 'asc' | 'desc', page: PageRequest) {
  let query = visible(db, subject);
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.productId) query = query.where('product_id', 'in', filters.productId);
  return paginate(query.orderBy('created_at', direction).orderBy('id'), page);
}

export function insert(trx: Transaction, values: Insertable<Tables['checkout_links']>): Promise<CheckoutLinkRow> {
  return trx.insertInto('checkout_links').values(values).returningAll().executeTakeFirstOrThrow();
}

export function update(trx: Transaction, id: string, values: Updateable<Tables['checkout_links']>): Promise<CheckoutLinkRow> {
  return trx.updateTable('checkout_links').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
