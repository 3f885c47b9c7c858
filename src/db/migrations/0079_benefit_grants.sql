-- A benefit granted to a customer, for one origin: an order (one-time purchases) or a subscription.
-- One grant per customer, benefit and origin; revoking keeps the row (revoked_at).
CREATE TABLE benefit_grants (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  granted_at timestamptz,
  revoked_at timestamptz,
  customer_id uuid NOT NULL REFERENCES customers (id),
  benefit_id uuid NOT NULL REFERENCES benefits (id),
  order_id uuid REFERENCES orders (id),
  subscription_id uuid REFERENCES subscriptions (id),
  -- what the grant gave (a license key id, a Discord account, ...), as Polar's grant properties
  properties jsonb NOT NULL DEFAULT '{}',
  -- the last failure of granting or revoking, shown instead of pretending success
  error jsonb,
  CHECK (order_id IS NOT NULL OR subscription_id IS NOT NULL)
);
CREATE UNIQUE INDEX benefit_grants_order_key ON benefit_grants (order_id, customer_id, benefit_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX benefit_grants_subscription_key ON benefit_grants (subscription_id, customer_id, benefit_id) WHERE subscription_id IS NOT NULL;
CREATE INDEX benefit_grants_benefit_id_idx ON benefit_grants (benefit_id);
CREATE INDEX benefit_grants_customer_id_idx ON benefit_grants (customer_id);
