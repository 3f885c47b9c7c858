// Subscriptions: created by a checkout's success (confirm.ts); here they are read, exported,
// canceled at period end or uncanceled, moved to another price, and revoked. Floe is its own
// processor, so a cancellation takes effect here at once: at period end it sets `ends_at` (the
// status stays active until then); a revocation ends the subscription now and revokes its
// benefits (a job). A price change switches product, price and amount from now on; the
// processor's proration (a credit or charge on the next invoice) is carried by the next renewal.
import type { Config } from '../../config.js';
import type { SubscriptionRow } from '../../db/schema/commerce.js';
import type { CustomerSubject, MerchantSubject } from '../../kit/auth.js';
import { organizationNow } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { BadRequest, NotPermitted, ResourceNotFound, ResourceUnavailable, ValidationError } from '../../kit/errors.js';
import { recordEvents, type EventData } from '../../kit/events.js';
import { enqueueJob } from '../../kit/jobs.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { GRANT_JOBS } from '../benefit/grants.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { findCustomer, findCustomers, savePaymentMethod } from '../customer/service.js';
import { findDiscount } from '../discount/service.js';
import { findPrice, findProduct } from '../product/service.js';
import type { PaymentProcessor } from '../../payments/processor.js';
import { getOrganizationById } from '../organization/service.js';
import { billDueSubscriptions, changePlan } from './billing.js';
import { sendCancellation } from './emails.js';
import { presentSubscription, type LoadedSubscription } from './presenter.js';
import * as repository from './repository.js';
import { ACTIVE_STATUSES } from './repository.js';
import type { SubscriptionListQuery, SubscriptionSortField, SubscriptionUpdate } from './schemas.js';

const ALREADY_CANCELED = 'This subscription is already canceled or will be at the end of the period.';

export async function loadSubscription(db: Queryable, subscription: SubscriptionRow): Promise<LoadedSubscription> {
  const [customer, product, price, discount] = await Promise.all([
    findCustomer(db, subscription.customer_id),
    findProduct(db, subscription.product_id),
    findPrice(db, subscription.price_id),
    subscription.discount_id ? findDiscount(db, subscription.discount_id) : Promise.resolve(undefined),
  ]);
  if (!customer || !product || !price) throw new Error(`subscription ${subscription.id} lost its customer, product or price`);
  return { subscription, customer, product, price, discount };
}

/** A customer's subscriptions (the portal), with the portal's search; as loaded rows. */
export async function listCustomerSubscriptions(db: Queryable, subject: CustomerSubject, query: CustomerSubscriptionQuery) {
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    { organizationId: query.organization_id, productId: query.product_id, active: query.active, query: query.query },
    parseSorting<SubscriptionSortField | 'organization'>(query.sorting),
    query,
  );
  return { items: await Promise.all(rows.map((row) => loadSubscription(db, row))), totalCount };
}

export async function getSubscription(db: Queryable, subject: MerchantSubject | CustomerSubject, id: string): Promise<LoadedSubscription> {
  const subscription = await repository.findVisibleById(db, subject, id);
  if (!subscription) throw new ResourceNotFound();
  return loadSubscription(db, subscription);
}

export async function listSubscriptions(db: Queryable, config: Config, subject: MerchantSubject, query: SubscriptionListQuery) {
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    { organizationId: query.organization_id, productId: query.product_id, customerId: query.customer_id, discountId: query.discount_id, active: query.active },
    parseSorting<SubscriptionSortField>(query.sorting),
    query,
  );
  const loaded = await Promise.all(rows.map((row) => loadSubscription(db, row)));
  return toPage(loaded.map((subscription) => presentSubscription(config, subscription)), totalCount, query);
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Every started subscription as CSV (Excel dialect), as Polar's export. */
export async function exportSubscriptions(db: Queryable, subject: MerchantSubject, organizationId: string | undefined): Promise<string> {
  const rows = await repository.listAllVisible(db, subject, { organizationId: organizationId ? [organizationId] : undefined });
  const lines = [['Email', 'Created At', 'Active', 'Product', 'Price', 'Currency', 'Interval']];
  for (const row of rows) {
    const { customer, product } = await loadSubscription(db, row);
    lines.push([
      customer.email,
      row.created_at.toISOString(),
      String((ACTIVE_STATUSES as readonly string[]).includes(row.status)),
      product.name,
      row.amount === null ? '' : (row.amount / 100).toFixed(1),
      row.currency ?? '',
      row.recurring_interval,
    ]);
  }
  return lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}

async function lockVisible(trx: Transaction, subject: MerchantSubject | CustomerSubject, id: string): Promise<SubscriptionRow> {
  const visible = await repository.findVisibleById(trx, subject, id);
  const locked = visible ? await repository.lock(trx, visible.id) : undefined;
  if (!locked) throw new ResourceNotFound();
  return locked;
}

/**
 * Records what changed, as Polar's events for it (`options.before`, such as a renewal's order, go
 * first), and has the benefits follow: revoked when the subscription leaves the active statuses,
 * granted again when it returns, moved when its product changes.
 */
export async function announce(
  trx: Transaction,
  config: Config,
  before: SubscriptionRow,
  after: SubscriptionRow,
  options: { at?: Date; before?: { type: string; data: EventData }[]; load?: () => Promise<LoadedSubscription> } = {},
): Promise<void> {
  // Rendered once, and only if an event is kept (`load`: from what the caller has read already).
  let presented: Promise<unknown> | undefined;
  const load = options.load ?? (() => loadSubscription(trx, after));
  const data = () => (presented ??= load().then((loaded) => presentSubscription(config, loaded)));
  const types = ['subscription.updated'];
  const wasActive = (ACTIVE_STATUSES as readonly string[]).includes(before.status);
  const isActive = (ACTIVE_STATUSES as readonly string[]).includes(after.status);
  if (after.canceled_at && after.ends_at && before.ends_at?.getTime() !== after.ends_at.getTime()) types.push('subscription.canceled');
  // Ended from past due (the retries ran out): canceled now, and revoked as it ends.
  else if (!wasActive && before.status !== 'canceled' && after.status === 'canceled') types.push('subscription.canceled', 'subscription.revoked');
  if (before.ends_at && !after.ends_at && !after.ended_at) types.push('subscription.uncanceled');
  if (!wasActive && isActive) types.push('subscription.active');
  if (wasActive && !isActive) types.push('subscription.revoked');
  await recordEvents(trx, after.organization_id, [...(options.before ?? []), ...types.map((type) => ({ type, data }))], { at: options.at });
  if (wasActive !== isActive || before.product_id !== after.product_id) await enqueueJob(trx, GRANT_JOBS.forSubscription, { subscriptionId: after.id });
}

async function changePrice(trx: Transaction, processor: PaymentProcessor, subscription: SubscriptionRow, priceId: string, now: Date) {
  if (subscription.ended_at || subscription.cancel_at_period_end || subscription.ends_at) throw new NotPermitted(ALREADY_CANCELED, 'AlreadyCanceledSubscription');
  const price = await findPrice(trx, priceId);
  const loc = ['body', 'product_price_id'];
  if (!price || price.organization_id !== subscription.organization_id) throw new ValidationError(loc, price ? 'Price does not belong to the same organization of the current subscription.' : 'Price does not exist.', priceId);
  if (price.is_archived) throw new ValidationError(loc, 'Price is archived.', priceId);
  const interval = price.recurring_interval;
  if (price.type !== 'recurring' || !interval) throw new ValidationError(loc, 'Price is not recurring.', priceId);
  if (price.amount_type === 'custom') throw new ValidationError(loc, 'Pay what you want price are not supported for subscriptions.', priceId);
  const product = await findProduct(trx, price.product_id);
  if (!product || product.is_archived) throw new ValidationError(loc, 'Product is archived.', priceId);
  const { values, events } = await changePlan(trx, processor, subscription, { ...price, recurring_interval: interval }, now);
  return { updated: await repository.update(trx, subscription.id, values), events };
}

/** What a cancellation changes (revoked now when `immediately`, else at period end); undefined when it is canceled already. */
function cancellationOf(subscription: SubscriptionRow, immediately: boolean, reason: string | null | undefined, comment: string | null | undefined, now: Date): repository.Cancellation | undefined {
  const active = (ACTIVE_STATUSES as readonly string[]).includes(subscription.status) && !subscription.ended_at;
  if (!active || (!immediately && (subscription.cancel_at_period_end || subscription.ends_at))) return undefined;
  const feedback = { id: subscription.id, canceled_at: now, customer_cancellation_reason: reason ?? null, customer_cancellation_comment: comment ?? null, modified_at: now };
  if (immediately) return { ...feedback, status: 'canceled', cancel_at_period_end: subscription.cancel_at_period_end, ended_at: now, ends_at: now, due_at: null };
  // Its period's end (already its due work) ends it instead of renewing it.
  return { ...feedback, status: subscription.status, cancel_at_period_end: true, ended_at: null, ends_at: subscription.current_period_end, due_at: subscription.due_at };
}

async function cancel(trx: Transaction, subscription: SubscriptionRow, immediately: boolean, reason: string | null | undefined, comment: string | null | undefined, now: Date): Promise<SubscriptionRow> {
  const { id, ...values } = cancellationOf(subscription, immediately, reason, comment, now) ?? {};
  if (!id) throw new NotPermitted(ALREADY_CANCELED, 'AlreadyCanceledSubscription');
  return repository.update(trx, id, values);
}

/**
 * Many cancellations at once (demo data): each as updateSubscription makes it, at period end or
 * revoked now, with its events, grants and e-mail, all in one UPDATE. Answers those canceled, as
 * they now are (one already canceled or ended is passed by).
 */
export async function cancelSubscriptions(
  trx: Transaction,
  config: Config,
  subject: MerchantSubject,
  cancellations: { id: string; revoke: boolean; reason?: string | null; comment?: string | null }[],
): Promise<SubscriptionRow[]> {
  const locked = await repository.lockVisibleMany(trx, subject, cancellations.map((cancellation) => cancellation.id));
  const byId = new Map(locked.map((row) => [row.id, row]));
  const changes: repository.Cancellation[] = [];
  for (const cancellation of cancellations) {
    const subscription = byId.get(cancellation.id);
    const now = subscription ? await organizationNow(trx, subscription.organization_id) : undefined;
    const change = subscription && now ? cancellationOf(subscription, cancellation.revoke, cancellation.reason, cancellation.comment, now) : undefined;
    if (change) changes.push(change);
  }
  const updated = await repository.writeCancellations(trx, changes);
  const customers = await findCustomers(trx, updated.map((row) => row.customer_id));
  for (const after of updated) {
    const before = byId.get(after.id);
    if (!before) continue;
    const at = after.modified_at ?? undefined;
    await announce(trx, config, before, after, { at });
    const customer = customers.get(after.customer_id);
    if (after.cancel_at_period_end && !before.cancel_at_period_end && after.ends_at && customer && at) {
      const [organization, product] = await Promise.all([getOrganizationById(trx, after.organization_id), findProduct(trx, after.product_id)]);
      await sendCancellation(trx, config, { organization, customer, productName: product?.name ?? '' }, after.ends_at, at);
    }
  }
  return updated;
}

async function uncancel(trx: Transaction, subscription: SubscriptionRow, now: Date): Promise<SubscriptionRow> {
  if (subscription.ended_at) throw new ResourceUnavailable('This subscription has already ended.');
  const active = (ACTIVE_STATUSES as readonly string[]).includes(subscription.status);
  if (!active || !(subscription.cancel_at_period_end || subscription.ends_at)) throw new BadRequest('This subscription is not canceled.');
  return repository.update(trx, subscription.id, { cancel_at_period_end: false, canceled_at: null, ends_at: null, customer_cancellation_reason: null, customer_cancellation_comment: null, due_at: subscription.current_period_end, modified_at: now });
}

export interface CustomerSubscriptionQuery {
  organization_id?: string[];
  product_id?: string[];
  active?: boolean;
  query?: string;
  sorting: string[];
  page: number;
  limit: number;
}

export async function updateSubscription(trx: Transaction, context: Context, subject: MerchantSubject | CustomerSubject, id: string, input: SubscriptionUpdate): Promise<LoadedSubscription> {
  const subscription = await lockVisible(trx, subject, id);
  // The organization's time: with its test clock ahead, a cancellation or proration counts from it.
  const now = await organizationNow(trx, subscription.organization_id);
  let updated: SubscriptionRow;
  let before: { type: string; data: EventData }[] = [];
  if ('product_price_id' in input) {
    ({ updated, events: before } = await changePrice(trx, context.payments, subscription, input.product_price_id, now));
  } else {
    const atPeriodEnd = input.cancel_at_period_end;
    if (input.revoke && atPeriodEnd !== undefined && atPeriodEnd !== null) {
      throw new ValidationError(['body', 'revoke'], 'Use either `revoke` for immediate cancellation and revokation or `cancel_at_period_end`.', true);
    }
    if (input.revoke) updated = await cancel(trx, subscription, true, input.customer_cancellation_reason, input.customer_cancellation_comment, now);
    else if (atPeriodEnd === true) updated = await cancel(trx, subscription, false, input.customer_cancellation_reason, input.customer_cancellation_comment, now);
    else if (atPeriodEnd === false) updated = await uncancel(trx, subscription, now);
    else return loadSubscription(trx, subscription);
  }
  await announce(trx, context.config, subscription, updated, { at: now, before });
  const loaded = await loadSubscription(trx, updated);
  if (updated.cancel_at_period_end && !subscription.cancel_at_period_end && updated.ends_at) {
    const organization = await getOrganizationById(trx, updated.organization_id);
    await sendCancellation(trx, context.config, { organization, customer: loaded.customer, productName: loaded.product.name }, updated.ends_at, now);
  }
  return loaded;
}

export async function revokeSubscription(trx: Transaction, config: Config, subject: MerchantSubject, id: string): Promise<LoadedSubscription> {
  const subscription = await lockVisible(trx, subject, id);
  const now = await organizationNow(trx, subscription.organization_id);
  const updated = await cancel(trx, subscription, true, null, null, now);
  await announce(trx, config, subscription, updated, { at: now });
  return loadSubscription(trx, updated);
}

/** How many subscriptions the organization has, by status. */
export function countSubscriptionsByStatus(db: Queryable, organizationId: string): Promise<Record<string, number>> {
  return repository.countByStatus(db, organizationId);
}

/** When the organization's first subscription billing work falls due, if by `until` (a test clock's advance). */
export function earliestBillingDue(db: Queryable, organizationId: string, until: Date): Promise<Date | undefined> {
  return repository.earliestDue(db, organizationId, until);
}

/**
 * Replaces the card a subscription is charged on (the customer portal, with a test card's token as
 * the checkout page makes one). A past-due subscription is retried at once with the new card: it
 * is active again, with its period's order, if the card pays.
 */
export async function replacePaymentMethod(context: Context, subject: CustomerSubject, id: string, confirmationTokenId: string): Promise<LoadedSubscription> {
  const { organizationId, retryNow } = await transaction(context.db, async (trx) => {
    const subscription = await lockVisible(trx, subject, id);
    if (subscription.ended_at || !subscription.due_at) throw new ResourceUnavailable('This subscription has already ended.');
    const customer = await findCustomer(trx, subscription.customer_id);
    if (!customer) throw new ResourceNotFound();
    const saved = await context.payments.savePaymentMethod({ confirmationTokenId, customerEmail: customer.email });
    if (!saved.ok) throw new BadRequest(saved.message, 'PaymentError');
    const paymentMethodId = await savePaymentMethod(trx, customer, saved.paymentMethod);
    const now = await organizationNow(trx, subscription.organization_id);
    const retryNow = subscription.status === 'past_due';
    await repository.update(trx, subscription.id, { payment_method_id: paymentMethodId, modified_at: now, ...(retryNow ? { due_at: now } : {}) });
    return { organizationId: subscription.organization_id, retryNow };
  });
  // Waits for the subscription if a worker holds it (SKIP LOCKED would pass it by): its lock, then the retry.
  if (retryNow) await billDueSubscriptions(context, { organizationId, subscriptionId: id, until: await organizationNow(context.db, organizationId), waitForLock: true });
  return getSubscription(context.db, subject, id);
}
