import type { Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from './organization.js';

export interface AccessTokensTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  kind: 'personal' | 'organization';
  token_hash: string;
  comment: string;
  user_id: string | null;
  organization_id: string | null;
  scopes: string[];
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}
export type AccessTokenRow = Selectable<AccessTokensTable>;

export interface UserSessionsTable {
  id: string;
  created_at: Timestamp;
  user_id: string;
  token_hash: string;
  user_agent: string;
  expires_at: Timestamp;
}

export interface LoginCodesTable {
  id: string;
  created_at: Timestamp;
  email: string;
  user_id: string | null;
  code_hash: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}
