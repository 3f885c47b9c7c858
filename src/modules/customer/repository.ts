// The only place the customers table (and their saved cards, payment_methods) is read or written. Customers are soft-deleted; an email is
// unique among an organization's living customers, whatever its case.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CustomerRow, PaymentMethodRow } from '../../db/schema/commerce.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import { escapeLike } from '../product/repository.js';
import type { CustomerSortField } from './schemas.js';

function visible(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('customers').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'customers.organization_id'));
}

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<CustomerRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

export function findById(db: Queryable, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByIds(db: Queryable, ids: readonly string[]): Promise<CustomerRow[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
}

export function findByEmail(db: Queryable, organizationId: string, email: string): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Creates the customer of this email, or sets the name and billing address given (those not null) on the one there is. */
export async function upsertByEmail(
  trx: Transaction,
  values: { id: string; now: Date; organizationId: string; email: string; name: string | null; billingAddress: object | null },
): Promise<CustomerRow> {
  const address = values.billingAddress === null ? null : JSON.stringify(values.billingAddress);
  const result = await sql<CustomerRow>`
    INSERT INTO customers (id, created_at, organization_id, email, name, billing_address)
    VALUES (${values.id}, ${values.now}, ${values.organizationId}, ${values.email}, ${values.name}, ${address}::jsonb)
    ON CONFLICT (organization_id, lower(email)) WHERE deleted_at IS NULL DO UPDATE SET
      name = coalesce(EXCLUDED.name, customers.name),
      billing_address = coalesce(EXCLUDED.billing_address, customers.billing_address),
      modified_at = CASE WHEN EXCLUDED.name IS NULL AND EXCLUDED.billing_address IS NULL THEN customers.modified_at ELSE EXCLUDED.created_at END
    RETURNING *`.execute(trx);
  return result.rows[0]!;
}

/**
 * upsertByEmail for many customers in one statement (emails distinct, case-insensitively, within the
 * call): answers every customer, created or found.
 */
export async function upsertManyByEmail(
  trx: Transaction,
  values: { now: Date; organizationId: string; customers: { id: string; email: string; name: string | null; billingAddress: object | null }[] },
): Promise<CustomerRow[]> {
  if (values.customers.length === 0) return [];
  const rows = values.customers.map((customer) => ({ id: customer.id, email: customer.email, name: customer.name, billing_address: customer.billingAddress }));
  const result = await sql<CustomerRow>`
    INSERT INTO customers (id, created_at, organization_id, email, name, billing_address)
    SELECT c.id, ${values.now}, ${values.organizationId}, c.email, c.name, c.billing_address
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS c(id uuid, email text, name text, billing_address jsonb)
    ON CONFLICT (organization_id, lower(email)) WHERE deleted_at IS NULL DO UPDATE SET
      name = coalesce(EXCLUDED.name, customers.name),
      billing_address = coalesce(EXCLUDED.billing_address, customers.billing_address),
      modified_at = CASE WHEN EXCLUDED.name IS NULL AND EXCLUDED.billing_address IS NULL THEN customers.modified_at ELSE EXCLUDED.created_at END
    RETURNING *`.execute(trx);
  return result.rows;
}

export function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: { organizationId?: string[]; query?: string },
  sorting: SortCriterion<CustomerSortField>[],
  page: PageRequest,
): Promise<{ rows: CustomerRow[]; totalCount: number }> {
  let query = visible(db, subject);
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.query) {
    const pattern = `%${escapeLike(filters.query)}%`;
    query = query.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('name', 'ilike', pattern)]));
  }
  for (const { field, direction } of sorting) query = query.orderBy(field, direction);
  return paginate(query.orderBy('id'), page);
}

export function insert(trx: Transaction, values: Insertable<Tables['customers']>): Promise<CustomerRow> {
  return trx.insertInto('customers').values(values).returningAll().executeTakeFirstOrThrow();
}

export function update(trx: Transaction, id: string, values: Updateable<Tables['customers']>): Promise<CustomerRow> {
  return trx.updateTable('customers').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function insertPaymentMethod(trx: Transaction, row: PaymentMethodRow): Promise<unknown> {
  return trx.insertInto('payment_methods').values(row).execute();
}

export async function insertPaymentMethods(trx: Transaction, rows: PaymentMethodRow[]): Promise<void> {
  if (rows.length > 0) await trx.insertInto('payment_methods').values(rows).execute();
}

export function findPaymentMethodsByIds(db: Queryable, ids: readonly string[]): Promise<PaymentMethodRow[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.selectFrom('payment_methods').selectAll().where('id', 'in', ids).execute();
}
