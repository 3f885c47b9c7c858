-- Users, organizations, memberships and access tokens: the platform every module stands on.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  blocked_at timestamptz,
  onboarded_at timestamptz,
  name text NOT NULL,
  -- unique even among deleted organizations, as Polar's
  slug text NOT NULL UNIQUE,
  avatar_url text,
  bio text,
  company text,
  blog text,
  location text,
  email text,
  twitter_username text,
  billing_email text,
  default_badge_custom_content text,
  pledge_minimum_amount integer NOT NULL DEFAULT 2000,
  pledge_badge_show_amount boolean NOT NULL DEFAULT true,
  default_upfront_split_to_contributors integer,
  total_monthly_spending_limit integer,
  per_user_monthly_spending_limit integer,
  profile_settings jsonb NOT NULL DEFAULT '{}',
  feature_settings jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE user_organizations (
  user_id uuid NOT NULL REFERENCES users (id),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX user_organizations_organization_id_idx ON user_organizations (organization_id);

-- Personal (polar_pat_) and organization (polar_oat_) access tokens. Only the HMAC of the token is kept.
CREATE TABLE access_tokens (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  kind text NOT NULL CHECK (kind IN ('personal', 'organization')),
  token_hash text NOT NULL UNIQUE,
  comment text NOT NULL DEFAULT '',
  user_id uuid REFERENCES users (id),
  organization_id uuid REFERENCES organizations (id),
  scopes text[] NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK ((kind = 'personal' AND user_id IS NOT NULL) OR (kind = 'organization' AND organization_id IS NOT NULL))
);

-- The outbox: every domain event is written here in the transaction of the change that causes it.
-- Deliveries (webhooks) read from it; nothing is sent from inside a request.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  type text NOT NULL,
  payload jsonb NOT NULL
);
CREATE INDEX events_organization_id_created_at_idx ON events (organization_id, created_at);
