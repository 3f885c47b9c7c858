import type { ColumnType, Generated, Selectable } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json<T> = ColumnType<T, string | T | undefined, string | T>;
/** A row as PostgreSQL renders it in JSON (`row_to_json`): its timestamps are text. */
export type JsonRow<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export interface UsersTable {
  id: string;
  email: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
}

/** Stored as sent (shallow-merged on update); the API schema says what it holds. */
export type OrganizationProfileSettings = Record<string, unknown>;
export type OrganizationFeatureSettings = Record<string, unknown>;

export interface OrganizationsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  blocked_at: NullableTimestamp;
  onboarded_at: NullableTimestamp;
  name: string;
  slug: string;
  avatar_url: string | null;
  bio: string | null;
  company: string | null;
  blog: string | null;
  location: string | null;
  email: string | null;
  twitter_username: string | null;
  billing_email: string | null;
  default_badge_custom_content: string | null;
  pledge_minimum_amount: Generated<number>;
  pledge_badge_show_amount: Generated<boolean>;
  default_upfront_split_to_contributors: number | null;
  total_monthly_spending_limit: number | null;
  per_user_monthly_spending_limit: number | null;
  profile_settings: Json<OrganizationProfileSettings>;
  feature_settings: Json<OrganizationFeatureSettings>;
}
export type OrganizationRow = Selectable<OrganizationsTable>;

export interface UserOrganizationsTable {
  user_id: string;
  organization_id: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}
