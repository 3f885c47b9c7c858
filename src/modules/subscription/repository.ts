// The only place the subscriptions table is read or written.
import { sql, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { SubscriptionRow } from '../../db/schema/commerce.js';
import { isVisibleRecord, type CustomerSubject, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
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

/** Subscriptions still active past their `ends_at`, locked (others sweeping skip them). */
export function lockDueToEnd(trx: Transaction, now: Date, limit: number): Promise<SubscriptionRow[]> {
  return trx
    .selectFrom('subscriptions')
    .selectAll()
    .where('status', 'in', ACTIVE_STATUSES)
    .where('ends_at', '<=', now)
    .orderBy('ends_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
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
