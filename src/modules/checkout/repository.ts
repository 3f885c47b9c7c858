// The only place the checkouts table is read or written. Rows come with their organization's
// catalog version, so the product, price and organization they name can come from the catalog
// cache (product/service.ts findProductAt) without another round trip.
import type { Insertable, Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CheckoutRow } from '../../db/schema/commerce.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction, Writer } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import { catalogVersionOf } from '../product/repository.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { CheckoutSortField } from './schemas.js';

/** A checkout row and the catalog version its organization had when it was read. */
export type VersionedCheckout = CheckoutRow & { catalog_version?: number };

const CATALOG_VERSION = catalogVersionOf('checkouts.organization_id').as('catalog_version');

export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<VersionedCheckout | undefined> {
  return db.selectFrom('checkouts').selectAll().select(CATALOG_VERSION).where('id', '=', id).where(isVisibleOrganization(subject, 'checkouts.organization_id')).executeTakeFirst();
}

export function findByClientSecret(db: Queryable, clientSecret: string): Promise<VersionedCheckout | undefined> {
  return db.selectFrom('checkouts').selectAll().select(CATALOG_VERSION).where('client_secret', '=', clientSecret).executeTakeFirst();
}

/** Only the status, for what needs no more (an event stream's start). */
export async function statusByClientSecret(db: Queryable, clientSecret: string): Promise<CheckoutRow['status'] | undefined> {
  return (await db.selectFrom('checkouts').select('status').where('client_secret', '=', clientSecret).executeTakeFirst())?.status;
}

export function findById(db: Queryable, id: string): Promise<VersionedCheckout | undefined> {
  return db.selectFrom('checkouts').selectAll().select(CATALOG_VERSION).where('id', '=', id).executeTakeFirst();
}

/** The checkout of a client secret, locked until the transaction ends. */
export function lockByClientSecret(trx: Transaction, clientSecret: string): Promise<VersionedCheckout | undefined> {
  return trx.selectFrom('checkouts').selectAll().select(CATALOG_VERSION).where('client_secret', '=', clientSecret).forUpdate().executeTakeFirst();
}

/** The checkout, locked for the rest of the transaction: one state change at a time. */
export function lock(trx: Transaction, id: string): Promise<VersionedCheckout | undefined> {
  return trx.selectFrom('checkouts').selectAll().select(CATALOG_VERSION).where('id', '=', id).forUpdate().executeTakeFirst();
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

/** An insert of a checkout, to be run by the caller (as a transaction's last statement, see commitWith). */
export function insertStatement(writer: Writer, values: Insertable<Tables['checkouts']>) {
  return writer.insertInto('checkouts').values(values);
}

export function update(trx: Transaction, id: string, values: Updateable<Tables['checkouts']>): Promise<VersionedCheckout> {
  return trx.updateTable('checkouts').set(values).where('id', '=', id).returningAll().returning(CATALOG_VERSION).executeTakeFirstOrThrow();
}

/** The same update, to be run by the caller (as a transaction's last statement, see commitWith). */
export function updateStatement(writer: Writer, id: string, values: Updateable<Tables['checkouts']>) {
  return writer.updateTable('checkouts').set(values).where('id', '=', id);
}

/** Open checkouts whose time has passed, locked for expiring. */
export function lockExpired(trx: Transaction, now: Date, limit: number, organizationId?: string): Promise<CheckoutRow[]> {
  let query = trx.selectFrom('checkouts').selectAll().where('status', '=', 'open').where('expires_at', '<=', now);
  if (organizationId) query = query.where('organization_id', '=', organizationId);
  return query.orderBy('expires_at').limit(limit).forUpdate().skipLocked().execute();
}

/** When the organization's first open checkout expires, if by `until`. */
export async function earliestExpiry(db: Queryable, organizationId: string, until: Date): Promise<Date | undefined> {
  const row = await db.selectFrom('checkouts').select('expires_at').where('organization_id', '=', organizationId).where('status', '=', 'open').where('expires_at', '<=', until).orderBy('expires_at').limit(1).executeTakeFirst();
  return row?.expires_at;
}
