// The only place discounts and discount_products are read or written. `redemptions_count` is counted
// from discount_redemptions, the one record of uses (taken under a lock by checkout confirmation).
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { DiscountsTable } from '../../db/schema/catalog.js';
import type { Selectable } from 'kysely';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import { escapeLike } from '../product/repository.js';
import type { DiscountSortField } from './schemas.js';

export interface JsonDiscountProduct {
  id: string;
  created_at: string;
  modified_at: string | null;
  name: string;
  description: string | null;
  is_recurring: boolean;
  is_archived: boolean;
  organization_id: string;
}

export interface LoadedDiscount extends Selectable<DiscountsTable> {
  redemptions: number;
  products: JsonDiscountProduct[];
}

const REDEMPTIONS = sql<number>`(SELECT count(*) FROM discount_redemptions dr WHERE dr.discount_id = discounts.id)`;

function withRelations(db: Queryable) {
  return db
    .selectFrom('discounts')
    .selectAll('discounts')
    .select([
      REDEMPTIONS.as('redemptions'),
      sql<JsonDiscountProduct[]>`(SELECT coalesce(json_agg(json_build_object('id', p.id, 'created_at', p.created_at, 'modified_at', p.modified_at, 'name', p.name, 'description', p.description, 'is_recurring', p.is_recurring, 'is_archived', p.is_archived, 'organization_id', p.organization_id) ORDER BY p.created_at), '[]') FROM discount_products dp JOIN products p ON p.id = dp.product_id WHERE dp.discount_id = discounts.id)`.as('products'),
    ]);
}

/** A discount by id, deleted or not: orders keep showing the discount they used. */
export function findById(db: Queryable, id: string): Promise<LoadedDiscount | undefined> {
  return withRelations(db).where('discounts.id', '=', id).executeTakeFirst();
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedDiscount | undefined> {
  return withRelations(db).where('discounts.id', '=', id).where('discounts.deleted_at', 'is', null).where(isVisibleOrganization(subject, 'discounts.organization_id')).executeTakeFirst();
}

export function findByCode(db: Queryable, organizationId: string, code: string): Promise<LoadedDiscount | undefined> {
  return withRelations(db)
    .where('discounts.organization_id', '=', organizationId)
    .where(sql<string>`lower(discounts.code)`, '=', code.toLowerCase())
    .where('discounts.deleted_at', 'is', null)
    .executeTakeFirst();
}

const SORT_EXPRESSIONS: Record<DiscountSortField, ReturnType<typeof sql>> = {
  created_at: sql`discounts.created_at`,
  name: sql`discounts.name`,
  code: sql`discounts.code`,
  redemptions_count: REDEMPTIONS,
};

export function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: { organizationId?: string[]; query?: string },
  sorting: SortCriterion<DiscountSortField>[],
  page: PageRequest,
): Promise<{ rows: LoadedDiscount[]; totalCount: number }> {
  let query = withRelations(db).where('discounts.deleted_at', 'is', null).where(isVisibleOrganization(subject, 'discounts.organization_id'));
  if (filters.organizationId) query = query.where('discounts.organization_id', 'in', filters.organizationId);
  if (filters.query) {
    const pattern = `%${escapeLike(filters.query)}%`;
    query = query.where((eb) => eb.or([eb('discounts.name', 'ilike', pattern), eb('discounts.code', 'ilike', pattern)]));
  }
  for (const { field, direction } of sorting) query = query.orderBy(sql`${SORT_EXPRESSIONS[field]} ${sql.raw(direction)}`);
  return paginate(query.orderBy('discounts.id'), page);
}

export async function codeTaken(db: Queryable, organizationId: string, code: string, exceptId?: string): Promise<boolean> {
  let query = db
    .selectFrom('discounts')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(code)`, '=', code.toLowerCase())
    .where('deleted_at', 'is', null);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Ids among `ids` that are products of the organization. */
export async function existingProductIds(db: Queryable, organizationId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('products').select('id').where('organization_id', '=', organizationId).where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}

export async function insert(trx: Transaction, values: Insertable<Tables['discounts']>): Promise<void> {
  await trx.insertInto('discounts').values(values).execute();
}

export async function update(trx: Transaction, id: string, values: Updateable<Tables['discounts']>): Promise<void> {
  await trx.updateTable('discounts').set(values).where('id', '=', id).execute();
}

export async function replaceProducts(trx: Transaction, discountId: string, productIds: string[]): Promise<void> {
  await trx.deleteFrom('discount_products').where('discount_id', '=', discountId).execute();
  if (productIds.length > 0) await trx.insertInto('discount_products').values(productIds.map((productId) => ({ discount_id: discountId, product_id: productId }))).execute();
}
