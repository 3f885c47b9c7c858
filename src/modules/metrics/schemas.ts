import { Type, type Static } from '@sinclair/typebox';
import { DateTime, MultipleFilter, StringEnum, UUID } from '../../kit/schemas.js';

export const INTERVALS = ['year', 'month', 'week', 'day', 'hour'] as const;
export type Interval = (typeof INTERVALS)[number];

/** The earliest start date, and the longest range (in days between the dates) of each interval. */
export const MIN_DATE = '2023-01-01';
export const MAX_INTERVAL_DAYS: Record<Interval, number> = { hour: 7, day: 366, week: 365, month: 365 * 4, year: 365 * 10 };

const CalendarDate = Type.String({ format: 'date' });

export const MetricsQuery = Type.Object({
  start_date: Type.String({ format: 'date', description: 'Start date.' }),
  end_date: Type.String({ format: 'date', description: 'End date.' }),
  interval: StringEnum(INTERVALS, { description: 'Interval between two timestamps.' }),
  organization_id: MultipleFilter(UUID, 'Filter by organization ID.'),
  product_id: MultipleFilter(UUID, 'Filter by product ID.'),
  product_price_type: MultipleFilter(
    StringEnum(['one_time', 'recurring']),
    'Filter by product price type. `recurring` will filter data corresponding to subscriptions creations or renewals. `one_time` will filter data corresponding to one-time purchases.',
  ),
});
export type MetricsQuery = Static<typeof MetricsQuery>;

/** Every metric, in the order Polar lists them, with how it is shown. */
export const METRICS = [
  { slug: 'orders', display_name: 'Orders', type: 'scalar' },
  { slug: 'revenue', display_name: 'Revenue', type: 'currency' },
  { slug: 'average_order_value', display_name: 'Average Order Value', type: 'currency' },
  { slug: 'one_time_products', display_name: 'One-Time Products', type: 'scalar' },
  { slug: 'one_time_products_revenue', display_name: 'One-Time Products Revenue', type: 'currency' },
  { slug: 'new_subscriptions', display_name: 'New Subscriptions', type: 'scalar' },
  { slug: 'new_subscriptions_revenue', display_name: 'New Subscriptions Revenue', type: 'currency' },
  { slug: 'renewed_subscriptions', display_name: 'Renewed Subscriptions', type: 'scalar' },
  { slug: 'renewed_subscriptions_revenue', display_name: 'Renewed Subscriptions Revenue', type: 'currency' },
  { slug: 'active_subscriptions', display_name: 'Active Subscriptions', type: 'scalar' },
  { slug: 'monthly_recurring_revenue', display_name: 'Monthly Recurring Revenue', type: 'currency' },
] as const;
export type MetricSlug = (typeof METRICS)[number]['slug'];

const Metric = Type.Object({ slug: Type.String(), display_name: Type.String(), type: StringEnum(['scalar', 'currency']) });

/** One period's figures: every metric, an integer. */
export type MetricValues = Record<MetricSlug, number>;

export const MetricPeriod = Type.Object({
  timestamp: DateTime,
  ...Object.fromEntries(METRICS.map(({ slug }) => [slug, Type.Integer()])),
} as { timestamp: typeof DateTime } & Record<MetricSlug, ReturnType<typeof Type.Integer>>);

export const MetricsResponse = Type.Object({
  periods: Type.Array(MetricPeriod, { description: 'List of data for each timestamp.' }),
  metrics: Type.Object(
    Object.fromEntries(METRICS.map(({ slug }) => [slug, Metric])) as Record<MetricSlug, typeof Metric>,
    { description: 'Information about the returned metrics.' },
  ),
});
export type MetricsResponse = Static<typeof MetricsResponse>;

const IntervalLimit = Type.Object({ max_days: Type.Integer() });

export const MetricsLimits = Type.Object({
  min_date: CalendarDate,
  intervals: Type.Object(Object.fromEntries(INTERVALS.map((interval) => [interval, IntervalLimit])) as Record<Interval, typeof IntervalLimit>),
});
export type MetricsLimits = Static<typeof MetricsLimits>;
