-- Commerce: customers and their portal sessions, checkout sessions, orders, subscriptions,
-- discount redemptions, and the job queue that carries every side effect of a purchase.

CREATE TABLE customers (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  email text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  name text,
  billing_address jsonb,
  -- [value, format] as Polar stores it, e.g. ["FR61954506077", "eu_vat"]
  tax_id jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'
);
-- One customer per email in an organization (case-insensitive), among the living.
CREATE UNIQUE INDEX customers_organization_id_email_key ON customers (organization_id, lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX customers_organization_id_created_at_idx ON customers (organization_id, created_at DESC);

CREATE TABLE customer_sessions (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  -- HMAC-SHA256 of the polar_cst_ token; the token itself is never stored
  token_hash text NOT NULL UNIQUE,
  customer_id uuid NOT NULL REFERENCES customers (id),
  expires_at timestamptz NOT NULL
);
CREATE INDEX customer_sessions_customer_id_idx ON customer_sessions (customer_id);

CREATE TABLE checkouts (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'expired', 'confirmed', 'succeeded', 'failed')),
  client_secret text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  product_id uuid NOT NULL REFERENCES products (id),
  product_price_id uuid NOT NULL REFERENCES product_prices (id),
  discount_id uuid REFERENCES discounts (id),
  checkout_link_id uuid,
  customer_id uuid REFERENCES customers (id),
  -- the amount before discount and tax (the chosen amount for a pay-what-you-want price)
  amount integer,
  tax_amount integer,
  currency text,
  allow_discount_codes boolean NOT NULL DEFAULT true,
  customer_name text,
  customer_email text,
  customer_ip_address text,
  customer_billing_address jsonb,
  customer_tax_id jsonb,
  custom_field_data jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  customer_metadata jsonb NOT NULL DEFAULT '{}',
  success_url text,
  embed_origin text,
  payment_processor text NOT NULL DEFAULT 'stripe',
  payment_processor_metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX checkouts_organization_id_created_at_idx ON checkouts (organization_id, created_at DESC);
CREATE INDEX checkouts_open_expires_at_idx ON checkouts (expires_at) WHERE status = 'open';

CREATE TABLE subscriptions (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  product_id uuid NOT NULL REFERENCES products (id),
  price_id uuid NOT NULL REFERENCES product_prices (id),
  discount_id uuid REFERENCES discounts (id),
  checkout_id uuid REFERENCES checkouts (id),
  amount integer,
  currency text,
  recurring_interval text NOT NULL CHECK (recurring_interval IN ('month', 'year')),
  status text NOT NULL CHECK (status IN ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid')),
  current_period_start timestamptz NOT NULL,
  current_period_end timestamptz,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  canceled_at timestamptz,
  started_at timestamptz,
  ends_at timestamptz,
  ended_at timestamptz,
  customer_cancellation_reason text,
  customer_cancellation_comment text,
  custom_field_data jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX subscriptions_organization_id_created_at_idx ON subscriptions (organization_id, created_at DESC);
CREATE INDEX subscriptions_customer_id_idx ON subscriptions (customer_id);
-- renewals and period ends are found by date
CREATE INDEX subscriptions_current_period_end_idx ON subscriptions (current_period_end) WHERE status IN ('active', 'trialing');

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  product_id uuid NOT NULL REFERENCES products (id),
  product_price_id uuid NOT NULL REFERENCES product_prices (id),
  discount_id uuid REFERENCES discounts (id),
  subscription_id uuid REFERENCES subscriptions (id),
  -- one order per checkout, however often its success is handled
  checkout_id uuid UNIQUE REFERENCES checkouts (id),
  amount integer NOT NULL,
  tax_amount integer NOT NULL DEFAULT 0,
  currency text NOT NULL,
  billing_reason text NOT NULL CHECK (billing_reason IN ('purchase', 'subscription_create', 'subscription_cycle', 'subscription_update')),
  billing_address jsonb,
  custom_field_data jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX orders_organization_id_created_at_idx ON orders (organization_id, created_at DESC);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_subscription_id_idx ON orders (subscription_id);

ALTER TABLE checkouts ADD COLUMN subscription_id uuid REFERENCES subscriptions (id);

-- A discount's uses: one row per confirmed checkout that applied it, taken under a lock on the
-- discount so `max_redemptions` is never exceeded; released (deleted) when the payment fails.
CREATE TABLE discount_redemptions (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  discount_id uuid NOT NULL REFERENCES discounts (id),
  checkout_id uuid UNIQUE REFERENCES checkouts (id)
);
CREATE INDEX discount_redemptions_discount_id_idx ON discount_redemptions (discount_id);

-- Background jobs, enqueued in the transaction of the change that causes them.
CREATE TABLE jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  name text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 10,
  -- a claimed job is leased: if its worker dies, it runs again once the lease has passed
  locked_until timestamptz,
  last_error text,
  done_at timestamptz,
  failed_at timestamptz
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
