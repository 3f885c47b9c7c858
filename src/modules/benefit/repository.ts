// The only place benefits and benefit_grants are read or written here. Benefits are soft-deleted;
// deleting one detaches it from every product.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { BenefitGrantRow, BenefitRow, BenefitType } from '../../db/schema/catalog.js';
import type { CustomerRow } from '../../db/schema/commerce.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

function visible(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('benefits').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'benefits.organization_id'));
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<BenefitRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

export function listVisible(db: Queryable, subject: MerchantSubject, filters: { organizationId?: string[]; types?: BenefitType[] }, page: PageRequest) {
  let query = visible(db, subject);
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.types) query = query.where('type', 'in', filters.types);
  return paginate(query.orderBy('created_at', 'desc').orderBy('id'), page);
}

export async function insert(trx: Transaction, values: Insertable<Tables['benefits']>): Promise<BenefitRow> {
  return trx.insertInto('benefits').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function update(trx: Transaction, id: string, values: Updateable<Tables['benefits']>): Promise<BenefitRow> {
  return trx.updateTable('benefits').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function detachFromProducts(trx: Transaction, id: string): Promise<void> {
  await trx.deleteFrom('product_benefits').where('benefit_id', '=', id).execute();
}

export interface LoadedGrant extends BenefitGrantRow {
  customer: { [K in keyof CustomerRow]: CustomerRow[K] extends Date ? string : CustomerRow[K] extends Date | null ? string | null : CustomerRow[K] };
}

export function listGrants(
  db: Queryable,
  benefitId: string,
  filters: { isGranted?: boolean; customerId?: string[] },
  page: PageRequest,
): Promise<{ rows: LoadedGrant[]; totalCount: number }> {
  let query = db
    .selectFrom('benefit_grants')
    .selectAll('benefit_grants')
    .select(sql<LoadedGrant['customer']>`(SELECT row_to_json(c) FROM customers c WHERE c.id = benefit_grants.customer_id)`.as('customer'))
    .where('benefit_id', '=', benefitId)
    .where('deleted_at', 'is', null);
  if (filters.isGranted !== undefined) query = query.where('granted_at', filters.isGranted ? 'is not' : 'is', null);
  if (filters.customerId) query = query.where('customer_id', 'in', filters.customerId);
  return paginate(query.orderBy('created_at', 'desc').orderBy('id'), page);
}
