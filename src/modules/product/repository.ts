// The only place the product tables (products, product_prices, product_benefits, product_medias,
// product_custom_fields) are read or written. A product is read with all it embeds in one query
// (JSON aggregates), so a page of products is one round trip however many relations it has.
import { sql, type Insertable, type SelectQueryBuilder } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { JsonRow } from '../../db/schema/organization.js';
import type { ProductPricesTable, ProductRow } from '../../db/schema/catalog.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { ProductSortField } from './schemas.js';

/** A product row with its relations as PostgreSQL renders them (JSON). */
export interface LoadedProduct extends ProductRow {
  prices: JsonPrice[];
  benefits: JsonBenefit[];
  medias: JsonFile[];
  attached_custom_fields: { order: number; required: boolean; custom_field: JsonCustomField }[];
}
export type JsonPrice = JsonRow<import('../../db/schema/catalog.js').ProductPriceRow>;
export type JsonBenefit = JsonRow<import('../../db/schema/catalog.js').BenefitRow>;
export type JsonFile = JsonRow<import('../../db/schema/catalog.js').FileRow>;
export type JsonCustomField = JsonRow<import('../../db/schema/catalog.js').CustomFieldRow>;

type ProductQuery = SelectQueryBuilder<Tables, 'products', LoadedProduct>;

function withRelations(db: Queryable): ProductQuery {
  return db
    .selectFrom('products')
    .selectAll('products')
    .select([
      sql<JsonPrice[]>`(SELECT coalesce(json_agg(pp ORDER BY pp.created_at, pp.position), '[]') FROM product_prices pp WHERE pp.product_id = products.id AND NOT pp.is_archived)`.as('prices'),
      sql<JsonBenefit[]>`(SELECT coalesce(json_agg(b ORDER BY pb."order"), '[]') FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id AND b.deleted_at IS NULL WHERE pb.product_id = products.id)`.as('benefits'),
      sql<JsonFile[]>`(SELECT coalesce(json_agg(f ORDER BY pm."order"), '[]') FROM product_medias pm JOIN files f ON f.id = pm.file_id AND f.deleted_at IS NULL WHERE pm.product_id = products.id)`.as('medias'),
      sql<LoadedProduct['attached_custom_fields']>`(SELECT coalesce(json_agg(json_build_object('order', pcf."order", 'required', pcf.required, 'custom_field', cf) ORDER BY pcf."order"), '[]') FROM product_custom_fields pcf JOIN custom_fields cf ON cf.id = pcf.custom_field_id AND cf.deleted_at IS NULL WHERE pcf.product_id = products.id)`.as('attached_custom_fields'),
    ]) as unknown as ProductQuery;
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedProduct | undefined> {
  return withRelations(db).where('products.id', '=', id).where(isVisibleOrganization(subject, 'products.organization_id')).executeTakeFirst();
}

export function findById(db: Queryable, id: string): Promise<LoadedProduct | undefined> {
  return withRelations(db).where('products.id', '=', id).executeTakeFirst();
}

export function findByIds(db: Queryable, organizationId: string, ids: readonly string[]): Promise<LoadedProduct[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return withRelations(db).where('products.organization_id', '=', organizationId).where('products.id', 'in', [...ids]).execute();
}

export interface ProductFilters {
  id?: string[];
  organizationId?: string[];
  query?: string;
  isArchived?: boolean;
  isRecurring?: boolean;
  benefitId?: string[];
}

/** Polar sorts by price on the product's first non-archived price (by creation). */
const FIRST_PRICE = sql`(SELECT fp FROM product_prices fp WHERE fp.product_id = products.id AND NOT fp.is_archived ORDER BY fp.created_at, fp.position LIMIT 1)`;
const SORT_EXPRESSIONS: Record<ProductSortField, ReturnType<typeof sql>> = {
  created_at: sql`products.created_at`,
  name: sql`products.name`,
  price_type: sql`(CASE (${FIRST_PRICE}).type WHEN 'one_time' THEN 1 WHEN 'recurring' THEN 2 END)`,
  price_amount_type: sql`(CASE (${FIRST_PRICE}).amount_type WHEN 'free' THEN 1 WHEN 'custom' THEN 2 WHEN 'fixed' THEN 3 END)`,
  price_amount: sql`(CASE (${FIRST_PRICE}).amount_type WHEN 'free' THEN -2 WHEN 'custom' THEN coalesce((${FIRST_PRICE}).minimum_amount, -1) ELSE (${FIRST_PRICE}).price_amount END)`,
};

export function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: ProductFilters,
  sorting: SortCriterion<ProductSortField>[],
  page: PageRequest,
): Promise<{ rows: LoadedProduct[]; totalCount: number }> {
  return paginate(visibleQuery(db, subject, filters, sorting), page);
}

/** The filtered, sorted products a subject may see, with their relations. */
export function visibleQuery(db: Queryable, subject: MerchantSubject, filters: ProductFilters, sorting: SortCriterion<ProductSortField>[]): ProductQuery {
  let query = withRelations(db).where(isVisibleOrganization(subject, 'products.organization_id'));
  if (filters.id) query = query.where('products.id', 'in', filters.id);
  if (filters.organizationId) query = query.where('products.organization_id', 'in', filters.organizationId);
  if (filters.query) query = query.where('products.name', 'ilike', `%${escapeLike(filters.query)}%`);
  if (filters.isArchived !== undefined) query = query.where('products.is_archived', '=', filters.isArchived);
  if (filters.isRecurring !== undefined) query = query.where('products.is_recurring', '=', filters.isRecurring);
  if (filters.benefitId) {
    const benefitIds = filters.benefitId;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('product_benefits').select('product_benefits.product_id').whereRef('product_benefits.product_id', '=', 'products.id').where('product_benefits.benefit_id', 'in', benefitIds)),
    );
  }
  for (const { field, direction } of sorting) {
    query = query.orderBy(sql`${SORT_EXPRESSIONS[field]} ${sql.raw(direction)}`);
  }
  return query;
}

/** The catalog version of each organization (0 before its first change), in the order given. */
export async function catalogVersions(db: Queryable, organizationIds: readonly string[]): Promise<number[]> {
  if (organizationIds.length === 0) return [];
  const rows = await db.selectFrom('catalog_versions').select(['organization_id', 'version']).where('organization_id', '=', sql<string>`ANY(${[...organizationIds]}::uuid[])`).execute();
  const versions = new Map(rows.map((row) => [row.organization_id, row.version]));
  return organizationIds.map((id) => versions.get(id) ?? 0);
}

/**
 * The catalog version of the organization named by `organizationColumn`, to select alongside a row
 * (a checkout, a price) so that what the row names can come from the catalog cache without another
 * round trip.
 */
export function catalogVersionOf(organizationColumn: string) {
  return sql<number>`coalesce((SELECT cv.version FROM catalog_versions cv WHERE cv.organization_id = ${sql.ref(organizationColumn)}), 0)`;
}

export function findPrice(db: Queryable, id: string) {
  return db
    .selectFrom('product_prices')
    .innerJoin('products', 'products.id', 'product_prices.product_id')
    .selectAll('product_prices')
    .select(['products.organization_id', catalogVersionOf('products.organization_id').as('catalog_version')])
    .where('product_prices.id', '=', id)
    .executeTakeFirst();
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The customer portal's search of orders and subscriptions: the product's name or the organization's slug. */
export function productOrOrganizationMatches(table: 'orders' | 'subscriptions', search: string) {
  const pattern = `%${escapeLike(search)}%`;
  return sql<boolean>`(EXISTS (SELECT 1 FROM products p WHERE p.id = ${sql.ref(`${table}.product_id`)} AND p.name ILIKE ${pattern})
    OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = ${sql.ref(`${table}.organization_id`)} AND o.slug ILIKE ${pattern}))`;
}

export async function insertProduct(trx: Transaction, values: Insertable<Tables['products']>): Promise<void> {
  await trx.insertInto('products').values(values).execute();
}

export async function updateProduct(trx: Transaction, id: string, values: Partial<Insertable<Tables['products']>>): Promise<void> {
  await trx.updateTable('products').set(values).where('id', '=', id).execute();
}

export function lockProduct(trx: Transaction, id: string): Promise<ProductRow | undefined> {
  return trx.selectFrom('products').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** In one statement, in the order given: their `position` follows it, and so does every read of them. */
export async function insertPrices(trx: Transaction, prices: Insertable<ProductPricesTable>[]): Promise<void> {
  if (prices.length > 0) await trx.insertInto('product_prices').values(prices).execute();
}

export function activePrices(trx: Transaction, productId: string) {
  return trx.selectFrom('product_prices').selectAll().where('product_id', '=', productId).where('is_archived', '=', false).orderBy('created_at').orderBy('position').execute();
}

export async function archivePrices(trx: Transaction, ids: string[], now: Date): Promise<void> {
  if (ids.length > 0) await trx.updateTable('product_prices').set({ is_archived: true, modified_at: now }).where('id', 'in', ids).execute();
}

export async function replaceMedias(trx: Transaction, productId: string, fileIds: string[], now: Date): Promise<void> {
  await trx.deleteFrom('product_medias').where('product_id', '=', productId).execute();
  if (fileIds.length > 0) {
    await trx.insertInto('product_medias').values(fileIds.map((fileId, order) => ({ product_id: productId, file_id: fileId, order, created_at: now }))).execute();
  }
}

export async function replaceCustomFields(trx: Transaction, productId: string, fields: { id: string; required: boolean }[], now: Date): Promise<void> {
  await trx.deleteFrom('product_custom_fields').where('product_id', '=', productId).execute();
  if (fields.length > 0) {
    await trx
      .insertInto('product_custom_fields')
      .values(fields.map((field, order) => ({ product_id: productId, custom_field_id: field.id, order, required: field.required, created_at: now })))
      .execute();
  }
}

export function benefitIdsOf(trx: Transaction, productId: string): Promise<string[]> {
  return trx.selectFrom('product_benefits').select('benefit_id').where('product_id', '=', productId).orderBy('order').execute().then((rows) => rows.map((row) => row.benefit_id));
}

export async function replaceBenefits(trx: Transaction, productId: string, benefitIds: string[], now: Date): Promise<void> {
  await trx.deleteFrom('product_benefits').where('product_id', '=', productId).execute();
  if (benefitIds.length > 0) {
    await trx.insertInto('product_benefits').values(benefitIds.map((benefitId, order) => ({ product_id: productId, benefit_id: benefitId, order, created_at: now }))).execute();
  }
}

/** Ids among `ids` that exist in `table` for the organization (not deleted), for body validation. */
export async function existingIds(
  db: Queryable,
  table: 'custom_fields' | 'benefits',
  organizationId: string,
  ids: string[],
): Promise<Map<string, { selectable?: boolean }>> {
  if (ids.length === 0) return new Map();
  if (table === 'benefits') {
    const rows = await db.selectFrom('benefits').select(['id', 'selectable']).where('organization_id', '=', organizationId).where('deleted_at', 'is', null).where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, { selectable: row.selectable }]));
  }
  const rows = await db.selectFrom('custom_fields').select('id').where('organization_id', '=', organizationId).where('deleted_at', 'is', null).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, {}]));
}

/** The plans a subscriber may move to: fixed recurring prices of live products of the organization. */
export function listPlans(db: Queryable, organizationId: string) {
  return db
    .selectFrom('product_prices')
    .innerJoin('products', 'products.id', 'product_prices.product_id')
    .select(['product_prices.id', 'products.name', 'product_prices.price_amount', 'product_prices.price_currency', 'product_prices.recurring_interval'])
    .where('products.organization_id', '=', organizationId)
    .where('products.is_archived', '=', false)
    .where('product_prices.is_archived', '=', false)
    .where('product_prices.type', '=', 'recurring')
    .where('product_prices.amount_type', '=', 'fixed')
    .orderBy('products.name')
    .orderBy('product_prices.price_amount')
    .execute();
}
