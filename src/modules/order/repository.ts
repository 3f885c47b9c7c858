// The only place the orders table is read or written.
import { sql } from 'kysely';
import type { OrderRow } from '../../db/schema/commerce.js';
import { isVisibleRecord, type CustomerSubject, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import { productOrOrganizationMatches } from '../product/repository.js';

export type OrderSortField = 'created_at' | 'amount' | 'customer' | 'product' | 'discount' | 'subscription' | 'organization';

const SORT_EXPRESSIONS: Record<OrderSortField, ReturnType<typeof sql>> = {
  created_at: sql`orders.created_at`,
  amount: sql`orders.amount`,
  customer: sql`(SELECT c.email FROM customers c WHERE c.id = orders.customer_id)`,
  product: sql`(SELECT p.name FROM products p WHERE p.id = orders.product_id)`,
  discount: sql`(SELECT d.name FROM discounts d WHERE d.id = orders.discount_id)`,
  subscription: sql`orders.subscription_id`,
  organization: sql`(SELECT o.slug FROM organizations o WHERE o.id = orders.organization_id)`,
};

type Viewer = MerchantSubject | CustomerSubject;

export interface OrderFilters {
  organizationId?: string[];
  productId?: string[];
  productPriceType?: ('one_time' | 'recurring')[];
  discountId?: string[];
  customerId?: string[];
  checkoutId?: string[];
  subscriptionId?: string[];
  /** The product's name or the organization's slug contains it (the customer portal's search). */
  query?: string;
}

export function findVisibleById(db: Queryable, subject: Viewer, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).where(isVisibleRecord(subject, 'orders')).executeTakeFirst();
}

export function listVisible(db: Queryable, subject: Viewer, filters: OrderFilters, sorting: SortCriterion<OrderSortField>[], page: PageRequest) {
  let query = db.selectFrom('orders').selectAll('orders').where(isVisibleRecord(subject, 'orders'));
  if (filters.subscriptionId) query = query.where('orders.subscription_id', 'in', filters.subscriptionId);
  if (filters.query) query = query.where(productOrOrganizationMatches('orders', filters.query));
  if (filters.organizationId) query = query.where('orders.organization_id', 'in', filters.organizationId);
  if (filters.productId) query = query.where('orders.product_id', 'in', filters.productId);
  if (filters.discountId) query = query.where('orders.discount_id', 'in', filters.discountId);
  if (filters.customerId) query = query.where('orders.customer_id', 'in', filters.customerId);
  if (filters.checkoutId) query = query.where('orders.checkout_id', 'in', filters.checkoutId);
  if (filters.productPriceType) {
    const types = filters.productPriceType;
    query = query.where((eb) => eb.exists(eb.selectFrom('product_prices').select('product_prices.id').whereRef('product_prices.id', '=', 'orders.product_price_id').where('product_prices.type', 'in', types)));
  }
  for (const { field, direction } of sorting) query = query.orderBy(sql`${SORT_EXPRESSIONS[field]} ${sql.raw(direction)}`);
  return paginate(query.orderBy('orders.id'), page);
}

/** The organization's orders, counted by billing reason. */
export async function countByBillingReason(db: Queryable, organizationId: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('orders').select(['billing_reason', (eb) => eb.fn.countAll<number>().as('count')]).where('organization_id', '=', organizationId).groupBy('billing_reason').execute();
  return Object.fromEntries(rows.map((row) => [row.billing_reason, Number(row.count)]));
}

/** How many of the organization's orders were created after the instant. */
export async function countCreatedAfter(db: Queryable, organizationId: string, after: Date): Promise<number> {
  const row = await db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('count')).where('organization_id', '=', organizationId).where('created_at', '>', after).executeTakeFirstOrThrow();
  return Number(row.count);
}
