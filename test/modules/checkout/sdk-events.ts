// The SDK's own parsers of webhook payloads, by event type: what `validateEvent` applies after
// checking the signature.
import {
  WebhookBenefitCreatedPayload$inboundSchema,
  WebhookBenefitUpdatedPayload$inboundSchema,
  WebhookCheckoutCreatedPayload$inboundSchema,
  WebhookCheckoutUpdatedPayload$inboundSchema,
  WebhookOrderCreatedPayload$inboundSchema,
  WebhookOrganizationUpdatedPayload$inboundSchema,
  WebhookProductCreatedPayload$inboundSchema,
  WebhookProductUpdatedPayload$inboundSchema,
  WebhookSubscriptionActivePayload$inboundSchema,
  WebhookSubscriptionCanceledPayload$inboundSchema,
  WebhookSubscriptionCreatedPayload$inboundSchema,
  WebhookSubscriptionRevokedPayload$inboundSchema,
  WebhookSubscriptionUpdatedPayload$inboundSchema,
} from '@polar-sh/sdk/models/components/index.js';

const PARSERS: Record<string, { parse(value: unknown): unknown }> = {
  'benefit.created': WebhookBenefitCreatedPayload$inboundSchema,
  'benefit.updated': WebhookBenefitUpdatedPayload$inboundSchema,
  'checkout.created': WebhookCheckoutCreatedPayload$inboundSchema,
  'checkout.updated': WebhookCheckoutUpdatedPayload$inboundSchema,
  'order.created': WebhookOrderCreatedPayload$inboundSchema,
  'organization.updated': WebhookOrganizationUpdatedPayload$inboundSchema,
  'product.created': WebhookProductCreatedPayload$inboundSchema,
  'product.updated': WebhookProductUpdatedPayload$inboundSchema,
  'subscription.active': WebhookSubscriptionActivePayload$inboundSchema,
  'subscription.created': WebhookSubscriptionCreatedPayload$inboundSchema,
  'subscription.updated': WebhookSubscriptionUpdatedPayload$inboundSchema,
  'subscription.canceled': WebhookSubscriptionCanceledPayload$inboundSchema,
  'subscription.revoked': WebhookSubscriptionRevokedPayload$inboundSchema,
};

export function parseEvent(payload: { type: string; data: unknown }): unknown {
  const parser = PARSERS[payload.type];
  if (!parser) throw new Error(`no SDK parser for ${payload.type}`);
  return parser.parse(payload);
}
