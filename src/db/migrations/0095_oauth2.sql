-- OAuth2 and OpenID Connect: Floe as an authorization server ("Sign in with Polar").

-- Clients registered by dashboard users (RFC 7591). The client secret and the registration access
-- token are kept as issued, as Polar keeps them: the client list shows the secret again, so it
-- cannot be a one-way hash. `configuration` holds the registered metadata (redirect URIs, grant
-- types, scope, names and URIs) as the API reads and writes it.
CREATE TABLE oauth2_clients (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  user_id uuid NOT NULL REFERENCES users (id),
  client_id text NOT NULL UNIQUE,
  client_secret text NOT NULL,
  registration_access_token text NOT NULL,
  configuration jsonb NOT NULL
);
CREATE INDEX oauth2_clients_user_id_idx ON oauth2_clients (user_id) WHERE deleted_at IS NULL;

-- Authorization codes (`polar_ac_`): only their HMAC is kept; used once (the row is deleted) and
-- valid for 5 minutes. Each remembers what the token request must match.
CREATE TABLE oauth2_authorization_codes (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  code_hash text NOT NULL UNIQUE,
  client_id text NOT NULL REFERENCES oauth2_clients (client_id),
  sub_type text NOT NULL CHECK (sub_type IN ('user', 'organization')),
  user_id uuid REFERENCES users (id),
  organization_id uuid REFERENCES organizations (id),
  scope text NOT NULL,
  -- as sent: when the request named one, the token request must name the same (RFC 6749 4.1.3)
  redirect_uri text,
  nonce text,
  code_challenge text,
  code_challenge_method text,
  expires_at timestamptz NOT NULL,
  CHECK ((sub_type = 'user') = (user_id IS NOT NULL) AND (sub_type = 'organization') = (organization_id IS NOT NULL))
);
CREATE INDEX oauth2_authorization_codes_nonce_idx ON oauth2_authorization_codes (client_id, nonce) WHERE nonce IS NOT NULL;

-- Issued tokens: one row per access/refresh pair (Polar's model), both halves stored as HMACs. The
-- row counts as revoked when either half is, which is what makes a refresh end the previous access
-- token and a revoked access token's refresh token unusable.
CREATE TABLE oauth2_tokens (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  client_id text NOT NULL REFERENCES oauth2_clients (client_id),
  sub_type text NOT NULL CHECK (sub_type IN ('user', 'organization')),
  user_id uuid REFERENCES users (id),
  organization_id uuid REFERENCES organizations (id),
  token_type text NOT NULL DEFAULT 'Bearer',
  access_token_hash text NOT NULL UNIQUE,
  refresh_token_hash text UNIQUE,
  scope text NOT NULL,
  nonce text,
  issued_at timestamptz NOT NULL,
  expires_in integer NOT NULL,
  access_token_revoked_at timestamptz,
  refresh_token_revoked_at timestamptz,
  CHECK ((sub_type = 'user') = (user_id IS NOT NULL) AND (sub_type = 'organization') = (organization_id IS NOT NULL))
);
CREATE INDEX oauth2_tokens_client_id_idx ON oauth2_tokens (client_id);

-- What a user (or an organization, through a member) consented to for a client: a later
-- authorization within this scope skips the consent screen.
CREATE TABLE oauth2_grants (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  client_id text NOT NULL REFERENCES oauth2_clients (client_id),
  user_id uuid REFERENCES users (id),
  organization_id uuid REFERENCES organizations (id),
  scope text NOT NULL,
  CHECK ((user_id IS NULL) <> (organization_id IS NULL))
);
CREATE UNIQUE INDEX oauth2_grants_user_key ON oauth2_grants (client_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX oauth2_grants_organization_key ON oauth2_grants (client_id, organization_id) WHERE organization_id IS NOT NULL;

-- The RS256 keys ID tokens are signed with. The newest unretired key signs; a retired key stays
-- published in the JWKS until the last ID token it signed has expired. The private key is stored
-- encrypted (AES-256-GCM under a key derived from FLOE_SECRET), so a database dump alone cannot
-- sign tokens.
CREATE TABLE oauth2_signing_keys (
  kid text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  public_jwk jsonb NOT NULL,
  private_jwk_encrypted text NOT NULL
);
-- At most one key signs at a time.
CREATE UNIQUE INDEX oauth2_signing_keys_current_key ON oauth2_signing_keys ((true)) WHERE retired_at IS NULL;
