import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { Nullable, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';

/** Every event type an endpoint can subscribe to (Polar's, and `subscription.uncanceled` of SDK 0.21). */
export const WEBHOOK_EVENT_TYPES = [
  'checkout.created',
  'checkout.updated',
  'order.created',
  'subscription.created',
  'subscription.updated',
  'subscription.active',
  'subscription.canceled',
  'subscription.uncanceled',
  'subscription.revoked',
  'product.created',
  'product.updated',
  'benefit.created',
  'benefit.updated',
  'benefit_grant.created',
  'benefit_grant.updated',
  'benefit_grant.revoked',
  'organization.updated',
  'pledge.created',
  'pledge.updated',
] as const;

const Url = Type.String({ maxLength: 2083, description: 'The URL where the webhook events will be sent.' });
const Format = StringEnum(['raw', 'discord', 'slack'], { description: 'The format of the webhook payload.' });
const Secret = Type.String({ minLength: 1, description: 'The secret used to sign the webhook events.' });
const Events = Type.Array(StringEnum(WEBHOOK_EVENT_TYPES), { description: 'The events that will trigger the webhook.' });

export const WebhookEndpoint = Type.Object({
  ...Timestamps,
  id: UUID,
  url: Type.String(),
  format: Format,
  user_id: Nullable(UUID),
  organization_id: Nullable(UUID),
  events: Type.Array(Type.String()),
});

export const WebhookEndpointCreate = Type.Object({
  url: Url,
  format: Format,
  secret: Secret,
  events: Events,
  organization_id: Type.Optional(Nullable(UUID)),
});
export type WebhookEndpointCreate = Static<typeof WebhookEndpointCreate>;

export const WebhookEndpointUpdate = Type.Object({
  url: Type.Optional(Nullable(Url)),
  format: Type.Optional(Nullable(Format)),
  secret: Type.Optional(Nullable(Secret)),
  events: Type.Optional(Nullable(Events)),
});
export type WebhookEndpointUpdate = Static<typeof WebhookEndpointUpdate>;

export const WebhookEndpointListQuery = Type.Object({
  organization_id: Type.Optional(UUID),
  ...PaginationQuery,
});
export type WebhookEndpointListQuery = Static<typeof WebhookEndpointListQuery>;

export const WebhookEvent = Type.Object({
  ...Timestamps,
  id: UUID,
  last_http_code: Nullable(Type.Integer()),
  succeeded: Nullable(Type.Boolean()),
  payload: Type.String(),
});

export const WebhookDelivery = Type.Object({
  ...Timestamps,
  id: UUID,
  http_code: Nullable(Type.Integer()),
  succeeded: Type.Boolean(),
  response: Nullable(Type.String({ description: 'The start of the response body, or the network error.' })),
  webhook_event: WebhookEvent,
});

export const WebhookDeliveryListQuery = Type.Object({
  endpoint_id: Type.Optional(UUID),
  ...PaginationQuery,
});
export type WebhookDeliveryListQuery = Static<typeof WebhookDeliveryListQuery>;

export const ListResourceWebhookEndpoint = ListResource(WebhookEndpoint);
export const ListResourceWebhookDelivery = ListResource(WebhookDelivery);
