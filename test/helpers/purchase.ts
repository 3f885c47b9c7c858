// Buying through the public checkout API, as a customer's browser does, for tests of what a
// purchase leads to (orders, subscriptions, benefit grants, the customer portal).
import { clock } from '../../src/kit/clock.js';
import type { TestApp } from './app.js';

export async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Opens a checkout for the price, pays with the test card, and waits until the order exists (and
 * the grant jobs it enqueued have run, when `waitForGrants`). Needs a running worker.
 */
export async function purchase(
  floe: TestApp,
  merchantSdk: ReturnType<TestApp['sdk']>,
  priceId: string,
  email: string,
  options: { waitForGrants?: boolean; confirmationTokenId?: string; discountId?: string } = {},
) {
  const checkout = await merchantSdk.checkouts.custom.create({ productPriceId: priceId, discountId: options.discountId });
  const confirmed = await floe.sdk().checkouts.custom.clientConfirm({
    clientSecret: checkout.clientSecret,
    checkoutConfirmStripe: { customerEmail: email, customerName: 'Test Buyer', customerBillingAddress: { country: 'US' }, confirmationTokenId: options.confirmationTokenId ?? 'tok_visa' },
  });
  let orderId = '';
  await until(async () => {
    const order = await floe.db.selectFrom('orders').select('id').where('checkout_id', '=', checkout.id).executeTakeFirst();
    orderId = order?.id ?? '';
    return order !== undefined;
  });
  if (options.waitForGrants ?? true) await jobsDone(floe);
  const order = await floe.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  return { checkout, order, customerId: order.customer_id, customerSessionToken: confirmed.customerSessionToken! };
}

/** Waits until no job is pending (due now, by Floe's clock, or running). */
export async function jobsDone(floe: TestApp): Promise<void> {
  await until(async () => {
    const pending = await floe.db.selectFrom('jobs').select('id').where('done_at', 'is', null).where('failed_at', 'is', null).where('run_at', '<=', new Date(clock.now().getTime() + 100)).executeTakeFirst();
    return pending === undefined;
  });
}

/** Moves the organization's test clock (`advance_by` an ISO 8601 duration, or `advance_to` a date-time); answers the HTTP status and body. */
export async function advanceClock(floe: TestApp, token: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${floe.baseUrl}/v1/floe/test-clock`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The organization's time by its test clock. */
export async function clockNow(floe: TestApp, token: string, organizationId: string): Promise<Date> {
  const response = await fetch(`${floe.baseUrl}/v1/floe/test-clock?organization_id=${organizationId}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { now: string };
  return new Date(body.now);
}
