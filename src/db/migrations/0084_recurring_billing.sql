-- Recurring billing: customers' saved cards, the work each subscription has due next, one order
-- per subscription and period, and each organization's test clock.

-- A card the customer left with the processor at a checkout (Stripe's setup_future_usage), which
-- renewals charge. `processor_id` is the processor's own id (Stripe's pm_…).
CREATE TABLE payment_methods (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  processor_id text NOT NULL,
  brand text NOT NULL,
  last4 text NOT NULL
);
CREATE INDEX payment_methods_customer_id_idx ON payment_methods (customer_id);

-- `due_at`: when the subscription next needs billing work (its renewal, the end of a canceled
-- period, a retry of a failed charge); null once it has ended. One index finds all of it.
-- `billing_cycle_anchor`: the instant periods are counted from (a Jan 31 start renews on the last
-- day of shorter months, and on the 31st again after them). `payment_attempts`: failed charges of
-- the current period. `proration_amount`: what a plan change added to (or, negative, credited
-- against) the next renewal.
ALTER TABLE subscriptions
  ADD COLUMN payment_method_id uuid REFERENCES payment_methods (id),
  ADD COLUMN due_at timestamptz,
  ADD COLUMN billing_cycle_anchor timestamptz,
  ADD COLUMN payment_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN proration_amount integer NOT NULL DEFAULT 0;
UPDATE subscriptions SET billing_cycle_anchor = current_period_start;
UPDATE subscriptions SET due_at = coalesce(ends_at, current_period_end) WHERE ended_at IS NULL AND status IN ('trialing', 'active');
ALTER TABLE subscriptions ALTER COLUMN billing_cycle_anchor SET NOT NULL;
CREATE INDEX subscriptions_due_at_idx ON subscriptions (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX subscriptions_organization_due_at_idx ON subscriptions (organization_id, due_at, id) WHERE due_at IS NOT NULL;

-- The period an order of a subscription pays for: the database refuses a second order for the same
-- subscription and period, however many workers renew at once.
ALTER TABLE orders ADD COLUMN subscription_period_start timestamptz;
CREATE UNIQUE INDEX orders_subscription_period_idx ON orders (subscription_id, subscription_period_start)
  WHERE subscription_id IS NOT NULL AND subscription_period_start IS NOT NULL;

-- Events of one change keep the order they were recorded in, even at the same instant.
ALTER TABLE events ADD COLUMN sequence bigserial;
DROP INDEX events_undispatched_idx;
CREATE INDEX events_undispatched_idx ON events (created_at, sequence) WHERE dispatched_at IS NULL;

-- An organization's test clock (test mode): its time is the real time plus `offset_ms`, which only
-- grows. Every change is announced on floe_test_clocks (the organization's id) as it commits, so
-- each process can keep the offsets it has read.
CREATE TABLE test_clocks (
  organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  offset_ms bigint NOT NULL CHECK (offset_ms >= 0),
  modified_at timestamptz NOT NULL
);

CREATE FUNCTION notify_test_clock_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('floe_test_clocks', coalesce(NEW.organization_id, OLD.organization_id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER test_clocks_notify_change AFTER INSERT OR UPDATE OR DELETE ON test_clocks
    FOR EACH ROW EXECUTE FUNCTION notify_test_clock_change();
