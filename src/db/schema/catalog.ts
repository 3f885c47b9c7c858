import type { Generated, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

type Metadata = Record<string, string | number | boolean>;

export interface FilesTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  service: 'downloadable' | 'product_media' | 'organization_avatar';
  name: string;
  path: string;
  mime_type: string;
  size: number;
  storage_version: string | null;
  checksum_etag: string | null;
  checksum_sha256_base64: string | null;
  checksum_sha256_hex: string | null;
  last_modified_at: NullableTimestamp;
  version: string | null;
  is_uploaded: Generated<boolean>;
  is_enabled: Generated<boolean>;
  upload_id: string | null;
  upload_parts: Json<unknown[]>;
}
export type FileRow = Selectable<FilesTable>;

export interface CustomFieldsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  type: 'text' | 'number' | 'date' | 'checkbox' | 'select';
  slug: string;
  name: string;
  properties: Json<Record<string, unknown>>;
  metadata: Json<Metadata>;
}
export type CustomFieldRow = Selectable<CustomFieldsTable>;

export type BenefitType = 'custom' | 'ads' | 'discord' | 'github_repository' | 'downloadables' | 'license_keys';

export interface BenefitsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  type: BenefitType;
  description: string;
  selectable: Generated<boolean>;
  deletable: Generated<boolean>;
  is_tax_applicable: Generated<boolean>;
  properties: Json<Record<string, unknown>>;
}
export type BenefitRow = Selectable<BenefitsTable>;

export interface ProductsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  organization_id: string;
  name: string;
  description: string | null;
  is_recurring: boolean;
  is_archived: Generated<boolean>;
  metadata: Json<Metadata>;
}
export type ProductRow = Selectable<ProductsTable>;

export interface ProductPricesTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  product_id: string;
  type: 'one_time' | 'recurring';
  recurring_interval: 'month' | 'year' | null;
  amount_type: 'fixed' | 'custom' | 'free';
  price_currency: string | null;
  price_amount: number | null;
  minimum_amount: number | null;
  maximum_amount: number | null;
  preset_amount: number | null;
  is_archived: Generated<boolean>;
  /** Insertion order across all prices: breaks ties of created_at (prices created together). */
  position: Generated<number>;
}
export type ProductPriceRow = Selectable<ProductPricesTable>;

export interface ProductBenefitsTable {
  product_id: string;
  benefit_id: string;
  order: number;
  created_at: Timestamp;
}

export interface ProductMediasTable {
  product_id: string;
  file_id: string;
  order: number;
  created_at: Timestamp;
}

export interface ProductCustomFieldsTable {
  product_id: string;
  custom_field_id: string;
  order: number;
  required: Generated<boolean>;
  created_at: Timestamp;
}

export interface DiscountsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  name: string;
  type: 'fixed' | 'percentage';
  amount: number | null;
  currency: string | null;
  basis_points: number | null;
  duration: 'once' | 'forever' | 'repeating';
  duration_in_months: number | null;
  code: string | null;
  starts_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  max_redemptions: number | null;
  redemptions_count: Generated<number>;
  metadata: Json<Metadata>;
}
export type DiscountRow = Selectable<DiscountsTable>;

export interface DiscountProductsTable {
  discount_id: string;
  product_id: string;
}

/** Bumped by triggers on every catalog change of the organization and on changes to the organization itself (0003, 0081). */
export interface CatalogVersionsTable {
  organization_id: string;
  version: number;
}

export interface BenefitGrantsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  granted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  customer_id: string;
  benefit_id: string;
  order_id: string | null;
  subscription_id: string | null;
  properties: Json<Record<string, unknown>>;
  error: Json<Record<string, unknown>> | null;
}
export type BenefitGrantRow = Selectable<BenefitGrantsTable>;
