import type { Generated } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

export interface EventsTable {
  id: string;
  created_at: Timestamp;
  organization_id: string;
  type: string;
  payload: Json<{ type: string; data: unknown }>;
  dispatched_at: NullableTimestamp;
  sequence: Generated<number>;
}
