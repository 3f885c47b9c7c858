// The metrics rollups (migration 0093): deltas written by triggers on orders and subscriptions,
// summed on read. Bigint sums come back from PostgreSQL as strings.

type Count = string | number | bigint;

export interface MetricOrderDaysTable {
  organization_id: string;
  product_id: string;
  price_type: string;
  day: string;
  is_compacted: boolean;
  orders: Count;
  revenue: Count;
  one_time_orders: Count;
  one_time_revenue: Count;
  new_revenue_day: Count;
  new_revenue_week: Count;
  new_revenue_month: Count;
  new_revenue_year: Count;
  renewed_revenue_day: Count;
  renewed_revenue_week: Count;
  renewed_revenue_month: Count;
  renewed_revenue_year: Count;
  renewed_day: Count;
  renewed_week: Count;
  renewed_month: Count;
  renewed_year: Count;
  renewed_any_day: Count;
  renewed_any_week: Count;
  renewed_any_month: Count;
  renewed_any_year: Count;
}

export interface MetricSubscriptionDaysTable {
  organization_id: string;
  product_id: string;
  price_type: string;
  day: string;
  is_compacted: boolean;
  started: Count;
  started_mrr: Count;
  ended: Count;
  ended_mrr: Count;
}
