-- The merchant dashboard's sign-in: one-time codes sent by e-mail, and the web sessions they open.

-- A web session (cookie `floe_session`, token `polar_us_…`, as Polar's). Only the HMAC is kept;
-- signing out deletes the row.
CREATE TABLE user_sessions (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  user_id uuid NOT NULL REFERENCES users (id),
  token_hash text NOT NULL UNIQUE,
  user_agent text NOT NULL DEFAULT '',
  expires_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);

-- Every code request, whether or not the address has an account (a row without a code then):
-- the rate limit counts requests per address, so it says nothing about who has an account.
CREATE TABLE login_codes (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  email text NOT NULL,
  user_id uuid REFERENCES users (id),
  code_hash text UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX login_codes_email_idx ON login_codes (lower(email), created_at);
