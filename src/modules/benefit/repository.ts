// The only place benefits and benefit_grants are read or written here. Benefits are soft-deleted;
// deleting one detaches it from every product.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { BenefitGrantRow, BenefitRow, BenefitType } from '../../db/schema/catalog.js';
import type { CustomerRow } from '../../db/schema/commerce.js';
import type { JsonRow } from '../../db/schema/organization.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';

function visible(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('benefits').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'benefits.organization_id'));
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<BenefitRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

/** A benefit by id and type, whoever asks (public lists, as Polar's advertisements, name one). */
export function findByIdAndType(db: Queryable, id: string, type: BenefitType): Promise<BenefitRow | undefined> {
  return db.selectFrom('benefits').selectAll().where('deleted_at', 'is', null).where('id', '=', id).where('type', '=', type).executeTakeFirst();
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
  customer: JsonRow<CustomerRow>;
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

export interface CustomerGrant extends BenefitGrantRow {
  benefit: JsonRow<BenefitRow>;
}

export type CustomerGrantSortField = 'granted_at' | 'type' | 'organization';

const GRANT_SORT_EXPRESSIONS: Record<CustomerGrantSortField, ReturnType<typeof sql>> = {
  granted_at: sql`benefit_grants.granted_at`,
  type: sql`benefits.type`,
  organization: sql`(SELECT o.slug FROM organizations o WHERE o.id = benefits.organization_id)`,
};

/** A customer's grants that are not revoked, with their benefit (the customer portal). */
function customerGrants(db: Queryable, customerId: string) {
  return db
    .selectFrom('benefit_grants')
    .innerJoin('benefits', 'benefits.id', 'benefit_grants.benefit_id')
    .selectAll('benefit_grants')
    .select(sql<CustomerGrant['benefit']>`row_to_json(benefits)`.as('benefit'))
    .where('benefit_grants.customer_id', '=', customerId)
    .where('benefit_grants.revoked_at', 'is', null)
    .where('benefit_grants.deleted_at', 'is', null);
}

export function findCustomerGrant(db: Queryable, customerId: string, id: string): Promise<CustomerGrant | undefined> {
  return customerGrants(db, customerId).where('benefit_grants.id', '=', id).executeTakeFirst();
}

export function listCustomerGrants(
  db: Queryable,
  customerId: string,
  filters: { type?: BenefitType[]; benefitId?: string[]; organizationId?: string[]; checkoutId?: string[]; orderId?: string[]; subscriptionId?: string[] },
  sorting: SortCriterion<CustomerGrantSortField>[],
  page: PageRequest,
): Promise<{ rows: CustomerGrant[]; totalCount: number }> {
  let query = customerGrants(db, customerId);
  if (filters.type) query = query.where('benefits.type', 'in', filters.type);
  if (filters.benefitId) query = query.where('benefit_grants.benefit_id', 'in', filters.benefitId);
  if (filters.organizationId) query = query.where('benefits.organization_id', 'in', filters.organizationId);
  if (filters.orderId) query = query.where('benefit_grants.order_id', 'in', filters.orderId);
  if (filters.subscriptionId) query = query.where('benefit_grants.subscription_id', 'in', filters.subscriptionId);
  if (filters.checkoutId) {
    const checkouts = filters.checkoutId;
    query = query.where(sql<boolean>`(EXISTS (SELECT 1 FROM orders o WHERE o.id = benefit_grants.order_id AND o.checkout_id = ANY(${checkouts}::uuid[]))
      OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = benefit_grants.subscription_id AND s.checkout_id = ANY(${checkouts}::uuid[])))`);
  }
  for (const { field, direction } of sorting) query = query.orderBy(sql`${GRANT_SORT_EXPRESSIONS[field]} ${sql.raw(direction)}`);
  return paginate(query.orderBy('benefit_grants.id'), page);
}

export async function updateGrantProperties(trx: Transaction, id: string, properties: Record<string, unknown>, now: Date): Promise<void> {
  await trx.updateTable('benefit_grants').set({ properties: JSON.stringify(properties), modified_at: now }).where('id', '=', id).execute();
}
