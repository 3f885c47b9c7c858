// External organizations (GitHub accounts and organizations) and their repositories, as read from
// GitHub; a repository belongs to its external organization.
import type { Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

export type Platform = 'github';

export interface ExternalOrganizationsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string | null;
  platform: Platform;
  /** GitHub's numeric id. */
  external_id: number;
  name: string;
  avatar_url: string;
  is_personal: boolean;
  bio: string | null;
  pretty_name: string | null;
  company: string | null;
  blog: string | null;
  location: string | null;
  email: string | null;
  twitter_username: string | null;
  synced_at: NullableTimestamp;
  sync_attempted_at: NullableTimestamp;
  sync_error: string | null;
}
export type ExternalOrganizationRow = Selectable<ExternalOrganizationsTable>;

/** Stored as Polar's RepositoryProfileSettings dumps it: only keys that were ever set. */
export interface RepositoryProfileSettings {
  description?: string | null;
  cover_image_url?: string | null;
  featured_organizations?: string[] | null;
  highlighted_subscription_tiers?: string[] | null;
  links?: string[] | null;
}

export interface RepositoriesTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  external_organization_id: string;
  platform: Platform;
  external_id: number;
  name: string;
  description: string | null;
  stars: number | null;
  forks: number | null;
  open_issues: number | null;
  watchers: number | null;
  main_branch: string | null;
  topics: Json<string[]>;
  license: string | null;
  homepage: string | null;
  is_private: boolean;
  is_fork: boolean | null;
  is_archived: boolean | null;
  repository_pushed_at: NullableTimestamp;
  repository_created_at: NullableTimestamp;
  repository_modified_at: NullableTimestamp;
  profile_settings: Json<RepositoryProfileSettings>;
}
export type RepositoryRow = Selectable<RepositoriesTable>;
