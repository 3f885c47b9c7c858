// Subscriptions: created by a checkout's success (confirm.ts); here they are read, exported,
// canceled at period end or uncanceled, moved to another price, and revoked. Floe is its own
// processor, so a cancellation takes effect here at once: at period end it sets `ends_at` (the
// status stays active until then); a revocation ends the subscription now and revokes its
// benefits (a job). A price change switches product, price and amount from now on; the
// processor's proration (a credit or charge on the next invoice) is carried by the next renewal.
import type { Config } from '../../config.js';
import type { SubscriptionRow } from '../../db/schema/commerce.js';
import type { CustomerSubject, MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { BadRequest, NotPermitted, ResourceNotFound, ResourceUnavailable, ValidationError } from '../../kit/errors.js';
import { recordEvents } from '../../kit/events.js';
import { enqueueJob } from '../../kit/jobs.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { GRANT_JOBS } from '../benefit/grants.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { findCustomer } from '../customer/service.js';
import { findDiscount } from '../discount/service.js';
import { findPrice, findProduct } from '../product/service.js';
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

async function announce(trx: Transaction, config: Config, before: SubscriptionRow, after: SubscriptionRow): Promise<void> {
  // Rendered once, and only if an event is kept.
  let presented: Promise<unknown> | undefined;
  const data = () => (presented ??= loadSubscription(trx, after).then((loaded) => presentSubscription(config, loaded)));
  const types = ['subscription.updated'];
  if (after.canceled_at && after.ends_at && before.ends_at?.getTime() !== after.ends_at.getTime()) types.push('subscription.canceled');
  if (before.ends_at && !after.ends_at) types.push('subscription.uncanceled');
  const wasActive = (ACTIVE_STATUSES as readonly string[]).includes(before.status);
  const isActive = (ACTIVE_STATUSES as readonly string[]).includes(after.status);
  if (wasActive && !isActive) types.push('subscription.revoked');
  await recordEvents(trx, after.organization_id, types.map((type) => ({ type, data })));
  // Benefits follow the subscription: revoked when it ends, moved when its product changes.
  if (wasActive !== isActive || before.product_id !== after.product_id) await enqueueJob(trx, GRANT_JOBS.forSubscription, { subscriptionId: after.id });
}

/**
 * Ends the subscriptions canceled at period end whose period is over (a periodic sweep): status
 * `canceled`, their events, and their benefits revoked.
 */
export async function endDueSubscriptions(context: Context): Promise<number> {
  return transaction(context.db, async (trx) => {
    const due = await repository.lockDueToEnd(trx, clock.now(), 200);
    for (const subscription of due) {
      const ended = await repository.update(trx, subscription.id, { status: 'canceled', ended_at: subscription.ends_at, modified_at: clock.now() });
      await announce(trx, context.config, subscription, ended);
    }
    return due.length;
  });
}

async function changePrice(trx: Transaction, subscription: SubscriptionRow, priceId: string): Promise<SubscriptionRow> {
  if (subscription.ended_at || subscription.cancel_at_period_end || subscription.ends_at) throw new NotPermitted(ALREADY_CANCELED, 'AlreadyCanceledSubscription');
  const price = await findPrice(trx, priceId);
  const loc = ['body', 'product_price_id'];
  if (!price || price.organization_id !== subscription.organization_id) throw new ValidationError(loc, price ? 'Price does not belong to the same organization of the current subscription.' : 'Price does not exist.', priceId);
  if (price.is_archived) throw new ValidationError(loc, 'Price is archived.', priceId);
  if (price.type !== 'recurring' || !price.recurring_interval) throw new ValidationError(loc, 'Price is not recurring.', priceId);
  if (price.amount_type === 'custom') throw new ValidationError(loc, 'Pay what you want price are not supported for subscriptions.', priceId);
  const product = await findProduct(trx, price.product_id);
  if (!product || product.is_archived) throw new ValidationError(loc, 'Product is archived.', priceId);
  return repository.update(trx, subscription.id, {
    product_id: product.id,
    price_id: price.id,
    amount: price.amount_type === 'fixed' ? price.price_amount : null,
    currency: price.amount_type === 'fixed' ? price.price_currency : null,
    recurring_interval: price.recurring_interval,
    modified_at: clock.now(),
  });
}

async function cancel(trx: Transaction, subscription: SubscriptionRow, immediately: boolean, reason: string | null | undefined, comment: string | null | undefined): Promise<SubscriptionRow> {
  const active = (ACTIVE_STATUSES as readonly string[]).includes(subscription.status) && !subscription.ended_at;
  if (!active || (!immediately && (subscription.cancel_at_period_end || subscription.ends_at))) throw new NotPermitted(ALREADY_CANCELED, 'AlreadyCanceledSubscription');
  const now = clock.now();
  const feedback = { canceled_at: now, customer_cancellation_reason: reason ?? null, customer_cancellation_comment: comment ?? null, modified_at: now };
  if (immediately) return repository.update(trx, subscription.id, { ...feedback, status: 'canceled', ended_at: now, ends_at: now });
  return repository.update(trx, subscription.id, { ...feedback, cancel_at_period_end: true, ends_at: subscription.current_period_end });
}

async function uncancel(trx: Transaction, subscription: SubscriptionRow): Promise<SubscriptionRow> {
  if (subscription.ended_at) throw new ResourceUnavailable('This subscription has already ended.');
  const active = (ACTIVE_STATUSES as readonly string[]).includes(subscription.status);
  if (!active || !(subscription.cancel_at_period_end || subscription.ends_at)) throw new BadRequest('This subscription is not canceled.');
  return repository.update(trx, subscription.id, { cancel_at_period_end: false, canceled_at: null, ends_at: null, customer_cancellation_reason: null, customer_cancellation_comment: null, modified_at: clock.now() });
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

export async function updateSubscription(trx: Transaction, config: Config, subject: MerchantSubject | CustomerSubject, id: string, input: SubscriptionUpdate): Promise<LoadedSubscription> {
  const subscription = await lockVisible(trx, subject, id);
  let updated: SubscriptionRow;
  if ('product_price_id' in input) {
    updated = await changePrice(trx, subscription, input.product_price_id);
  } else {
    const atPeriodEnd = input.cancel_at_period_end;
    if (input.revoke && atPeriodEnd !== undefined && atPeriodEnd !== null) {
      throw new ValidationError(['body', 'revoke'], 'Use either `revoke` for immediate cancellation and revokation or `cancel_at_period_end`.', true);
    }
    if (input.revoke) updated = await cancel(trx, subscription, true, input.customer_cancellation_reason, input.customer_cancellation_comment);
    else if (atPeriodEnd === true) updated = await cancel(trx, subscription, false, input.customer_cancellation_reason, input.customer_cancellation_comment);
    else if (atPeriodEnd === false) updated = await uncancel(trx, subscription);
    else return loadSubscription(trx, subscription);
  }
  await announce(trx, config, subscription, updated);
  return loadSubscription(trx, updated);
}

export async function revokeSubscription(trx: Transaction, config: Config, subject: MerchantSubject, id: string): Promise<LoadedSubscription> {
  const subscription = await lockVisible(trx, subject, id);
  const updated = await cancel(trx, subscription, true, null, null);
  await announce(trx, config, subscription, updated);
  return loadSubscription(trx, updated);
}
