-- Checkout links: a reusable URL that opens a fresh checkout session for a product (or one of its
-- prices) each time it is visited.
CREATE TABLE checkout_links (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  client_secret text NOT NULL UNIQUE,
  product_id uuid NOT NULL REFERENCES products (id),
  -- null: the product's first active price at the time of the visit
  product_price_id uuid REFERENCES product_prices (id),
  discount_id uuid REFERENCES discounts (id),
  label text,
  allow_discount_codes boolean NOT NULL DEFAULT true,
  success_url text,
  payment_processor text NOT NULL DEFAULT 'stripe',
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX checkout_links_organization_id_created_at_idx ON checkout_links (organization_id, created_at DESC);
