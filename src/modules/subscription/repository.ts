// The only place the subscriptions table is read or written.
import { sql, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { SubscriptionRow } from '../../db/schema/commerce.js';
import { isVisibleRecord, type CustomerSubject, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction, Writer } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import { productOrOrganizationMatches } from '../product/repository.js';
import type { SubscriptionSortField } from './schemas.js';

export const ACTIVE_STATUSES = ['trialing', 'active'] as const;
export const REVOKED_STATUSES = ['past_due', 'canceled', 'unpaid'] as const;

const SORT_EXPRESSIONS: Record<SubscriptionSortField | 'organization', ReturnType<typeof sql>> = {
  customer: sql`(SELECT c.email FROM customers c WHERE c.id = subscriptions.customer_id)`,
  status: sql`subscriptions.status`,
  started_at: sql`subscriptions.started_at`,
  current_period_end: sql`subscriptions.current_period_end`,
  amount: sql`subscriptions.amount`,
  product: sql`(SELECT p.name FROM products p WHERE p.id = subscriptions.product_id)`,
  organization: sql`(SELECT o.slug FROM organizations o WHERE o.id = subscriptions.organization_id)`,
};

type Viewer = MerchantSubject | CustomerSubject;

function visible(db: Queryable, subject: Viewer) {
  // Only subscriptions that started are shown, as Polar's.
  return db.selectFrom('subscriptions').selectAll().where('started_at', 'is not', null).where(isVisibleRecord(subject, 'subscriptions'));
}

export function findVisibleById(db: Queryable, subject: Viewer, id: string): Promise<SubscriptionRow | undefined> {
  return visible(db, subject).where('id', '=', id).executeTakeFirst();
}

export function lock(trx: Transaction, id: string): Promise<SubscriptionRow | undefined> {
  return trx.selectFrom('subscriptions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Subscriptions whose billing work fell due by `until` (of one organization, when given), earliest
 * first, locked: other workers skip them and take the next ones (`waitForLock`: waits instead).
 */
export function lockDue(trx: Transaction, scope: { organizationId?: string; subscriptionId?: string; until: Date; limit: number; waitForLock?: boolean }): Promise<SubscriptionRow[]> {
  let query = trx.selectFrom('subscriptions').selectAll().where('due_at', '<=', scope.until);
  if (scope.organizationId) query = query.where('organization_id', '=', scope.organizationId);
  if (scope.subscriptionId) query = query.where('id', '=', scope.subscriptionId);
  query = query.orderBy('due_at').orderBy('id').limit(scope.limit).forUpdate();
  return (scope.waitForLock ? query : query.skipLocked()).execute();
}

/** The earliest billing work of the organization due by `until`, if any. */
export async function earliestDue(db: Queryable, organizationId: string, until: Date): Promise<Date | undefined> {
  const row = await db.selectFrom('subscriptions').select('due_at').where('organization_id', '=', organizationId).where('due_at', '<=', until).orderBy('due_at').limit(1).executeTakeFirst();
  return row?.due_at ?? undefined;
}

/** The columns billing changes. */
export type BillingChange = Pick<
  SubscriptionRow,
  'id' | 'status' | 'current_period_start' | 'current_period_end' | 'due_at' | 'payment_attempts' | 'proration_amount' | 'canceled_at' | 'ended_at' | 'modified_at'
>;

/**
 * One UPDATE setting each subscription to its own values: `changes` go as one JSON record set,
 * read with the given columns and their PostgreSQL types.
 */
function updateEach<T extends { id: string }>(writer: Writer, changes: T[], columns: Record<Exclude<keyof T, 'id'> & string, string>) {
  const names = Object.keys(columns) as (Exclude<keyof T, 'id'> & string)[];
  const record = sql.raw(`change(id uuid, ${names.map((name) => `${name} ${columns[name]}`).join(', ')})`);
  return writer
    .updateTable('subscriptions')
    .from(sql<{ id: string }>`jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)`.as(record))
    .set(Object.fromEntries(names.map((name) => [name, sql.ref(`change.${name}`)])) as Updateable<Tables['subscriptions']>)
    .whereRef('subscriptions.id', '=', sql.ref('change.id'));
}

/** One statement writing the billing changes of many subscriptions (the last of a batch's transaction). */
export function writeBillingChanges(writer: Writer, changes: BillingChange[]) {
  return updateEach(writer, changes, {
    status: 'text', current_period_start: 'timestamptz', current_period_end: 'timestamptz', due_at: 'timestamptz', payment_attempts: 'integer',
    proration_amount: 'integer', canceled_at: 'timestamptz', ended_at: 'timestamptz', modified_at: 'timestamptz',
  });
}

export interface SubscriptionFilters {
  organizationId?: string[];
  productId?: string[];
  customerId?: string[];
  discountId?: string[];
  active?: boolean;
  /** The product's name or the organization's slug contains it (the customer portal's search). */
  query?: string;
}

function filtered(db: Queryable, subject: Viewer, filters: SubscriptionFilters) {
  let query = visible(db, subject);
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  if (filters.productId) query = query.where('product_id', 'in', filters.productId);
  if (filters.customerId) query = query.where('customer_id', 'in', filters.customerId);
  if (filters.discountId) query = query.where('discount_id', 'in', filters.discountId);
  if (filters.active !== undefined) query = query.where('status', 'in', filters.active ? [...ACTIVE_STATUSES] : [...REVOKED_STATUSES]);
  if (filters.query) query = query.where(productOrOrganizationMatches('subscriptions', filters.query));
  return query;
}

export function listVisible(db: Queryable, subject: Viewer, filters: SubscriptionFilters, sorting: SortCriterion<SubscriptionSortField | 'organization'>[], page: PageRequest) {
  let query = filtered(db, subject, filters);
  for (const { field, direction } of sorting) query = query.orderBy(sql`${SORT_EXPRESSIONS[field]} ${sql.raw(direction)}`);
  return paginate(query.orderBy('id'), page);
}

export function listAllVisible(db: Queryable, subject: MerchantSubject, filters: SubscriptionFilters): Promise<SubscriptionRow[]> {
  return filtered(db, subject, filters).orderBy('started_at', 'desc').orderBy('id').execute();
}

export function update(trx: Transaction, id: string, values: Updateable<Tables['subscriptions']>): Promise<SubscriptionRow> {
  return trx.updateTable('subscriptions').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** The organization's subscriptions, counted by status. */
export async function countByStatus(db: Queryable, organizationId: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('subscriptions').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).where('organization_id', '=', organizationId).groupBy('status').execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Subscriptions by id, visible to the subject, locked (in id order, so concurrent lockers never deadlock). */
export function lockVisibleMany(trx: Transaction, subject: Viewer, ids: readonly string[]): Promise<SubscriptionRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return visible(trx, subject).where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

/** The columns a cancellation changes. */
export type Cancellation = Pick<
  SubscriptionRow,
  'id' | 'status' | 'cancel_at_period_end' | 'canceled_at' | 'ends_at' | 'ended_at' | 'due_at' | 'customer_cancellation_reason' | 'customer_cancellation_comment' | 'modified_at'
>;

/** One statement writing many cancellations; answers the subscriptions as they now are. */
export async function writeCancellations(trx: Transaction, changes: Cancellation[]): Promise<SubscriptionRow[]> {
  if (changes.length === 0) return [];
  await updateEach(trx, changes, {
    status: 'text', cancel_at_period_end: 'boolean', canceled_at: 'timestamptz', ends_at: 'timestamptz', ended_at: 'timestamptz', due_at: 'timestamptz',
    customer_cancellation_reason: 'text', customer_cancellation_comment: 'text', modified_at: 'timestamptz',
  }).execute();
  return trx.selectFrom('subscriptions').selectAll().where('id', 'in', changes.map((change) => change.id)).orderBy('id').execute();
}
