-- The catalog: files, custom fields, benefits, products and their prices, discounts.
-- Every tenant-owned table carries organization_id. Deletion is soft (deleted_at) where Polar's is.

CREATE TABLE files (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  service text NOT NULL CHECK (service IN ('downloadable', 'product_media', 'organization_avatar')),
  name text NOT NULL,
  path text NOT NULL,
  mime_type text NOT NULL,
  size bigint NOT NULL,
  storage_version text,
  checksum_etag text,
  checksum_sha256_base64 text,
  checksum_sha256_hex text,
  last_modified_at timestamptz,
  version text,
  is_uploaded boolean NOT NULL DEFAULT false,
  is_enabled boolean NOT NULL DEFAULT true,
  -- the storage driver's multipart upload id and the parts it expects (number, size, checksum)
  upload_id text,
  upload_parts jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX files_organization_id_idx ON files (organization_id);

CREATE TABLE custom_fields (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'checkbox', 'select')),
  slug text NOT NULL,
  name text NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX custom_fields_organization_id_slug_key ON custom_fields (organization_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE benefits (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  type text NOT NULL CHECK (type IN ('custom', 'ads', 'discord', 'github_repository', 'downloadables', 'license_keys')),
  description text NOT NULL,
  selectable boolean NOT NULL DEFAULT true,
  deletable boolean NOT NULL DEFAULT true,
  is_tax_applicable boolean NOT NULL DEFAULT false,
  properties jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX benefits_organization_id_idx ON benefits (organization_id);

CREATE TABLE products (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  description text,
  is_recurring boolean NOT NULL,
  is_archived boolean NOT NULL DEFAULT false,
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX products_organization_id_created_at_idx ON products (organization_id, created_at DESC);

CREATE TABLE product_prices (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  product_id uuid NOT NULL REFERENCES products (id),
  type text NOT NULL CHECK (type IN ('one_time', 'recurring')),
  recurring_interval text CHECK (recurring_interval IN ('month', 'year')),
  amount_type text NOT NULL CHECK (amount_type IN ('fixed', 'custom', 'free')),
  price_currency text,
  price_amount integer,
  minimum_amount integer,
  maximum_amount integer,
  preset_amount integer,
  is_archived boolean NOT NULL DEFAULT false
);
CREATE INDEX product_prices_product_id_idx ON product_prices (product_id, created_at);

CREATE TABLE product_benefits (
  product_id uuid NOT NULL REFERENCES products (id),
  benefit_id uuid NOT NULL REFERENCES benefits (id),
  "order" integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, benefit_id)
);
CREATE INDEX product_benefits_benefit_id_idx ON product_benefits (benefit_id);

CREATE TABLE product_medias (
  product_id uuid NOT NULL REFERENCES products (id),
  file_id uuid NOT NULL REFERENCES files (id),
  "order" integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, file_id)
);

CREATE TABLE product_custom_fields (
  product_id uuid NOT NULL REFERENCES products (id),
  custom_field_id uuid NOT NULL REFERENCES custom_fields (id),
  "order" integer NOT NULL,
  required boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, custom_field_id)
);

CREATE TABLE discounts (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('fixed', 'percentage')),
  amount integer,
  currency text,
  basis_points integer,
  duration text NOT NULL CHECK (duration IN ('once', 'forever', 'repeating')),
  duration_in_months integer,
  code text,
  starts_at timestamptz,
  ends_at timestamptz,
  max_redemptions integer,
  redemptions_count integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX discounts_organization_id_idx ON discounts (organization_id);
-- codes are unique per organization, case-insensitively, among discounts not deleted
CREATE UNIQUE INDEX discounts_organization_id_code_key ON discounts (organization_id, lower(code)) WHERE deleted_at IS NULL AND code IS NOT NULL;

CREATE TABLE discount_products (
  discount_id uuid NOT NULL REFERENCES discounts (id),
  product_id uuid NOT NULL REFERENCES products (id),
  PRIMARY KEY (discount_id, product_id)
);
