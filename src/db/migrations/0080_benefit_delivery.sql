-- What granted benefits deliver to customers (license keys and their activations, downloadables),
-- and how customers sign in to their portal (e-mailed one-time codes, linked OAuth accounts).

CREATE TABLE license_keys (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  benefit_id uuid NOT NULL REFERENCES benefits (id),
  key text NOT NULL,
  status text NOT NULL CHECK (status IN ('granted', 'revoked', 'disabled')),
  limit_activations integer,
  usage integer NOT NULL DEFAULT 0,
  limit_usage integer,
  validations integer NOT NULL DEFAULT 0,
  last_validated_at timestamptz,
  expires_at timestamptz
);
-- Public validation looks a key up by its text within an organization.
CREATE UNIQUE INDEX license_keys_organization_key ON license_keys (organization_id, key);
CREATE INDEX license_keys_benefit_id_idx ON license_keys (benefit_id);
CREATE INDEX license_keys_customer_id_idx ON license_keys (customer_id);

CREATE TABLE license_key_activations (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  license_key_id uuid NOT NULL REFERENCES license_keys (id),
  label text NOT NULL,
  -- what a validation must present again (deep-equal) when it names this activation
  conditions jsonb NOT NULL DEFAULT '{}',
  meta jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX license_key_activations_active_idx ON license_key_activations (license_key_id) WHERE deleted_at IS NULL;

CREATE TABLE downloadables (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  customer_id uuid NOT NULL REFERENCES customers (id),
  benefit_id uuid NOT NULL REFERENCES benefits (id),
  file_id uuid NOT NULL REFERENCES files (id),
  status text NOT NULL CHECK (status IN ('granted', 'revoked')),
  downloaded integer NOT NULL DEFAULT 0,
  last_downloaded_at timestamptz,
  UNIQUE (customer_id, file_id, benefit_id)
);
CREATE INDEX downloadables_benefit_id_idx ON downloadables (benefit_id);

-- OAuth accounts the customer linked (Discord, GitHub), keyed "{platform}:{account_id}" as Polar's.
ALTER TABLE customers ADD COLUMN oauth_accounts jsonb NOT NULL DEFAULT '{}';

-- One-time codes for signing in to the portal by e-mail; stored as an HMAC, valid 30 minutes.
CREATE TABLE customer_session_codes (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  code_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL
);

-- E-mails Floe sends: delivered by SMTP when configured, else kept here for the development outbox.
CREATE TABLE emails (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  organization_id uuid REFERENCES organizations (id),
  to_address text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  sent_at timestamptz
);
CREATE INDEX emails_created_at_idx ON emails (created_at DESC);

-- The sweep that ends subscriptions canceled at period end.
CREATE INDEX subscriptions_ends_at_idx ON subscriptions (ends_at) WHERE status IN ('active', 'trialing') AND ends_at IS NOT NULL;
