-- External organizations (GitHub accounts and organizations) and their repositories, read from
-- GitHub's REST API when a merchant links an account (`floe github link`) and refreshed
-- periodically. GitHub names are case-insensitive, so names are compared lower-cased.

CREATE TABLE external_organizations (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  -- the Floe organization the account is linked to
  organization_id uuid REFERENCES organizations (id) ON DELETE SET NULL,
  platform text NOT NULL CHECK (platform IN ('github')),
  external_id bigint NOT NULL,
  name text NOT NULL,
  avatar_url text NOT NULL,
  is_personal boolean NOT NULL,
  bio text,
  pretty_name text,
  company text,
  blog text,
  location text,
  email text,
  twitter_username text,
  -- the last read of the account and its repositories that was stored in full
  synced_at timestamptz,
  -- the last attempt (claimed by a refresh) and, when it failed, why
  sync_attempted_at timestamptz,
  sync_error text,
  UNIQUE (platform, external_id)
);
CREATE UNIQUE INDEX external_organizations_platform_name ON external_organizations (platform, lower(name));
CREATE INDEX external_organizations_organization_id_idx ON external_organizations (organization_id);

CREATE TABLE repositories (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  -- set when a refresh no longer finds the repository on GitHub
  deleted_at timestamptz,
  external_organization_id uuid NOT NULL REFERENCES external_organizations (id),
  platform text NOT NULL CHECK (platform IN ('github')),
  external_id bigint NOT NULL,
  name text NOT NULL,
  description text,
  stars integer,
  forks integer,
  open_issues integer,
  watchers integer,
  main_branch text,
  topics jsonb NOT NULL DEFAULT '[]',
  license text,
  homepage text,
  is_private boolean NOT NULL,
  is_fork boolean,
  is_archived boolean,
  repository_pushed_at timestamptz,
  repository_created_at timestamptz,
  repository_modified_at timestamptz,
  -- set through the API only (PATCH /v1/repositories/{id}); never overwritten by a refresh
  profile_settings jsonb NOT NULL DEFAULT '{}',
  UNIQUE (platform, external_id)
);
CREATE INDEX repositories_external_organization_id_idx ON repositories (external_organization_id, lower(name));
CREATE INDEX repositories_public_idx ON repositories (created_at) WHERE deleted_at IS NULL AND NOT is_private;
