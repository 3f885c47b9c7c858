import type { Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from './organization.js';

export type WebhookFormat = 'raw' | 'discord' | 'slack';

export interface WebhookEndpointsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  url: string;
  format: WebhookFormat;
  secret: string;
  events: string[];
}
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;

export interface WebhookEventsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  event_id: string;
  endpoint_id: string;
  payload: string;
  succeeded: boolean | null;
  last_http_code: number | null;
  attempts: number;
  next_attempt_at: NullableTimestamp;
  locked_until: NullableTimestamp;
}
export type WebhookEventRow = Selectable<WebhookEventsTable>;

export interface WebhookDeliveriesTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  webhook_event_id: string;
  endpoint_id: string;
  succeeded: boolean;
  http_code: number | null;
  response: string | null;
  duration_ms: number | null;
}
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
