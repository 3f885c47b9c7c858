// Metrics, as Polar's: a series of timestamps from the start date's midnight to the end date's last
// instant (UTC), one interval apart (months and years added one after another, as PostgreSQL's
// generate_series: Jan 31, Feb 29, Mar 29, …); each timestamp stands for its bucket, the hour, day,
// ISO week, month or year it falls in. An order counts in the bucket it was created in; a
// subscription is active in every bucket from the one it started in to the one it ended in.
// Renewals are the orders of subscriptions that started in another bucket.
//
// Day, week, month and year are read from the rollups; hours, and several products at once (whose
// distinct renewed subscriptions the rollups cannot tell apart), from the raw tables. Both give the
// same figures. The rollups count a subscription's renewals on the price type of its orders; every
// order of a subscription is of a recurring price in Floe, so that is the subscription's own.
import { sql } from 'kysely';
import type { MerchantSubject } from '../../kit/auth.js';
import { addMonths } from '../../kit/calendar.js';
import { transaction, type Database, type Queryable } from '../../kit/db.js';
import { ValidationError } from '../../kit/errors.js';
import * as repository from './repository.js';
import type { BucketRange, MetricFilters, OrderBucket, SubscriptionBucket } from './repository.js';
import { INTERVALS, MAX_INTERVAL_DAYS, METRICS, MIN_DATE, type Interval, type MetricsLimits, type MetricsQuery, type MetricsResponse, type MetricValues } from './schemas.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface MetricsResult {
  periods: ({ timestamp: Date } & MetricValues)[];
  metrics: MetricsResponse['metrics'];
}

export function getLimits(): MetricsLimits {
  return { min_date: MIN_DATE, intervals: Object.fromEntries(INTERVALS.map((interval) => [interval, { max_days: MAX_INTERVAL_DAYS[interval] }])) as MetricsLimits['intervals'] };
}

type BucketSource = (db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange) => Promise<[OrderBucket[], SubscriptionBucket[]]>;

export function getMetrics(db: Queryable, subject: MerchantSubject, query: MetricsQuery): Promise<MetricsResult> {
  return metricsFrom(readBuckets, db, subject, query);
}

/** The same answer from the raw tables alone: what the rollups are checked and benched against. */
export function getMetricsFromRawTables(db: Queryable, subject: MerchantSubject, query: MetricsQuery): Promise<MetricsResult> {
  return metricsFrom(readBucketsFromRawTables, db, subject, query);
}

async function metricsFrom(source: BucketSource, db: Queryable, subject: MerchantSubject, query: MetricsQuery): Promise<MetricsResult> {
  if (query.start_date < MIN_DATE) {
    throw new ValidationError(['query', 'start_date'], `Input should be greater than or equal to ${MIN_DATE}`, query.start_date, 'greater_than_equal');
  }
  if (daysBetween(query.start_date, query.end_date) > MAX_INTERVAL_DAYS[query.interval]) {
    throw new ValidationError(['query'], 'The interval is too big. Try to change the interval or reduce the date range.', [query.start_date, query.end_date, query.interval]);
  }
  const timestamps = seriesOf(query.start_date, query.end_date, query.interval);
  const metrics = Object.fromEntries(METRICS.map((metric) => [metric.slug, { ...metric }])) as MetricsResult['metrics'];
  if (timestamps.length === 0) return { periods: [], metrics };

  const filters: MetricFilters = { organizationId: query.organization_id, productId: query.product_id, productPriceType: query.product_price_type };
  const range: BucketRange = { unit: query.interval, from: truncate(timestamps[0]!, query.interval), to: step(truncate(timestamps.at(-1)!, query.interval), query.interval) };
  const [orders, subscriptions] = await source(db, subject, filters, range);
  return { periods: assemble(timestamps, query.interval, orders, subscriptions), metrics };
}

/** Day to year from the rollups, but for several products at once; hours from the raw tables. */
function readBuckets(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange): Promise<[OrderBucket[], SubscriptionBucket[]]> {
  const { unit } = range;
  if (unit === 'hour' || (filters.productId?.length ?? 0) > 1) return readBucketsFromRawTables(db, subject, filters, range);
  return Promise.all([
    repository.orderBucketsFromRollups(db, subject, filters, { ...range, unit }),
    repository.subscriptionBucketsFromRollups(db, subject, filters, range),
  ]);
}

function readBucketsFromRawTables(db: Queryable, subject: MerchantSubject, filters: MetricFilters, range: BucketRange): Promise<[OrderBucket[], SubscriptionBucket[]]> {
  return Promise.all([
    repository.orderBucketsFromOrders(db, subject, filters, range),
    repository.subscriptionBucketsFromSubscriptions(db, subject, filters, range),
  ]);
}

/** Each timestamp's figures from its bucket's orders and the subscriptions started and ended up to it. */
function assemble(timestamps: Date[], interval: Interval, orders: OrderBucket[], subscriptions: SubscriptionBucket[]): MetricsResult['periods'] {
  const ordersByBucket = new Map(orders.map((row) => [row.bucket, row]));
  const changes = [...subscriptions].sort((a, b) => compareBuckets(a.bucket, b.bucket));
  let next = 0;
  let started = 0;
  let startedMrr = 0;
  let endedBefore = 0;
  let endedMrrBefore = 0;
  let endedInPrevious = { count: 0, mrr: 0 };
  return timestamps.map((timestamp) => {
    const bucket = bucketText(truncate(timestamp, interval));
    // Everything started up to and in this bucket is in; what ended before it is out.
    endedBefore += endedInPrevious.count;
    endedMrrBefore += endedInPrevious.mrr;
    endedInPrevious = { count: 0, mrr: 0 };
    let startedHere = 0;
    while (next < changes.length && compareBuckets(changes[next]!.bucket, bucket) <= 0) {
      const change = changes[next]!;
      started += change.started;
      startedMrr += change.started_mrr;
      if (change.bucket === bucket) {
        startedHere += change.started;
        endedInPrevious = { count: change.ended, mrr: change.ended_mrr };
      } else {
        endedBefore += change.ended;
        endedMrrBefore += change.ended_mrr;
      }
      next += 1;
    }
    const order = ordersByBucket.get(bucket);
    return {
      timestamp,
      orders: order?.orders ?? 0,
      revenue: order?.revenue ?? 0,
      average_order_value: order && order.orders > 0 ? Math.ceil(order.revenue / order.orders) : 0,
      one_time_products: order?.one_time_orders ?? 0,
      one_time_products_revenue: order?.one_time_revenue ?? 0,
      new_subscriptions: startedHere,
      new_subscriptions_revenue: order?.new_revenue ?? 0,
      renewed_subscriptions: order?.renewed ?? 0,
      renewed_subscriptions_revenue: order?.renewed_revenue ?? 0,
      active_subscriptions: started - endedBefore,
      monthly_recurring_revenue: startedMrr - endedMrrBefore,
    };
  });
}

/** The series' timestamps, from the start date's midnight while not past the end date's last instant. */
function seriesOf(startDate: string, endDate: string, interval: Interval): Date[] {
  const first = Date.parse(`${startDate}T00:00:00Z`);
  const last = Date.parse(`${endDate}T00:00:00Z`) + DAY_MS - 1;
  const timestamps: Date[] = [];
  for (let at = new Date(first); at.getTime() <= last; at = step(at, interval)) timestamps.push(at);
  return timestamps;
}

function step(at: Date, interval: Interval): Date {
  switch (interval) {
    case 'hour':
      return new Date(at.getTime() + HOUR_MS);
    case 'day':
      return new Date(at.getTime() + DAY_MS);
    case 'week':
      return new Date(at.getTime() + 7 * DAY_MS);
    case 'month':
      return addMonths(at, 1);
    case 'year':
      return addMonths(at, 12);
  }
}

/** The start of the bucket `at` falls in (PostgreSQL's date_trunc in UTC: weeks start on Monday). */
function truncate(at: Date, interval: Interval): Date {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (interval) {
    case 'hour':
      return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
    case 'day':
      return new Date(Date.UTC(year, month, day));
    case 'week':
      return new Date(Date.UTC(year, month, day - ((at.getUTCDay() + 6) % 7)));
    case 'month':
      return new Date(Date.UTC(year, month, 1));
    case 'year':
      return new Date(Date.UTC(year, 0, 1));
  }
}

/** A bucket as PostgreSQL writes a timestamp: `2024-01-31 00:00:00`. */
function bucketText(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

function compareBuckets(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '-infinity') return -1;
  if (b === '-infinity') return 1;
  return a < b ? -1 : 1;
}

function daysBetween(startDate: string, endDate: string): number {
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / DAY_MS);
}

const COMPACTION_LOCK = 93_000_001;

/**
 * Folds the rollups' delta rows, batch after batch, until none is left; one process at a time
 * (another that finds the lock taken leaves it to that one). Answers the rows folded.
 */
export async function compactMetrics(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await transaction(db, async (trx) => {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${COMPACTION_LOCK}) AS locked`.execute(trx);
      return rows[0]?.locked ? repository.compactRollups(trx) : 0;
    });
    if (removed === 0) return total;
    total += removed;
  }
}
