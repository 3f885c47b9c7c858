// Purchases in bulk: many customers' checkouts, each confirmed and succeeded as confirm.ts does it,
// written together for a batch (the demo data of `floe demo`). Per purchase, as one checkout: the
// customer found or created by email, the card charged through the processor (and kept, for a
// subscription), a `succeeded` checkout, its order and, for a recurring price, its subscription,
// their events, the subscription's confirmation e-mail and the order's benefit grants (a job).
// A declined card leaves nothing of its purchase, as a confirmation answering 400 does. The
// writes are a few multi-row statements per table for the whole batch, in the caller's
// transaction; everything is stamped with the organization's time (its test clock).
import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import type { Address, CheckoutRow, CustomerRow, OrderRow, SubscriptionRow } from '../../db/schema/commerce.js';
import type { Tables } from '../../db/schema/index.js';
import { periodEndAfter } from '../../kit/calendar.js';
import { organizationNow } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import type { Transaction } from '../../kit/db.js';
import { recordEvents, type EventData } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { enqueueJob } from '../../kit/jobs.js';
import type { Metadata } from '../../kit/metadata.js';
import type { SavedPaymentMethod } from '../../payments/processor.js';
import { GRANT_JOBS } from '../benefit/grants.js';
import { savePaymentMethods, upsertCustomersByEmail } from '../customer/service.js';
import { presentOrder } from '../order/presenter.js';
import { getOrganizationById } from '../organization/service.js';
import type { LoadedProduct } from '../product/service.js';
import { sendConfirmation } from '../subscription/emails.js';
import { presentSubscription } from '../subscription/presenter.js';
import { presentCheckout } from './presenter.js';
import { columnsOf } from './service.js';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest row (a checkout's). */
const ROWS_PER_STATEMENT = 1000;
const CHECKOUT_TTL_MS = 60 * 60 * 1000;

export interface BulkPurchase {
  product: LoadedProduct;
  /** A fixed or free price of the product (pay-what-you-want needs a buyer's amount: not here). */
  price: ProductPriceRow;
  email: string;
  name: string;
  billingAddress: Address;
  /** A test token (`tok_visa`…), as the checkout page makes one. */
  confirmationTokenId: string;
  metadata?: Metadata;
}

export interface CompletedPurchase {
  /** Its place among the purchases given. */
  index: number;
  checkoutId: string;
  orderId: string;
  customerId: string;
  subscriptionId: string | null;
}

/** One purchase as it is being written. */
interface Pending {
  /** Its place among the purchases given. */
  index: number;
  purchase: BulkPurchase;
  checkout: CheckoutRow;
  customer: CustomerRow;
  saved: SavedPaymentMethod | undefined;
  subscription?: SubscriptionRow;
  order?: OrderRow;
}

function checkPurchase(organizationId: string, { product, price }: BulkPurchase): void {
  if (product.organization_id !== organizationId || price.product_id !== product.id) throw new Error(`price ${price.id} is not of product ${product.id} of organization ${organizationId}`);
  if (product.is_archived || price.is_archived) throw new Error(`price ${price.id} or its product is archived`);
  if (price.amount_type === 'custom') throw new Error(`price ${price.id} is pay-what-you-want`);
}

function insertInSlices<T extends keyof Tables & string>(trx: Transaction, table: T, rows: Insertable<Tables[T]>[]): Promise<void> {
  const slices = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) slices.push(rows.slice(start, start + ROWS_PER_STATEMENT));
  return slices.reduce<Promise<void>>((previous, slice) => previous.then(async () => {
    // The tables are chosen at run time, beyond what Kysely's types follow.
    await (trx.insertInto(table) as unknown as { values(rows: unknown[]): { execute(): Promise<unknown> } }).values(slice).execute();
  }), Promise.resolve());
}

/**
 * Completes the purchases of one organization; answers those that went through (in the order
 * given) and how many cards were declined.
 */
export async function completePurchases(
  trx: Transaction,
  context: Pick<Context, 'config' | 'payments'>,
  organizationId: string,
  purchases: BulkPurchase[],
): Promise<{ completed: CompletedPurchase[]; declined: number }> {
  for (const purchase of purchases) checkPurchase(organizationId, purchase);
  if (purchases.length === 0) return { completed: [], declined: 0 };
  const { config, payments } = context;
  const now = await organizationNow(trx, organizationId);

  // The charges first: a declined card leaves no customer either (its confirmation rolls back).
  const charged: Omit<Pending, 'customer'>[] = [];
  let declined = 0;
  for (const [index, purchase] of purchases.entries()) {
    const { price } = purchase;
    const amount = price.amount_type === 'fixed' ? price.price_amount : null;
    const currency = price.amount_type === 'fixed' ? (price.price_currency ?? 'usd') : null;
    const savesCard = price.type === 'recurring' && price.amount_type !== 'free';
    const checkoutId = newId();
    const paymentMetadata: Record<string, unknown> = {};
    let saved: SavedPaymentMethod | undefined;
    if ((amount ?? 0) > 0) {
      const result = await payments.charge({
        confirmationTokenId: purchase.confirmationTokenId,
        amount: amount ?? 0,
        currency: currency ?? 'usd',
        idempotencyKey: `checkout:${checkoutId}:${purchase.confirmationTokenId}`,
        customerEmail: purchase.email,
        savePaymentMethod: savesCard,
      });
      if (!result.ok) {
        declined += 1;
        continue;
      }
      paymentMetadata.payment_intent_id = result.charge.id;
      saved = result.paymentMethod;
    } else if (savesCard) {
      const result = await payments.savePaymentMethod({ confirmationTokenId: purchase.confirmationTokenId, customerEmail: purchase.email });
      if (!result.ok) {
        declined += 1;
        continue;
      }
      saved = result.paymentMethod;
    }
    const checkout: CheckoutRow = {
      id: checkoutId,
      created_at: now,
      modified_at: now,
      organization_id: organizationId,
      status: 'succeeded',
      client_secret: `polar_c_${randomBytes(32).toString('base64url')}`,
      expires_at: new Date(now.getTime() + CHECKOUT_TTL_MS),
      product_id: purchase.product.id,
      product_price_id: price.id,
      discount_id: null,
      checkout_link_id: null,
      customer_id: null,
      subscription_id: null,
      amount,
      tax_amount: amount === null ? null : 0,
      currency,
      allow_discount_codes: true,
      customer_name: purchase.name,
      customer_email: purchase.email,
      customer_ip_address: null,
      customer_billing_address: purchase.billingAddress,
      customer_tax_id: null,
      custom_field_data: {},
      metadata: purchase.metadata ?? {},
      customer_metadata: {},
      success_url: null,
      embed_origin: null,
      payment_processor: 'stripe',
      payment_processor_metadata: paymentMetadata,
    };
    charged.push({ index, purchase, checkout, saved });
  }
  const customers = await upsertCustomersByEmail(trx, organizationId, charged.map(({ purchase }) => ({ email: purchase.email, name: purchase.name, billingAddress: purchase.billingAddress })), now);
  const pending: Pending[] = charged.map((entry) => {
    const customer = customers.get(entry.purchase.email.toLowerCase());
    if (!customer) throw new Error(`no customer for ${entry.purchase.email}`);
    entry.checkout.customer_id = customer.id;
    entry.checkout.payment_processor_metadata = { customer_id: customer.id, ...entry.checkout.payment_processor_metadata };
    return { ...entry, customer };
  });

  const withCards = pending.filter((entry) => entry.saved);
  const methodIds = await savePaymentMethods(trx, withCards.map((entry) => ({ customer: entry.customer, method: entry.saved as SavedPaymentMethod })), now);
  withCards.forEach((entry, index) => (entry.checkout.payment_processor_metadata.payment_method_id = methodIds[index]));

  for (const entry of pending) {
    const { checkout, purchase } = entry;
    const interval = purchase.price.type === 'recurring' ? purchase.price.recurring_interval : null;
    if (interval) {
      const periodEnd = periodEndAfter(now, interval, now);
      entry.subscription = {
        id: newId(),
        created_at: now,
        modified_at: null,
        organization_id: organizationId,
        customer_id: checkout.customer_id ?? '',
        product_id: purchase.product.id,
        price_id: purchase.price.id,
        discount_id: null,
        checkout_id: checkout.id,
        amount: checkout.amount,
        currency: checkout.currency,
        recurring_interval: interval,
        status: 'active',
        current_period_start: now,
        current_period_end: periodEnd,
        cancel_at_period_end: false,
        canceled_at: null,
        started_at: now,
        ends_at: null,
        ended_at: null,
        customer_cancellation_reason: null,
        customer_cancellation_comment: null,
        custom_field_data: {},
        metadata: checkout.metadata,
        payment_method_id: typeof checkout.payment_processor_metadata.payment_method_id === 'string' ? checkout.payment_processor_metadata.payment_method_id : null,
        due_at: periodEnd,
        billing_cycle_anchor: now,
        payment_attempts: 0,
        proration_amount: 0,
      };
      checkout.subscription_id = entry.subscription.id;
    }
    entry.order = {
      id: newId(),
      created_at: now,
      modified_at: null,
      organization_id: organizationId,
      customer_id: entry.customer.id,
      product_id: purchase.product.id,
      product_price_id: purchase.price.id,
      discount_id: null,
      subscription_id: entry.subscription?.id ?? null,
      checkout_id: checkout.id,
      amount: checkout.amount ?? 0,
      tax_amount: 0,
      currency: checkout.currency ?? 'usd',
      billing_reason: entry.subscription ? 'subscription_create' : 'purchase',
      billing_address: checkout.customer_billing_address,
      custom_field_data: {},
      metadata: checkout.metadata,
      subscription_period_start: entry.subscription ? now : null,
    };
  }

  // A checkout and its subscription name each other: both go in one statement (its foreign keys
  // are checked at its end), the checkouts' insert with the subscriptions' as a CTE.
  for (let start = 0; start < pending.length; start += ROWS_PER_STATEMENT / 2) {
    const slice = pending.slice(start, start + ROWS_PER_STATEMENT / 2);
    const subscriptions = slice.flatMap((entry) => (entry.subscription ? [subscriptionColumns(entry.subscription)] : []));
    const checkouts = slice.map((entry) => columnsOf(entry.checkout) as Insertable<Tables['checkouts']>);
    if (subscriptions.length === 0) await trx.insertInto('checkouts').values(checkouts).execute();
    else await trx.with('subscriptions_written', (db) => db.insertInto('subscriptions').values(subscriptions)).insertInto('checkouts').values(checkouts).execute();
  }
  await insertInSlices(trx, 'orders', pending.map((entry) => orderColumns(entry.order as OrderRow)));

  const organization = pending.some((entry) => entry.subscription) ? await getOrganizationById(trx, organizationId) : undefined;
  for (const entry of pending) await announce(trx, config, entry, now, organization);
  return {
    completed: pending.map((entry) => ({ index: entry.index, checkoutId: entry.checkout.id, orderId: entry.order?.id ?? '', customerId: entry.customer.id, subscriptionId: entry.subscription?.id ?? null })),
    declined,
  };
}

function subscriptionColumns(subscription: SubscriptionRow): Insertable<Tables['subscriptions']> {
  return { ...subscription, custom_field_data: JSON.stringify(subscription.custom_field_data), metadata: JSON.stringify(subscription.metadata) };
}

function orderColumns(order: OrderRow): Insertable<Tables['orders']> {
  return {
    ...order,
    billing_address: order.billing_address ? JSON.stringify(order.billing_address) : null,
    custom_field_data: JSON.stringify(order.custom_field_data),
    metadata: JSON.stringify(order.metadata),
  };
}

/** What a purchase's checkout records, confirm.ts's events in its order; the confirmation e-mail; the grants job. */
async function announce(trx: Transaction, config: Context['config'], entry: Pending, now: Date, organization: Awaited<ReturnType<typeof getOrganizationById>> | undefined): Promise<void> {
  const { purchase, checkout, customer, subscription } = entry;
  const order = entry.order as OrderRow;
  const loaded = (status: CheckoutRow['status']) => ({ checkout: { ...checkout, status }, product: purchase.product, price: purchase.price, discount: undefined });
  const events: { type: string; data: EventData }[] = [
    { type: 'checkout.created', data: () => presentCheckout(config, loaded('open')) },
    { type: 'checkout.updated', data: () => presentCheckout(config, loaded('confirmed')) },
    { type: 'checkout.updated', data: () => presentCheckout(config, loaded('succeeded')) },
    { type: 'order.created', data: () => presentOrder({ order, customer, product: purchase.product, price: purchase.price, discount: undefined, subscription }) },
  ];
  if (subscription) {
    const presented = () => presentSubscription(config, { subscription, customer, product: purchase.product, price: purchase.price, discount: undefined });
    events.push({ type: 'subscription.created', data: presented }, { type: 'subscription.active', data: presented });
    if (organization) await sendConfirmation(trx, config, { organization, customer, productName: purchase.product.name }, subscription.current_period_end ?? now, now);
  }
  await recordEvents(trx, checkout.organization_id, events, { at: now });
  await enqueueJob(trx, GRANT_JOBS.forOrder, { orderId: order.id });
}
