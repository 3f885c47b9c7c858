// The body an endpoint receives: the event itself (`raw`, `{"type", "data"}` exactly as recorded),
// or a message in Discord's or Slack's incoming-webhook shape, as Polar formats them.
import type { WebhookFormat } from '../../db/schema/webhook.js';

interface EventPayload {
  type: string;
  data: unknown;
}

function describe(event: EventPayload, organizationName: string): { title: string; description: string; fields: { name: string; value: string }[] } {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === 'order.created') {
    const product = (data.product ?? {}) as { name?: string };
    const customer = (data.customer ?? {}) as { email?: string };
    const amount = typeof data.amount === 'number' ? `$${(data.amount / 100).toFixed(2)}` : '';
    const fields = [
      { name: 'Product', value: product.name ?? '' },
      { name: 'Amount', value: amount },
      { name: 'Customer', value: customer.email ?? '' },
    ];
    if (data.subscription) fields.push({ name: 'Subscription', value: 'Yes' });
    return { title: 'New Order', description: `New order has been made to ${organizationName}.`, fields };
  }
  return { title: event.type, description: event.type, fields: [{ name: 'Object', value: String(data.id ?? '') }, { name: 'Organization', value: organizationName }] };
}

export function renderPayload(format: WebhookFormat, event: EventPayload, organizationName: string): string {
  if (format === 'raw') return JSON.stringify(event);
  const { title, description, fields } = describe(event, organizationName);
  if (format === 'discord') {
    return JSON.stringify({
      content: title,
      embeds: [{ title, description, fields, color: 0x0062ff, footer: { text: 'Floe' } }],
    });
  }
  return JSON.stringify({
    text: title,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: description }, fields: fields.map((field) => ({ type: 'mrkdwn', text: `*${field.name}*\n${field.value}` })) }],
  });
}
