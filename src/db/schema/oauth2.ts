import type { Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

export type SubType = 'user' | 'organization';

/** A client's registered metadata (RFC 7591), as the API reads and writes it. */
export interface OAuth2ClientConfiguration {
  redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  grant_types: ('authorization_code' | 'refresh_token')[];
  response_types: 'code'[];
  scope: string;
  client_name: string;
  client_uri: string | null;
  logo_uri: string | null;
  tos_uri: string | null;
  policy_uri: string | null;
}

export interface OAuth2ClientsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  user_id: string;
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  configuration: Json<OAuth2ClientConfiguration>;
}
export type OAuth2ClientRow = Selectable<OAuth2ClientsTable>;

export interface OAuth2AuthorizationCodesTable {
  id: string;
  created_at: Timestamp;
  code_hash: string;
  client_id: string;
  sub_type: SubType;
  user_id: string | null;
  organization_id: string | null;
  scope: string;
  redirect_uri: string | null;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: Timestamp;
}
export type OAuth2AuthorizationCodeRow = Selectable<OAuth2AuthorizationCodesTable>;

export interface OAuth2TokensTable {
  id: string;
  created_at: Timestamp;
  client_id: string;
  sub_type: SubType;
  user_id: string | null;
  organization_id: string | null;
  token_type: string;
  access_token_hash: string;
  refresh_token_hash: string | null;
  scope: string;
  nonce: string | null;
  issued_at: Timestamp;
  expires_in: number;
  access_token_revoked_at: NullableTimestamp;
  refresh_token_revoked_at: NullableTimestamp;
}
export type OAuth2TokenRow = Selectable<OAuth2TokensTable>;

export interface OAuth2GrantsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  client_id: string;
  user_id: string | null;
  organization_id: string | null;
  scope: string;
}

export interface OAuth2SigningKeysTable {
  kid: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
  public_jwk: Json<Record<string, unknown>>;
  private_jwk_encrypted: string;
}
