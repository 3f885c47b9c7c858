// Recurring billing: what a subscription does when its `due_at` comes. Floe is its own Stripe here.
// - active, period over: renew. One charge of the saved card, one order (`subscription_cycle`) for
//   the new period, the period moved by its interval counted from the billing cycle anchor. A free
//   price rolls its period with no charge and no order, as Polar's.
// - active, canceled at period end: the period's end ends it (`canceled`, benefits revoked).
// - a renewal charge that fails makes it `past_due` (benefits revoked) and schedules retries
//   (config.dunningRetryDays); a retry that pays makes it `active` again with the period's order;
//   the last failing ends it.
// Every change is stamped with the instant it fell due (not when a worker got to it), so a test
// clock moved a year ahead leaves twelve renewals each at its own time. Subscriptions are claimed
// in batches with SKIP LOCKED, each batch one transaction whose last statement writes all of
// their changes; the unique (subscription, period) of orders makes a second order for a period
// impossible, whatever the number of workers, retries and restarts. A charge's idempotency key is
// its subscription, period and attempt: with a processor that keeps keys (Stripe keeps them a
// day), a batch rolled back by a crash charges nobody twice when it runs again.
import type { DiscountRow, ProductPriceRow } from '../../db/schema/catalog.js';
import type { CustomerRow, OrderRow, PaymentMethodRow, SubscriptionRow } from '../../db/schema/commerce.js';
import { addDays, addMonths, periodEndAfter } from '../../kit/calendar.js';
import type { Context } from '../../kit/context.js';
import { commitWith, insertBeforeCommit, transaction, type Queryable, type Transaction } from '../../kit/db.js';
import type { EventData } from '../../kit/events.js';
import { BadRequest } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import type { PaymentProcessor } from '../../payments/processor.js';
import { findCustomers, findPaymentMethods } from '../customer/service.js';
import { discountAmountOf, findDiscount, type LoadedDiscount } from '../discount/service.js';
import { presentOrder } from '../order/presenter.js';
import { getOrganizationById } from '../organization/service.js';
import { findPrice, findProduct, type LoadedProduct } from '../product/service.js';
import { sendPaymentFailed, sendRenewal, type EmailSubject } from './emails.js';
import * as repository from './repository.js';
import { ACTIVE_STATUSES, type BillingChange } from './repository.js';
import type { LoadedSubscription } from './presenter.js';
import { announce, loadSubscription } from './service.js';

/** Subscriptions taken per transaction. */
export const BILLING_BATCH = 200;

export interface BillingScope {
  /** Only this organization's subscriptions (its test clock is advancing). */
  organizationId?: string;
  /** Only this subscription (retried at once with a new card)... */
  subscriptionId?: string;
  /** ...waiting for it if a worker has it locked. */
  waitForLock?: boolean;
  /** Work due by then is carried out. */
  until: Date;
  limit?: number;
}

/** What a batch reads once for all of its subscriptions. */
interface Batch {
  trx: Transaction;
  context: Context;
  customers: Map<string, CustomerRow>;
  paymentMethods: Map<string, PaymentMethodRow>;
  /** Reads of the catalog, each once per batch. */
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
  changes: BillingChange[];
}

/** Carries out one batch of due billing work; answers how many subscriptions it took. */
export async function billDueSubscriptions(context: Context, scope: BillingScope): Promise<number> {
  return transaction(context.db, async (trx) => {
    const due = await repository.lockDue(trx, { ...scope, limit: scope.limit ?? BILLING_BATCH });
    if (due.length === 0) return 0;
    const reads = new Map<string, Promise<unknown>>();
    const [customers, paymentMethods] = await Promise.all([
      findCustomers(trx, due.map((subscription) => subscription.customer_id)),
      findPaymentMethods(trx, due.flatMap((subscription) => (subscription.payment_method_id ? [subscription.payment_method_id] : []))),
    ]);
    const batch: Batch = {
      trx,
      context,
      customers,
      paymentMethods,
      read: <T>(key: string, load: () => Promise<T>) => {
        if (!reads.has(key)) reads.set(key, load());
        return reads.get(key) as Promise<T>;
      },
      changes: [],
    };
    for (const subscription of due) await bill(batch, subscription);
    await commitWith(trx, (writer) => repository.writeBillingChanges(writer, batch.changes));
    return due.length;
  });
}

const isActive = (subscription: SubscriptionRow) => (ACTIVE_STATUSES as readonly string[]).includes(subscription.status);

async function bill(batch: Batch, subscription: SubscriptionRow): Promise<void> {
  const at = subscription.due_at;
  if (!at) return;
  if (isActive(subscription) && subscription.ends_at && subscription.ends_at <= at) await end(batch, subscription, subscription.ends_at);
  else if (isActive(subscription)) await renew(batch, subscription, at);
  else if (subscription.status === 'past_due') await retry(batch, subscription, at);
  // Nothing more to do (an ended subscription whose due work was left by an older version).
  else await change(batch, subscription, { due_at: null }, at);
}

/** Records the change for the batch's last statement and announces it (its events, its grants). */
async function change(batch: Batch, before: SubscriptionRow, values: Partial<BillingChange>, at: Date, extra: { type: string; data: EventData }[] = []): Promise<SubscriptionRow> {
  const after: SubscriptionRow = { ...before, ...values, modified_at: at };
  batch.changes.push({
    id: after.id,
    status: after.status,
    current_period_start: after.current_period_start,
    current_period_end: after.current_period_end,
    due_at: after.due_at,
    payment_attempts: after.payment_attempts,
    proration_amount: after.proration_amount,
    canceled_at: after.canceled_at,
    ended_at: after.ended_at,
    modified_at: after.modified_at,
  });
  await announce(batch.trx, batch.context.config, before, after, { at, before: extra, load: () => loadedOf(batch, after) });
  return after;
}

/** The subscription with what it is presented with, from what the batch has read (its events' payloads). */
async function loadedOf(batch: Batch, subscription: SubscriptionRow): Promise<LoadedSubscription> {
  const { price, product, discount } = await catalogOf(batch, subscription);
  const customer = batch.customers.get(subscription.customer_id);
  if (!customer) throw new Error(`subscription ${subscription.id} lost its customer`);
  return { subscription, customer, product, price, discount };
}

function end(batch: Batch, subscription: SubscriptionRow, endedAt: Date): Promise<unknown> {
  return change(batch, subscription, { status: 'canceled', ended_at: endedAt, due_at: null }, endedAt);
}

/** What a period's amount is computed from. */
interface Catalog {
  price: ProductPriceRow;
  discount: LoadedDiscount | undefined;
}

async function catalogOf(batch: Batch, subscription: SubscriptionRow): Promise<Catalog & { product: LoadedProduct }> {
  const { trx } = batch;
  const [price, product, discount] = await Promise.all([
    batch.read(`price:${subscription.price_id}`, () => findPrice(trx, subscription.price_id)),
    batch.read(`product:${subscription.product_id}`, () => findProduct(trx, subscription.product_id)),
    subscription.discount_id ? batch.read(`discount:${subscription.discount_id}`, () => findDiscount(trx, subscription.discount_id ?? '')) : Promise.resolve(undefined),
  ]);
  if (!price || !product) throw new Error(`subscription ${subscription.id} lost its price or product`);
  return { price, discount, product };
}

/** Whether the subscription's discount still applies to the period starting then. */
export function isDiscountLasting(discount: Pick<DiscountRow, 'duration' | 'duration_in_months'>, startedAt: Date, periodStart: Date): boolean {
  if (discount.duration === 'forever') return true;
  // `once`: the first period only, which the checkout's order paid.
  if (discount.duration === 'once') return false;
  return periodStart < addMonths(startedAt, discount.duration_in_months ?? 0);
}

/** What the period starting `periodStart` costs: the price, its discount while it lasts, and any proration; a credit left over carries on. */
export function amountDue(subscription: SubscriptionRow, catalog: Catalog, periodStart: Date): { amount: number; discountId: string | null; creditLeft: number } {
  const base = catalog.price.price_amount ?? 0;
  const discount = catalog.discount && isDiscountLasting(catalog.discount, subscription.started_at ?? subscription.created_at, periodStart) ? catalog.discount : undefined;
  const total = base - (discount ? discountAmountOf(discount, base) : 0) + subscription.proration_amount;
  return { amount: Math.max(0, total), discountId: discount?.id ?? null, creditLeft: Math.min(0, total) };
}

async function emailSubject(batch: Batch, subscription: SubscriptionRow, catalog: { product: LoadedProduct }): Promise<EmailSubject> {
  const organization = await batch.read(`organization:${subscription.organization_id}`, () => getOrganizationById(batch.trx, subscription.organization_id));
  const customer = batch.customers.get(subscription.customer_id);
  if (!customer) throw new Error(`subscription ${subscription.id} lost its customer`);
  return { organization, customer, productName: catalog.product.name };
}

type Payment = { paid: true; amount: number; discountId: string | null; creditLeft: number } | { paid: false; amount: number };

/** Charges the saved card what the period starting `periodStart` costs (nothing to charge for a total of zero). */
async function pay(batch: Batch, subscription: SubscriptionRow, catalog: Catalog, periodStart: Date, attempt: number): Promise<Payment> {
  const due = amountDue(subscription, catalog, periodStart);
  const method = subscription.payment_method_id ? batch.paymentMethods.get(subscription.payment_method_id) : undefined;
  const paid = await chargeCard(batch.context.payments, subscription, method, batch.customers.get(subscription.customer_id), due.amount, `${periodStart.toISOString()}:${attempt}`);
  return paid ? { paid: true, ...due } : { paid: false, amount: due.amount };
}

/** Charges the subscription's saved card; answers whether it paid (an amount of zero always does). */
async function chargeCard(processor: PaymentProcessor, subscription: SubscriptionRow, method: PaymentMethodRow | undefined, customer: CustomerRow | undefined, amount: number, attempt: string): Promise<boolean> {
  if (amount === 0) return true;
  if (!method || !customer) return false;
  const result = await processor.chargeSaved({
    paymentMethodId: method.processor_id,
    amount,
    currency: subscription.currency ?? 'usd',
    idempotencyKey: `subscription:${subscription.id}:${attempt}`,
    customerEmail: customer.email,
  });
  return result.ok;
}

/** An order of the subscription, written with the transaction's last statement; answers its event, to go before the subscription's. */
function writeOrder(
  trx: Transaction,
  subscription: SubscriptionRow,
  customer: CustomerRow | undefined,
  payment: { amount: number; discountId: string | null },
  billingReason: 'subscription_cycle' | 'subscription_update',
  periodStart: Date,
  at: Date,
  load: () => Promise<LoadedSubscription> = () => loadSubscription(trx, subscription),
): { type: string; data: EventData } {
  const order: OrderRow = {
    id: newId(),
    created_at: at,
    modified_at: null,
    organization_id: subscription.organization_id,
    customer_id: subscription.customer_id,
    product_id: subscription.product_id,
    product_price_id: subscription.price_id,
    discount_id: payment.discountId,
    subscription_id: subscription.id,
    checkout_id: null,
    amount: payment.amount,
    tax_amount: 0,
    currency: subscription.currency ?? 'usd',
    billing_reason: billingReason,
    billing_address: customer?.billing_address ?? null,
    custom_field_data: subscription.custom_field_data,
    metadata: subscription.metadata,
    subscription_period_start: periodStart,
  };
  insertBeforeCommit(trx, 'orders', [
    { ...order, billing_address: order.billing_address ? JSON.stringify(order.billing_address) : null, custom_field_data: JSON.stringify(order.custom_field_data), metadata: JSON.stringify(order.metadata) },
  ]);
  const data: EventData = async () => {
    const loaded = await load();
    return presentOrder({ order, customer: loaded.customer, product: loaded.product, price: loaded.price, discount: payment.discountId ? loaded.discount : undefined, subscription });
  };
  return { type: 'order.created', data };
}

async function renew(batch: Batch, subscription: SubscriptionRow, at: Date): Promise<void> {
  const periodStart = subscription.current_period_end ?? at;
  const periodEnd = periodEndAfter(subscription.billing_cycle_anchor, subscription.recurring_interval, periodStart);
  const next = { current_period_start: periodStart, current_period_end: periodEnd };
  const catalog = await catalogOf(batch, subscription);
  if (catalog.price.amount_type === 'free') {
    await change(batch, subscription, { ...next, due_at: dueAfter(subscription, periodEnd) }, at);
    return;
  }
  const payment = await pay(batch, subscription, catalog, periodStart, 1);
  const to = await emailSubject(batch, subscription, catalog);
  const config = batch.context.config;
  if (payment.paid) {
    const event = writeOrder(batch.trx, subscription, batch.customers.get(subscription.customer_id), payment, 'subscription_cycle', periodStart, at, () => loadedOf(batch, subscription));
    await change(batch, subscription, { ...next, due_at: dueAfter(subscription, periodEnd), payment_attempts: 0, proration_amount: payment.creditLeft }, at, [event]);
    await sendRenewal(batch.trx, config, to, payment.amount, subscription.currency ?? 'usd', periodEnd, at);
    return;
  }
  const retryAt = addDays(at, config.dunningRetryDays[0] ?? 0);
  await change(batch, subscription, { ...next, status: 'past_due', payment_attempts: 1, due_at: retryAt }, at);
  await sendPaymentFailed(batch.trx, config, to, payment.amount, subscription.currency ?? 'usd', retryAt, at);
}

/** A paid subscription's next due work: its period's end, or its cancellation's, whichever comes first. */
function dueAfter(subscription: SubscriptionRow, periodEnd: Date): Date {
  return subscription.ends_at && subscription.ends_at < periodEnd ? subscription.ends_at : periodEnd;
}

/** Tries the past-due period's charge again; the schedule's last failure ends the subscription. */
async function retry(batch: Batch, subscription: SubscriptionRow, at: Date): Promise<void> {
  const catalog = await catalogOf(batch, subscription);
  const periodStart = subscription.current_period_start;
  const payment = await pay(batch, subscription, catalog, periodStart, subscription.payment_attempts + 1);
  const config = batch.context.config;
  const to = await emailSubject(batch, subscription, catalog);
  if (payment.paid) {
    const event = writeOrder(batch.trx, subscription, batch.customers.get(subscription.customer_id), payment, 'subscription_cycle', periodStart, at, () => loadedOf(batch, subscription));
    const periodEnd = subscription.current_period_end ?? at;
    await change(batch, subscription, { status: 'active', payment_attempts: 0, proration_amount: payment.creditLeft, due_at: dueAfter(subscription, periodEnd < at ? at : periodEnd) }, at, [event]);
    await sendRenewal(batch.trx, config, to, payment.amount, subscription.currency ?? 'usd', periodEnd, at);
    return;
  }
  const attempts = subscription.payment_attempts + 1;
  const wait = config.dunningRetryDays[attempts - 1];
  if (wait === undefined) {
    await change(batch, subscription, { status: 'canceled', payment_attempts: attempts, canceled_at: at, ended_at: at, due_at: null }, at);
    await sendPaymentFailed(batch.trx, config, to, payment.amount, subscription.currency ?? 'usd', null, at);
    return;
  }
  const retryAt = addDays(at, wait);
  await change(batch, subscription, { payment_attempts: attempts, due_at: retryAt }, at);
  await sendPaymentFailed(batch.trx, config, to, payment.amount, subscription.currency ?? 'usd', retryAt, at);
}

/** Batch after batch until one comes back short: all that is due (and not held by another worker) is done. */
export async function billAllDue(context: Context, scope: BillingScope): Promise<number> {
  let total = 0;
  for (let taken = BILLING_BATCH; taken === BILLING_BATCH; total += taken) taken = await billDueSubscriptions(context, { ...scope, limit: BILLING_BATCH });
  return total;
}

/** The periodic sweep: everything due by the real time, and by each test clock that is ahead of it. */
export async function billDue(context: Context, until: Date, clocks: { organization_id: string; offset_ms: number }[]): Promise<number> {
  let total = await billAllDue(context, { until });
  for (const { organization_id: organizationId, offset_ms: offset } of clocks) total += await billAllDue(context, { organizationId, until: new Date(until.getTime() + offset) });
  return total;
}

/**
 * A change of price, prorated as Stripe's default for Polar then: within the same interval, the
 * unused time of the old price is credited and the rest of the period at the new price charged,
 * both on the next renewal's order. A change of interval (or from a free price) starts a new
 * period now and charges it at once, less the credit; a card that fails refuses the change.
 * Answers the subscription's new values and, for a charge now, its order's event.
 */
export async function changePlan(trx: Transaction, processor: PaymentProcessor, subscription: SubscriptionRow, price: ProductPriceRow & { recurring_interval: 'month' | 'year' }, now: Date) {
  const oldPrice = await findPrice(trx, subscription.price_id);
  const oldAmount = oldPrice?.amount_type === 'fixed' ? (oldPrice.price_amount ?? 0) : 0;
  const newAmount = price.amount_type === 'fixed' ? (price.price_amount ?? 0) : 0;
  const start = subscription.current_period_start.getTime();
  const end = (subscription.current_period_end ?? now).getTime();
  const unused = end > start ? Math.min(1, Math.max(0, (end - now.getTime()) / (end - start))) : 0;
  const credit = Math.round(oldAmount * unused);
  const values = {
    product_id: price.product_id,
    price_id: price.id,
    amount: price.amount_type === 'fixed' ? price.price_amount : null,
    currency: price.amount_type === 'fixed' ? price.price_currency : null,
    recurring_interval: price.recurring_interval,
    modified_at: now,
  };
  const startsNewPeriod = price.recurring_interval !== subscription.recurring_interval || (oldAmount === 0 && newAmount > 0);
  if (!startsNewPeriod) return { values: { ...values, proration_amount: subscription.proration_amount + Math.round(newAmount * unused) - credit }, events: [] };

  const moved: SubscriptionRow = { ...subscription, ...values, proration_amount: subscription.proration_amount - credit };
  const [discount, customers, methods] = await Promise.all([
    subscription.discount_id ? findDiscount(trx, subscription.discount_id) : Promise.resolve(undefined),
    findCustomers(trx, [subscription.customer_id]),
    findPaymentMethods(trx, subscription.payment_method_id ? [subscription.payment_method_id] : []),
  ]);
  const due = amountDue(moved, { price, discount }, now);
  const method = subscription.payment_method_id ? methods.get(subscription.payment_method_id) : undefined;
  const customer = customers.get(subscription.customer_id);
  if (due.amount > 0 && !method) throw new BadRequest(`Tried to upgrade subscription ${subscription.id} but the customer has no attached payment method.`, 'MissingPaymentMethod');
  if (!(await chargeCard(processor, moved, method, customer, due.amount, `update:${now.toISOString()}`))) throw new BadRequest('Your card was declined.', 'PaymentError');
  const event = writeOrder(trx, moved, customer, due, 'subscription_update', now, now);
  const periodEnd = periodEndAfter(now, price.recurring_interval, now);
  return {
    values: { ...values, current_period_start: now, current_period_end: periodEnd, billing_cycle_anchor: now, due_at: periodEnd, proration_amount: due.creditLeft, payment_attempts: 0 },
    events: [event],
  };
}
