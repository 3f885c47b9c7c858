// Confirming a checkout and what follows, each step one transaction:
// 1. confirm (the customer's request): validate everything at once (one 422 listing every
//    problem), take the discount redemption under a lock on the discount (never past its limit),
//    find or create the customer by email, charge through the processor, mark the checkout
//    `confirmed` and enqueue its success. A declined charge rolls all of it back (no redemption,
//    no customer change) and answers 400 with the processor's reason.
// 2. `checkout.handle_success` (a job, like a processor's webhook): under a lock on the checkout,
//    once only, write the order, and for a recurring price the subscription, mark the checkout
//    `succeeded` and record the events; then, after that commit, grant the order's benefits (the
//    same job: run again, it finds the order and grants what is missing).
// Confirming twice is refused (the checkout is no longer open), and the order's unique
// checkout_id makes a second success impossible: one checkout, at most one order.
import type { Config } from '../../config.js';
import type { CustomerRow, OrderRow, SubscriptionRow } from '../../db/schema/commerce.js';
import type { Authenticator } from '../../kit/auth.js';
import { periodEndAfter } from '../../kit/calendar.js';
import { clock, organizationNow } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import { commitWith, transaction, type Transaction } from '../../kit/db.js';
import { BadRequest, ResourceNotFound, ValidationIssues } from '../../kit/errors.js';
import { recordEvent, recordEvents, type EventData } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { enqueueJob } from '../../kit/jobs.js';
import { validateCustomFieldData } from '../custom-field/service.js';
import type { PaymentProcessor, SavedPaymentMethod } from '../../payments/processor.js';
import { findCustomer, savePaymentMethod, upsertCustomerByEmail } from '../customer/service.js';
import { createCustomerSessionToken } from '../customer-session/token.js';
import { findDiscount, isRedeemable } from '../discount/service.js';
import { presentOrder } from '../order/presenter.js';
import { getOrganizationById } from '../organization/service.js';
import { sendConfirmation } from '../subscription/emails.js';
import { presentSubscription } from '../subscription/presenter.js';
import { derive, presentCheckout, type LoadedCheckout } from './presenter.js';
import * as repository from './repository.js';
import type { CheckoutConfirm } from './schemas.js';
import { columnsOf, loadCheckout, prepareUpdate } from './service.js';

export const HANDLE_SUCCESS_JOB = 'checkout.handle_success';

/** Takes one use of the discount, under a lock on it, or says it is used up. */
async function redeemDiscount(trx: Transaction, discountId: string, checkoutId: string): Promise<boolean> {
  // NO KEY UPDATE, not UPDATE: confirming checkouts already hold KEY SHARE on the discount (their
  // discount_id foreign key), which FOR UPDATE would wait on, each for the other (a deadlock).
  await trx.selectFrom('discounts').select('id').where('id', '=', discountId).forNoKeyUpdate().executeTakeFirst();
  const discount = await findDiscount(trx, discountId);
  if (!discount || discount.deleted_at || !isRedeemable(discount)) return false;
  await trx.insertInto('discount_redemptions').values({ id: newId(), created_at: clock.now(), discount_id: discountId, checkout_id: checkoutId }).execute();
  return true;
}

export async function confirmCheckout(
  trx: Transaction,
  config: Config,
  processor: PaymentProcessor,
  authenticator: Authenticator,
  clientSecret: string,
  body: CheckoutConfirm,
): Promise<{ loaded: LoadedCheckout; customerSessionToken: string }> {
  const locked = await repository.lockByClientSecret(trx, clientSecret);
  if (!locked) throw new ResourceNotFound();
  // The customer's last changes and the confirmation are one write and one `checkout.updated`, as Polar's.
  const { confirmation_token_id: confirmationTokenId, ...input } = body;
  const { changes: update, price: updatedPrice } = await prepareUpdate(trx, locked, input);
  let loaded = await loadCheckout(trx, { ...locked, ...update }, { price: updatedPrice });
  const { checkout, price, product } = loaded;
  const flags = derive(loaded);

  const issues = new ValidationIssues();
  if (price.amount_type === 'custom' && checkout.amount === null) issues.add(['body', 'amount'], 'Amount is required for custom prices.', null, 'missing');
  if (price.is_archived) issues.add(['body', 'product_price_id'], 'Price is archived.', checkout.product_price_id);
  if (product.is_archived) issues.add(['body', 'product_price_id'], 'Product is archived.', checkout.product_price_id);
  const required: ('customer_email' | 'customer_name' | 'customer_billing_address')[] = ['customer_email', ...(flags.is_payment_form_required ? (['customer_name', 'customer_billing_address'] as const) : [])];
  for (const field of required) {
    if (checkout[field] === null || checkout[field] === undefined) issues.add(['body', field], 'Field is required.', null, 'missing');
  }
  const customFieldData = validateCustomFieldData(product.attached_custom_fields, checkout.custom_field_data, issues, { enforceRequired: true });
  if (flags.is_payment_required && !confirmationTokenId) issues.add(['body', 'confirmation_token_id'], 'Confirmation token is required.', null, 'missing');
  issues.throwIfAny();

  if (checkout.discount_id && !(await redeemDiscount(trx, checkout.discount_id, checkout.id))) {
    const used = new ValidationIssues();
    used.add(['body', 'discount_id'], 'Discount is no longer redeemable.', checkout.discount_id);
    used.throwIfAny();
  }
  const customer = await upsertCustomerByEmail(trx, checkout.organization_id, {
    email: checkout.customer_email ?? '',
    name: checkout.customer_name,
    billingAddress: checkout.customer_billing_address,
  });
  let paymentMetadata: Record<string, string> = {};
  // A subscription keeps the card for its renewals (Stripe's setup_future_usage).
  const savesCard = flags.is_payment_setup_required && confirmationTokenId !== undefined && confirmationTokenId !== null;
  let saved: SavedPaymentMethod | undefined;
  if (flags.is_payment_required && confirmationTokenId) {
    const result = await processor.charge({
      confirmationTokenId,
      amount: flags.total_amount ?? 0,
      currency: checkout.currency ?? 'usd',
      // One charge per checkout and payment method: a retry with the same card never charges twice.
      idempotencyKey: `checkout:${checkout.id}:${confirmationTokenId}`,
      customerEmail: customer.email,
      savePaymentMethod: savesCard,
    });
    // A declined payment changes nothing: the transaction (redemption, customer) rolls back.
    if (!result.ok) throw new BadRequest(result.message, 'PaymentError');
    paymentMetadata = { payment_intent_id: result.charge.id };
    saved = result.paymentMethod;
  } else if (savesCard && confirmationTokenId) {
    const result = await processor.savePaymentMethod({ confirmationTokenId, customerEmail: customer.email });
    if (!result.ok) throw new BadRequest(result.message, 'PaymentError');
    saved = result.paymentMethod;
  }
  if (saved) paymentMetadata.payment_method_id = await savePaymentMethod(trx, customer, saved);
  const changes = {
    ...update,
    status: 'confirmed' as const,
    customer_id: customer.id,
    custom_field_data: customFieldData,
    payment_processor_metadata: { customer_id: customer.id, ...paymentMetadata },
    modified_at: clock.now(),
  };
  const confirmed = { ...loaded.checkout, ...changes };
  // The checkout as it reads once written: what the confirmation adds goes before, and the write
  // ends the transaction.
  loaded = await loadCheckout(trx, confirmed, loaded);
  await enqueueJob(trx, HANDLE_SUCCESS_JOB, { checkoutId: checkout.id });
  const session = await createCustomerSessionToken(trx, authenticator, customer.id);
  await recordEvent(trx, confirmed.organization_id, 'checkout.updated', () => presentCheckout(config, loaded));
  await commitWith(trx, (writer) => repository.updateStatement(writer, checkout.id, columnsOf(changes)));
  return { loaded, customerSessionToken: session.token };
}

/** Writes the order (and subscription) of a confirmed checkout, once; answers the checkout's order. */
export async function handleSuccess(trx: Transaction, config: Config, checkoutId: string): Promise<string | undefined> {
  const checkout = await repository.lock(trx, checkoutId);
  // Already done (this is a retry): its order, for the grants that may not have followed.
  if (checkout?.status === 'succeeded') return (await trx.selectFrom('orders').select('id').where('checkout_id', '=', checkout.id).executeTakeFirst())?.id;
  if (!checkout || checkout.status !== 'confirmed' || !checkout.customer_id) return undefined;
  const loaded = await loadCheckout(trx, checkout);
  const customerId = checkout.customer_id;
  // The customer row (its foreign key keeps it) only for payloads of events that are kept.
  let customerRead: Promise<CustomerRow> | undefined;
  const customer = () =>
    (customerRead ??= findCustomer(trx, customerId).then((row) => {
      if (!row) throw new Error(`checkout ${checkout.id} lost its customer`);
      return row;
    }));
  const { price, product, discount } = loaded;
  // Stamped with the organization's time: with a test clock ahead, the subscription's periods count from it.
  const now = await organizationNow(trx, checkout.organization_id);
  const total = derive(loaded).total_amount ?? 0;
  let subscription: SubscriptionRow | undefined;
  if (price.type === 'recurring' && price.recurring_interval) {
    const periodEnd = periodEndAfter(now, price.recurring_interval, now);
    subscription = await trx
      .insertInto('subscriptions')
      .values({
        id: newId(),
        created_at: now,
        organization_id: checkout.organization_id,
        customer_id: customerId,
        product_id: product.id,
        price_id: price.id,
        discount_id: checkout.discount_id,
        checkout_id: checkout.id,
        amount: checkout.amount,
        currency: checkout.currency,
        recurring_interval: price.recurring_interval,
        status: 'active',
        current_period_start: now,
        current_period_end: periodEnd,
        billing_cycle_anchor: now,
        due_at: periodEnd,
        payment_method_id: typeof checkout.payment_processor_metadata.payment_method_id === 'string' ? checkout.payment_processor_metadata.payment_method_id : null,
        started_at: now,
        custom_field_data: JSON.stringify(checkout.custom_field_data),
        metadata: JSON.stringify(checkout.metadata),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  // The checkout is locked, so what it becomes and the order are known without reading them back:
  // the events go first, then one statement writes both and ends the transaction.
  const succeeded = { ...checkout, status: 'succeeded' as const, subscription_id: subscription?.id ?? null, modified_at: now };
  const order: OrderRow = {
    id: newId(),
    created_at: now,
    modified_at: null,
    organization_id: checkout.organization_id,
    customer_id: customerId,
    product_id: product.id,
    product_price_id: price.id,
    discount_id: checkout.discount_id,
    subscription_id: subscription?.id ?? null,
    checkout_id: checkout.id,
    amount: total - (checkout.tax_amount ?? 0),
    tax_amount: checkout.tax_amount ?? 0,
    currency: checkout.currency ?? 'usd',
    billing_reason: subscription ? 'subscription_create' : 'purchase',
    billing_address: checkout.customer_billing_address,
    custom_field_data: checkout.custom_field_data,
    metadata: checkout.metadata,
    subscription_period_start: subscription ? now : null,
  };
  const events: { type: string; data: EventData }[] = [
    { type: 'checkout.updated', data: async () => presentCheckout(config, await loadCheckout(trx, succeeded, loaded)) },
    { type: 'order.created', data: async () => presentOrder({ order, customer: await customer(), product, price, discount, subscription }) },
  ];
  if (subscription) {
    const presented = async () => presentSubscription(config, { subscription, customer: await customer(), product, price, discount });
    events.push({ type: 'subscription.created', data: presented }, { type: 'subscription.active', data: presented });
    const organization = await getOrganizationById(trx, checkout.organization_id);
    await sendConfirmation(trx, config, { organization, customer: await customer(), productName: product.name }, subscription.current_period_end ?? now, now);
  }
  await recordEvents(trx, checkout.organization_id, events, { at: now });
  await commitWith(trx, (writer) =>
    writer
      .with('succeeded', (db) => db.updateTable('checkouts').set({ status: succeeded.status, subscription_id: succeeded.subscription_id, modified_at: now }).where('id', '=', checkout.id))
      .insertInto('orders')
      .values({
        ...order,
        billing_address: order.billing_address ? JSON.stringify(order.billing_address) : null,
        custom_field_data: JSON.stringify(order.custom_field_data),
        metadata: JSON.stringify(order.metadata),
      }),
  );
  return order.id;
}

/**
 * Expires open checkouts whose time has passed (run by a recurring job, and by a test clock for
 * its organization, `until` its new time): each stamped with its `expires_at`.
 */
export async function expireCheckouts(context: Context, scope: { until?: Date; organizationId?: string } = {}): Promise<number> {
  return transaction(context.db, async (trx) => {
    const expired = await repository.lockExpired(trx, scope.until ?? clock.now(), 500, scope.organizationId);
    for (const checkout of expired) {
      const at = scope.until ? checkout.expires_at : clock.now();
      const updated = await repository.update(trx, checkout.id, { status: 'expired', modified_at: at });
      await recordEvent(trx, checkout.organization_id, 'checkout.updated', async () => presentCheckout(context.config, await loadCheckout(trx, updated)), { at });
    }
    return expired.length;
  });
}
