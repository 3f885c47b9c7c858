-- Metrics rollups: what /v1/metrics reads instead of scanning every order and subscription.
--
-- Both tables hold deltas, summed on read. Triggers on orders and subscriptions add rows in the
-- same transaction as the write they describe, whatever path made it (a checkout, a renewal, a plan
-- change, demo data), so the rollups are exact the moment a write commits; writers only insert,
-- so two purchases never wait on the same rollup row. A background task (metrics/jobs.ts) folds a
-- key's rows into one (`is_compacted`) so reads stay small. Days are UTC dates, as Polar's buckets.

-- One row per (organization, product, price type, day): the order metrics of the orders created
-- that day. The metrics that depend on the interval carry one column per unit of it:
--   new_revenue_<unit>      amount of the orders whose subscription started in the order's <unit>
--   renewed_revenue_<unit>  amount of the orders whose subscription started in another <unit>
--   renewed_<unit>          those orders that are the first of their (subscription, product) in
--                           their <unit>: summed, a count of distinct subscriptions per product
--   renewed_any_<unit>      the same, first of their subscription whatever the product
CREATE TABLE metric_order_days (
  organization_id uuid NOT NULL,
  product_id uuid NOT NULL,
  price_type text NOT NULL,
  day date NOT NULL,
  is_compacted boolean NOT NULL DEFAULT false,
  orders bigint NOT NULL,
  revenue bigint NOT NULL,
  one_time_orders bigint NOT NULL,
  one_time_revenue bigint NOT NULL,
  new_revenue_day bigint NOT NULL,
  new_revenue_week bigint NOT NULL,
  new_revenue_month bigint NOT NULL,
  new_revenue_year bigint NOT NULL,
  renewed_revenue_day bigint NOT NULL,
  renewed_revenue_week bigint NOT NULL,
  renewed_revenue_month bigint NOT NULL,
  renewed_revenue_year bigint NOT NULL,
  renewed_day bigint NOT NULL,
  renewed_week bigint NOT NULL,
  renewed_month bigint NOT NULL,
  renewed_year bigint NOT NULL,
  renewed_any_day bigint NOT NULL,
  renewed_any_week bigint NOT NULL,
  renewed_any_month bigint NOT NULL,
  renewed_any_year bigint NOT NULL
);
CREATE INDEX metric_order_days_organization_day_idx ON metric_order_days (organization_id, day);
CREATE INDEX metric_order_days_uncompacted_idx ON metric_order_days (organization_id) WHERE NOT is_compacted;

-- One row per (organization, product, price type, day): subscriptions that started that day and
-- those that ended that day, with their monthly recurring revenue (a yearly amount / 12, rounded
-- half away from zero; free ones 0). A subscription is active in a bucket when it started before
-- the bucket's end and did not end before its start, so the active count is a difference of two
-- running sums. The price type and product are the subscription's current ones, as Polar's query
-- reads them: a plan change moves the subscription's whole contribution. A subscription that
-- never started counts from the beginning of time ('-infinity').
CREATE TABLE metric_subscription_days (
  organization_id uuid NOT NULL,
  product_id uuid NOT NULL,
  price_type text NOT NULL,
  day date NOT NULL,
  is_compacted boolean NOT NULL DEFAULT false,
  started bigint NOT NULL,
  started_mrr bigint NOT NULL,
  ended bigint NOT NULL,
  ended_mrr bigint NOT NULL
);
CREATE INDEX metric_subscription_days_organization_day_idx ON metric_subscription_days (organization_id, day);
CREATE INDEX metric_subscription_days_uncompacted_idx ON metric_subscription_days (organization_id) WHERE NOT is_compacted;

-- The running sums need every subscription to end no earlier than it started.
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_ended_after_started_check
  CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at) NOT VALID;

-- The earlier orders of a subscription in a bucket decide whether a new one is its first there.
CREATE INDEX orders_subscription_id_created_at_idx ON orders (subscription_id, created_at) WHERE subscription_id IS NOT NULL;

-- The rollup rows of the given orders, which must already be in `orders`. An order is the first of
-- its subscription in a bucket when no other order of the subscription in that bucket is outside
-- the given set and it comes first (by id) inside it; the trigger holds each subscription's row
-- lock while it asks, so two transactions never both take the first place.
-- PL/pgSQL, not SQL, so that each session plans the query once rather than at every insert.
CREATE FUNCTION metric_order_rows(order_ids uuid[])
RETURNS SETOF metric_order_days LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH fresh AS (
    SELECT o.id, o.organization_id, o.product_id, p.type AS price_type, o.amount, o.subscription_id,
           o.created_at AT TIME ZONE 'UTC' AS at, s.started_at AT TIME ZONE 'UTC' AS started_at
    FROM orders o
    JOIN product_prices p ON p.id = o.product_price_id
    LEFT JOIN subscriptions s ON s.id = o.subscription_id
    WHERE o.id = ANY (order_ids)
  ), units AS (
    SELECT fresh.*, unit, date_trunc(unit, at) AS bucket, date_trunc(unit, started_at) AS started_bucket
    FROM fresh CROSS JOIN unnest(ARRAY['day', 'week', 'month', 'year']) AS unit
  ), earlier AS (
    SELECT o.subscription_id, o.product_id, unit, date_trunc(unit, o.created_at AT TIME ZONE 'UTC') AS bucket
    FROM orders o CROSS JOIN unnest(ARRAY['day', 'week', 'month', 'year']) AS unit
    WHERE o.subscription_id IN (SELECT subscription_id FROM fresh) AND o.id NOT IN (SELECT id FROM fresh)
  ), earlier_of_product AS (
    SELECT DISTINCT subscription_id, product_id, unit, bucket FROM earlier
  ), earlier_of_subscription AS (
    SELECT DISTINCT subscription_id, unit, bucket FROM earlier
  ), flagged AS (
    SELECT units.*,
      coalesce(units.started_bucket = units.bucket, false) AS is_new,
      coalesce(units.started_bucket <> units.bucket, false) AS is_renewal,
      units.subscription_id IS NOT NULL
        AND row_number() OVER (PARTITION BY units.subscription_id, units.product_id, units.unit, units.bucket ORDER BY units.id) = 1
        AND ep.subscription_id IS NULL AS is_first_of_product,
      units.subscription_id IS NOT NULL
        AND row_number() OVER (PARTITION BY units.subscription_id, units.unit, units.bucket ORDER BY units.id) = 1
        AND es.subscription_id IS NULL AS is_first_of_subscription
    FROM units
    LEFT JOIN earlier_of_product ep
      ON ep.subscription_id = units.subscription_id AND ep.product_id = units.product_id AND ep.unit = units.unit AND ep.bucket = units.bucket
    LEFT JOIN earlier_of_subscription es
      ON es.subscription_id = units.subscription_id AND es.unit = units.unit AND es.bucket = units.bucket
  )
  SELECT organization_id, product_id, price_type, at::date AS day, false AS is_compacted,
    count(*) FILTER (WHERE unit = 'day'),
    coalesce(sum(amount) FILTER (WHERE unit = 'day'), 0),
    count(*) FILTER (WHERE unit = 'day' AND subscription_id IS NULL),
    coalesce(sum(amount) FILTER (WHERE unit = 'day' AND subscription_id IS NULL), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'day' AND is_new), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'week' AND is_new), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'month' AND is_new), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'year' AND is_new), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'day' AND is_renewal), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'week' AND is_renewal), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'month' AND is_renewal), 0),
    coalesce(sum(amount) FILTER (WHERE unit = 'year' AND is_renewal), 0),
    count(*) FILTER (WHERE unit = 'day' AND is_renewal AND is_first_of_product),
    count(*) FILTER (WHERE unit = 'week' AND is_renewal AND is_first_of_product),
    count(*) FILTER (WHERE unit = 'month' AND is_renewal AND is_first_of_product),
    count(*) FILTER (WHERE unit = 'year' AND is_renewal AND is_first_of_product),
    count(*) FILTER (WHERE unit = 'day' AND is_renewal AND is_first_of_subscription),
    count(*) FILTER (WHERE unit = 'week' AND is_renewal AND is_first_of_subscription),
    count(*) FILTER (WHERE unit = 'month' AND is_renewal AND is_first_of_subscription),
    count(*) FILTER (WHERE unit = 'year' AND is_renewal AND is_first_of_subscription)
  FROM flagged
  GROUP BY organization_id, product_id, price_type, at::date;
END $$;

CREATE FUNCTION metric_orders_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  order_ids uuid[];
BEGIN
  -- Row locks, not advisory ones: they take no room in the lock table, however many a statement writes.
  IF EXISTS (SELECT 1 FROM inserted_orders WHERE subscription_id IS NOT NULL) THEN
    PERFORM 1 FROM subscriptions WHERE id IN (SELECT subscription_id FROM inserted_orders) ORDER BY id FOR NO KEY UPDATE;
  END IF;
  SELECT array_agg(id) INTO order_ids FROM inserted_orders;
  INSERT INTO metric_order_days SELECT * FROM metric_order_rows(order_ids);
  RETURN NULL;
END $$;
CREATE TRIGGER orders_metrics_insert AFTER INSERT ON orders
  REFERENCING NEW TABLE AS inserted_orders FOR EACH STATEMENT EXECUTE FUNCTION metric_orders_inserted();

-- Orders are a ledger: once written, what the metrics count of them never changes.
CREATE FUNCTION metric_orders_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'orders are immutable: % of order % would change its metrics', TG_OP, OLD.id;
END $$;
CREATE TRIGGER orders_metrics_update BEFORE UPDATE ON orders FOR EACH ROW
  WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id OR OLD.product_id IS DISTINCT FROM NEW.product_id
    OR OLD.product_price_id IS DISTINCT FROM NEW.product_price_id OR OLD.subscription_id IS DISTINCT FROM NEW.subscription_id
    OR OLD.amount IS DISTINCT FROM NEW.amount OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION metric_orders_immutable();
CREATE TRIGGER orders_metrics_delete BEFORE DELETE ON orders FOR EACH ROW EXECUTE FUNCTION metric_orders_immutable();

-- A subscription's rows, counted `sign` times (+1 as it now is, -1 as it was).
CREATE FUNCTION metric_subscription_rows(subscription subscriptions, sign integer)
RETURNS SETOF metric_subscription_days LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH described AS (
    SELECT p.type AS price_type,
      sign * CASE WHEN subscription.recurring_interval = 'year' THEN round(subscription.amount::numeric / 12)
                  ELSE coalesce(subscription.amount, 0) END AS mrr
    FROM product_prices p WHERE p.id = subscription.price_id
  )
  SELECT subscription.organization_id, subscription.product_id, price_type,
    coalesce((subscription.started_at AT TIME ZONE 'UTC')::date, '-infinity'::date), false, sign::bigint, coalesce(mrr, 0)::bigint, 0::bigint, 0::bigint
  FROM described
  UNION ALL
  SELECT subscription.organization_id, subscription.product_id, price_type,
    (subscription.ended_at AT TIME ZONE 'UTC')::date, false, 0, 0, sign, coalesce(mrr, 0)::bigint
  FROM described WHERE subscription.ended_at IS NOT NULL;
END $$;

CREATE FUNCTION metric_subscriptions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO metric_subscription_days
    SELECT contribution.* FROM new_subscriptions n CROSS JOIN LATERAL metric_subscription_rows(n, 1) AS contribution;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO metric_subscription_days
    SELECT contribution.* FROM old_subscriptions o CROSS JOIN LATERAL metric_subscription_rows(o, -1) AS contribution;
  ELSE
    INSERT INTO metric_subscription_days
    SELECT organization_id, product_id, price_type, day, false, sum(started), sum(started_mrr), sum(ended), sum(ended_mrr)
    FROM (
      SELECT contribution.* FROM old_subscriptions o JOIN new_subscriptions n USING (id)
        CROSS JOIN LATERAL metric_subscription_rows(o, -1) AS contribution
      WHERE (o.organization_id, o.product_id, o.price_id, o.amount, o.recurring_interval, o.started_at, o.ended_at)
        IS DISTINCT FROM (n.organization_id, n.product_id, n.price_id, n.amount, n.recurring_interval, n.started_at, n.ended_at)
      UNION ALL
      SELECT contribution.* FROM old_subscriptions o JOIN new_subscriptions n USING (id)
        CROSS JOIN LATERAL metric_subscription_rows(n, 1) AS contribution
      WHERE (o.organization_id, o.product_id, o.price_id, o.amount, o.recurring_interval, o.started_at, o.ended_at)
        IS DISTINCT FROM (n.organization_id, n.product_id, n.price_id, n.amount, n.recurring_interval, n.started_at, n.ended_at)
    ) AS delta
    GROUP BY organization_id, product_id, price_type, day
    HAVING sum(started) <> 0 OR sum(started_mrr) <> 0 OR sum(ended) <> 0 OR sum(ended_mrr) <> 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER subscriptions_metrics_insert AFTER INSERT ON subscriptions
  REFERENCING NEW TABLE AS new_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION metric_subscriptions_changed();
CREATE TRIGGER subscriptions_metrics_update AFTER UPDATE ON subscriptions
  REFERENCING OLD TABLE AS old_subscriptions NEW TABLE AS new_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION metric_subscriptions_changed();
CREATE TRIGGER subscriptions_metrics_delete AFTER DELETE ON subscriptions
  REFERENCING OLD TABLE AS old_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION metric_subscriptions_changed();

-- What existed before the rollups.
INSERT INTO metric_order_days SELECT * FROM metric_order_rows(ARRAY(SELECT id FROM orders));
INSERT INTO metric_subscription_days SELECT contribution.* FROM subscriptions s CROSS JOIN LATERAL metric_subscription_rows(s, 1) AS contribution;
