// What granted benefits deliver: license keys with their activations, and downloadable files.
import type { Generated, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

export type LicenseKeyStatus = 'granted' | 'revoked' | 'disabled';

export interface LicenseKeysTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  customer_id: string;
  benefit_id: string;
  key: string;
  status: LicenseKeyStatus;
  limit_activations: number | null;
  usage: Generated<number>;
  limit_usage: number | null;
  validations: Generated<number>;
  last_validated_at: NullableTimestamp;
  expires_at: NullableTimestamp;
}
export type LicenseKeyRow = Selectable<LicenseKeysTable>;

export interface LicenseKeyActivationsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  license_key_id: string;
  label: string;
  conditions: Json<Record<string, unknown>>;
  meta: Json<Record<string, unknown>>;
}
export type LicenseKeyActivationRow = Selectable<LicenseKeyActivationsTable>;

export interface DownloadablesTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  customer_id: string;
  benefit_id: string;
  file_id: string;
  status: 'granted' | 'revoked';
  downloaded: Generated<number>;
  last_downloaded_at: NullableTimestamp;
}
export type DownloadableRow = Selectable<DownloadablesTable>;

/** What an `ads` grant delivers: the customer's campaign, named by the grant's `advertisement_campaign_id`. */
export interface AdvertisementCampaignsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  customer_id: string;
  views: Generated<number>;
  clicks: Generated<number>;
  image_url: string;
  image_url_dark: string | null;
  text: string;
  link_url: string;
}
export type AdvertisementCampaignRow = Selectable<AdvertisementCampaignsTable>;
