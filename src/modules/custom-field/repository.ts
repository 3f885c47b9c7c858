// The only place custom_fields is written. A field is soft-deleted (its slug becomes free again);
// its attachments to products go with it.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CustomFieldRow } from '../../db/schema/catalog.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import { escapeLike } from '../product/repository.js';
import type { CustomFieldSortField, CustomFieldType } from './schemas.js';

function visible(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('custom_fields').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'custom_fields.organization_id'));
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<CustomFieldRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

export interface CustomFieldFilters {
  organizationId?: string[];
  query?: string;
  types?: CustomFieldType[];
}

export function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: CustomFieldFilters,
  sorting: SortCriterion<CustomFieldSortField>[],
  page: PageRequest,
): Promise<{ rows: CustomFieldRow[]; totalCount: number }> {
  let query = visible(db, subject);
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.query) {
    const pattern = `%${escapeLike(filters.query)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('slug', 'ilike', pattern)]));
  }
  if (filters.types) query = query.where('type', 'in', filters.types);
  for (const { field, direction } of sorting) query = query.orderBy(field, direction);
  return paginate(query.orderBy('id'), page);
}

export async function slugTaken(db: Queryable, organizationId: string, slug: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('custom_fields').select('id').where('organization_id', '=', organizationId).where('slug', '=', slug).where('deleted_at', 'is', null);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function insert(trx: Transaction, values: Insertable<Tables['custom_fields']>): Promise<CustomFieldRow> {
  return trx.insertInto('custom_fields').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function update(trx: Transaction, id: string, values: Updateable<Tables['custom_fields']>): Promise<CustomFieldRow> {
  return trx.updateTable('custom_fields').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function softDelete(trx: Transaction, id: string, now: Date): Promise<void> {
  await trx.updateTable('custom_fields').set({ deleted_at: now, modified_at: now }).where('id', '=', id).execute();
  await trx.deleteFrom('product_custom_fields').where('custom_field_id', '=', id).execute();
}

/**
 * Values collected for a field are stored under its slug (custom_field_data of checkouts, orders
 * and subscriptions); renaming the slug moves them, as Polar does.
 */
export async function renameSlugInData(trx: Transaction, organizationId: string, from: string, to: string): Promise<void> {
  for (const table of ['checkouts', 'orders', 'subscriptions'] as const) {
    await sql`UPDATE ${sql.table(table)}
      SET custom_field_data = (custom_field_data - ${from}::text) || jsonb_build_object(${to}::text, custom_field_data -> ${from}::text)
      WHERE organization_id = ${organizationId} AND custom_field_data ? ${from}::text`.execute(trx);
  }
}
