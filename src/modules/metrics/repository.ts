// The metrics' queries. Each answers per bucket (the start of an hour, day, ISO week, month or
// year, UTC) what happened in it: the orders created, the subscriptions started and ended. Two
// sources give the same rows: the rollups (metric_order_days, metric_subscription_days, kept by
// triggers, see migration 0093) and the raw orders and subscriptions, grouped as they are. The
// raw source reads other modules' tables, as a report must; it serves what the rollups cannot
// (hours, several products at once) and is the bench's baseline.
import { sql, type RawBuilder } from 'kysely';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable } from '../../kit/db.js';

export type Unit = 'hour' | 'day' | 'week' | 'month' | 'year';

export interface MetricFilters {
  organizationId?: string[];
  productId?: string[];
  productPriceType?: ('one_time' | 'recurring')[];
}

/** What the orders of one bucket add up to. */
export interface OrderBucket {
  bucket: string;
  orders: number;
  revenue: number;
  one_time_orders: number;
  one_time_revenue: number;
  /** Amount of the orders whose subscription started in this bucket. */
  new_revenue: number;
  /** Amount of the orders whose subscription started in another bucket, and how many subscriptions those are. */
  renewed_revenue: number;
  renewed: number;
}

/** The subscriptions that started, and those that ended, in one bucket ('-infinity': before the range, or never started). */
export interface SubscriptionBucket {
  bucket: string;
  started: number;
  started_mrr: number;
  ended: number;
  ended_mrr: number;
}

/** The range asked for: buckets from `from` (inclusive) to `to` (exclusive), as UTC timestamps. */
export interface BucketRange {
  unit: Unit;
  from: Date;
  to: Date;
}

function utc(date: Date): RawBuilder<string> {
  return sql<string>`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}

function conditions(subject: MerchantSubject, filters: MetricFilters, table: string, priceType: RawBuilder<unknown>): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [isVisibleOrganization(subject, `${table}.organization_id`)];
  if (filters.organizationId) parts.push(sql<boolean>`${sql.ref(`${table}.organization_id`)} = ANY(${filters.organizationId}::uuid[])`);
  if (filters.productId) parts.push(sql<boolean>`${sql.ref(`${table}.product_id`)} = ANY(${filters.productId}::uuid[])`);
  if (filters.productPriceType) parts.push(sql<boolean>`${priceType} = ANY(${filters.productPriceType}::text[])`);
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

/** Buckets before the range count only as what came before it. */
function bucketOrBefore(bucket: RawBuilder<unknown>, range: BucketRange): RawBuilder<string> {
  return sql<string>`CASE WHEN ${bucket} < ${utc(range.from)} THEN '-infinity'::timestamp ELSE ${bucket} END::text`;
}

const numeric = <T extends object>(rows: T[]): T[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, key === 'bucket' ? value : Number(value)])) as T);

/**
 * The rollups' order buckets. The renewal counts are per subscription and product, so one product
 * (or none: then per subscription, whatever its product) can be asked of them; `unit` is not hour.
 */
export async function orderBucketsFromRollups(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange & { unit: Exclude<Unit, 'hour'> }): Promise<OrderBucket[]> {
  const unit = range.unit;
  const renewed = filters.productId ? `renewed_${unit}` : `renewed_any_${unit}`;
  const bucket = sql`date_trunc(${unit}, day::timestamp)`;
  const { rows } = await sql<OrderBucket>`
    SELECT ${bucket}::text AS bucket, sum(orders) AS orders, sum(revenue) AS revenue,
      sum(one_time_orders) AS one_time_orders, sum(one_time_revenue) AS one_time_revenue,
      sum(${sql.ref(`new_revenue_${unit}`)}) AS new_revenue, sum(${sql.ref(`renewed_revenue_${unit}`)}) AS renewed_revenue,
      sum(${sql.ref(renewed)}) AS renewed
    FROM metric_order_days
    WHERE ${conditions(subject, filters, 'metric_order_days', sql.ref('price_type'))}
      AND day >= ${utc(range.from)}::date AND day < ${utc(range.to)}::date
    GROUP BY 1`.execute(db);
  return numeric(rows);
}

/** The rollups' subscription buckets, everything before the range folded into one. */
export async function subscriptionBucketsFromRollups(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange): Promise<SubscriptionBucket[]> {
  const bucket = bucketOrBefore(sql`date_trunc(${range.unit}, day::timestamp)`, range);
  const { rows } = await sql<SubscriptionBucket>`
    SELECT ${bucket} AS bucket, sum(started) AS started, sum(started_mrr) AS started_mrr, sum(ended) AS ended, sum(ended_mrr) AS ended_mrr
    FROM metric_subscription_days
    WHERE ${conditions(subject, filters, 'metric_subscription_days', sql.ref('price_type'))} AND day < ${utc(range.to)}::date
    GROUP BY 1`.execute(db);
  return numeric(rows);
}

/** The same order buckets, grouped from the orders themselves. */
export async function orderBucketsFromOrders(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange): Promise<OrderBucket[]> {
  const unit = range.unit;
  const bucket = sql`date_trunc(${unit}, orders.created_at AT TIME ZONE 'UTC')`;
  const isNew = sql`date_trunc(${unit}, subscriptions.started_at AT TIME ZONE 'UTC') = ${bucket}`;
  const isRenewal = sql`date_trunc(${unit}, subscriptions.started_at AT TIME ZONE 'UTC') <> ${bucket}`;
  const { rows } = await sql<OrderBucket>`
    SELECT ${bucket}::text AS bucket, count(*) AS orders, sum(orders.amount) AS revenue,
      count(*) FILTER (WHERE orders.subscription_id IS NULL) AS one_time_orders,
      coalesce(sum(orders.amount) FILTER (WHERE orders.subscription_id IS NULL), 0) AS one_time_revenue,
      coalesce(sum(orders.amount) FILTER (WHERE ${isNew}), 0) AS new_revenue,
      coalesce(sum(orders.amount) FILTER (WHERE ${isRenewal}), 0) AS renewed_revenue,
      count(DISTINCT subscriptions.id) FILTER (WHERE ${isRenewal}) AS renewed
    FROM orders
    JOIN product_prices ON product_prices.id = orders.product_price_id
    LEFT JOIN subscriptions ON subscriptions.id = orders.subscription_id
    WHERE ${conditions(subject, filters, 'orders', sql.ref('product_prices.type'))}
      AND orders.created_at >= ${range.from} AND orders.created_at < ${range.to}
    GROUP BY 1`.execute(db);
  return numeric(rows);
}

/** The same subscription buckets, grouped from the subscriptions themselves. */
export async function subscriptionBucketsFromSubscriptions(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange): Promise<SubscriptionBucket[]> {
  const mrr = sql`CASE WHEN subscriptions.recurring_interval = 'year' THEN round(subscriptions.amount::numeric / 12) ELSE subscriptions.amount END`;
  const started = bucketOrBefore(sql`coalesce(date_trunc(${range.unit}, subscriptions.started_at AT TIME ZONE 'UTC'), '-infinity')`, range);
  const ended = bucketOrBefore(sql`date_trunc(${range.unit}, subscriptions.ended_at AT TIME ZONE 'UTC')`, range);
  const { rows } = await sql<SubscriptionBucket>`
    SELECT bucket, sum(started) AS started, sum(started_mrr) AS started_mrr, sum(ended) AS ended, sum(ended_mrr) AS ended_mrr
    FROM (
      SELECT ${started} AS bucket, 1 AS started, coalesce(${mrr}, 0) AS started_mrr, 0 AS ended, 0 AS ended_mrr
      FROM subscriptions JOIN product_prices ON product_prices.id = subscriptions.price_id
      WHERE ${conditions(subject, filters, 'subscriptions', sql.ref('product_prices.type'))}
        AND (subscriptions.started_at IS NULL OR subscriptions.started_at < ${range.to})
      UNION ALL
      SELECT ${ended}, 0, 0, 1, coalesce(${mrr}, 0)
      FROM subscriptions JOIN product_prices ON product_prices.id = subscriptions.price_id
      WHERE ${conditions(subject, filters, 'subscriptions', sql.ref('product_prices.type'))}
        AND subscriptions.ended_at < ${range.to}
    ) AS changes
    GROUP BY bucket`.execute(db);
  return numeric(rows);
}

/**
 * Folds each key's delta rows into one, a batch of keys at a time; answers how many rows it
 * removed. Sums stay what they were whatever runs meanwhile: a row is either deleted and counted
 * in the folded row of the same statement, or left alone.
 */
export async function compactRollups(db: Queryable, batchKeys = 5000): Promise<number> {
  let removed = 0;
  for (const table of ['metric_order_days', 'metric_subscription_days'] as const) {
    const sums =
      table === 'metric_order_days'
        ? sql.raw(ORDER_SUMS)
        : sql.raw('sum(started), sum(started_mrr), sum(ended), sum(ended_mrr)');
    const { rows } = await sql<{ removed: string }>`
      WITH keys AS (
        SELECT DISTINCT organization_id, product_id, price_type, day FROM ${sql.table(table)} WHERE NOT is_compacted LIMIT ${batchKeys}
      ), gone AS (
        DELETE FROM ${sql.table(table)} AS rollup USING keys
        WHERE (rollup.organization_id, rollup.product_id, rollup.price_type, rollup.day) = (keys.organization_id, keys.product_id, keys.price_type, keys.day)
        RETURNING rollup.*
      ), folded AS (
        INSERT INTO ${sql.table(table)}
        SELECT organization_id, product_id, price_type, day, true, ${sums} FROM gone GROUP BY organization_id, product_id, price_type, day
      )
      SELECT count(*) AS removed FROM gone`.execute(db);
    removed += Number(rows[0]?.removed ?? 0);
  }
  return removed;
}

const ORDER_SUMS = [
  'orders', 'revenue', 'one_time_orders', 'one_time_revenue',
  ...['new_revenue', 'renewed_revenue', 'renewed', 'renewed_any'].flatMap((metric) => ['day', 'week', 'month', 'year'].map((unit) => `${metric}_${unit}`)),
].map((column) => `sum(${column})`).join(', ');
