// Demo data (`floe demo`): an organization's store with a believable history, made by Floe's own
// services: its catalog (products.create), then day after day on the organization's test clock
// (which only moves forward, so the history runs from its time now into the future): the clock
// advanced a day, which renews what fell due through the billing drain (renewal orders, failed
// cards going past due and ending, canceled periods ending); some subscribers cancel, are revoked,
// or move up a plan (subscriptions.update); new customers subscribe and buy one-time products
// (batched checkouts, checkout/bulk.ts). New business grows month by month. `orders` is the total
// aimed at: one-time orders fill what the subscriptions' orders leave, the last day making up the
// exact count. Random choices come from `seed`: the same seed, the same store (ids and the time
// it starts at aside).
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { SCOPES, type OrganizationSubject } from '../../kit/auth.js';
import { addMonths } from '../../kit/calendar.js';
import { organizationNow } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { PolarError } from '../../kit/errors.js';
import { completePurchases, type BulkPurchase } from '../checkout/bulk.js';
import { countOrdersByBillingReason, countOrdersCreatedAfter } from '../order/service.js';
import { createProduct, findPrice, type LoadedProduct } from '../product/service.js';
import { CANCELLATION_REASONS } from '../subscription/schemas.js';
import { cancelSubscriptions, countSubscriptionsByStatus, updateSubscription } from '../subscription/service.js';
import { advanceTestClock } from '../test-clock/service.js';
import {
  DECLINED_SHARE, FAILING_CARD_SHARE, ITEMS, itemProduct, monthWeight, MONTHLY_RATES, newPerson, planProduct, PLANS, Random, RETURNING_BUYER_SHARE,
  RETURNING_SUBSCRIBER_SHARE, YEARLY_SHARE, type Person,
} from './plan.js';

const DAY_MS = 86_400_000;
/** Purchases per transaction, and transactions of purchases at once. */
const PURCHASES_PER_TRANSACTION = 2000;
const PURCHASE_LANES = 2;
/** Subscription changes (cancellations, upgrades) running at once, each its own transaction. */
const CHANGES_AT_ONCE = 4;

export interface DemoProgress {
  day: number;
  days: number;
  month: number;
  months: number;
  /** Orders written so far, of `targetOrders`. */
  orders: number;
  targetOrders: number;
  subscriptions: number;
  customers: number;
}

export interface FillDemoOptions {
  organizationId: string;
  /** Orders to end with (one-time, subscriptions' first, renewals, upgrades). */
  orders: number;
  months: number;
  /** Subscriptions started over the history; a tenth of `orders` by default. */
  subscriptions?: number;
  seed?: number;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoReport {
  organization_id: string;
  started_at: Date;
  ended_at: Date;
  products: number;
  customers: number;
  /** The organization's orders after the demo, by billing reason, and their total. */
  orders: Record<string, number> & { total: number };
  /** The organization's subscriptions after the demo, by status, and their total. */
  subscriptions: Record<string, number> & { total: number };
  cancellations: number;
  revocations: number;
  upgrades: number;
  declined_checkouts: number;
}

interface Plan {
  product: LoadedProduct;
  monthly: ProductPriceRow;
  yearly: ProductPriceRow | undefined;
}

interface Catalog {
  plans: Plan[];
  items: { product: LoadedProduct; price: ProductPriceRow }[];
}

/** A subscription that can still be canceled or upgraded. */
interface Member {
  id: string;
  plan: number;
  interval: 'month' | 'year';
  startMonth: number;
}

async function createCatalog(context: Context, subject: OrganizationSubject): Promise<Catalog> {
  const create = (input: Parameters<typeof createProduct>[3]) => transaction(context.db, (trx) => createProduct(trx, context.config, subject, input));
  // The price rows as billing reads them.
  const priceOf = async (product: LoadedProduct, interval: 'month' | 'year' | null) => {
    const listed = product.prices.find((price) => price.recurring_interval === interval);
    return listed ? findPrice(context.db, listed.id) : undefined;
  };
  const plans: Plan[] = [];
  for (const spec of PLANS) {
    const product = await create(planProduct(spec));
    const monthly = await priceOf(product, 'month');
    if (!monthly) throw new Error(`plan ${spec.name} has no monthly price`);
    plans.push({ product, monthly, yearly: await priceOf(product, 'year') });
  }
  const items = [];
  for (const spec of ITEMS) {
    const product = await create(itemProduct(spec));
    const price = await priceOf(product, null);
    if (!price) throw new Error(`product ${spec.name} has no price`);
    items.push({ product, price });
  }
  return { plans, items };
}

/** `total` split over slots by weight, in whole numbers that sum to it. */
function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  let given = 0;
  let cumulative = 0;
  return weights.map((weight) => {
    cumulative += weight;
    const upTo = Math.round((total * cumulative) / sum);
    const share = upTo - given;
    given = upTo;
    return share;
  });
}

/** Runs `work` for each item, `limit` at a time. */
async function eachAtOnce<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item as T);
    }
  }));
}

export async function fillDemo(context: Context, options: FillDemoOptions): Promise<DemoReport> {
  if (!context.config.testMode) throw new Error('demo data moves the test clock: it needs test mode');
  const { organizationId, months } = options;
  const targetOrders = Math.max(0, Math.floor(options.orders));
  const subscriptionCount = Math.max(0, Math.floor(options.subscriptions ?? targetOrders / 10));
  if (!(Number.isInteger(months) && months >= 1)) throw new Error('months must be a whole number of at least 1');
  const { db } = context;
  const subject: OrganizationSubject = { kind: 'organization', organizationId, scopes: new Set(SCOPES) };
  const random = new Random(options.seed ?? 1);
  const catalog = await createCatalog(context, subject);

  const startedAt = await organizationNow(db, organizationId);
  const boundaries = Array.from({ length: months + 1 }, (_, month) => addMonths(startedAt, month).getTime());
  const days = Math.max(1, Math.round(((boundaries[months] ?? 0) - startedAt.getTime()) / DAY_MS));
  const monthOfDay = Array.from({ length: days }, (_, day) => Math.min(months - 1, Math.max(0, boundaries.filter((boundary) => boundary <= startedAt.getTime() + day * DAY_MS).length - 1)));
  const daysOfMonth = Array.from({ length: months }, (_, month) => monthOfDay.filter((of) => of === month).length);
  const weights = Array.from({ length: months }, (_, month) => monthWeight(month, months));
  const subscriptionsOfMonth = allocate(subscriptionCount, weights);
  const subscriptionsOfDay = monthOfDay.map(() => 0);
  for (let month = 0, first = 0; month < months; first += daysOfMonth[month] ?? 0, month += 1) {
    allocate(subscriptionsOfMonth[month] ?? 0, Array(daysOfMonth[month] ?? 0).fill(1)).forEach((count, day) => (subscriptionsOfDay[first + day] = count));
  }

  const people: Person[] = [];
  const members: Member[] = [];
  let orders = 0;
  let subscriptions = 0;
  let failing = 0;
  const tally = { cancellations: 0, revocations: 0, upgrades: 0, declined: 0, declinedToday: 0 };
  let oneTimeOfDay: number[] = [];

  for (let day = 0; day < days; day += 1) {
    const month = monthOfDay[day] ?? 0;
    const isLastDay = day === days - 1;
    if (day > 0) {
      const mark = await organizationNow(db, organizationId);
      await advanceTestClock(context, subject, { advance_by: 'P1D' });
      await changeSubscriptions(context, subject, random, catalog, members, month, daysOfMonth[month] ?? 30, tally);
      orders += await countOrdersCreatedAfter(db, organizationId, mark);
    }
    const firstDayOfMonth = day === 0 || monthOfDay[day - 1] !== month;
    if (firstDayOfMonth) {
      const budget = oneTimeBudget({ targetOrders, orders, month, months, weights, subscriptionsOfMonth, members, failing });
      oneTimeOfDay = allocate(budget, Array(daysOfMonth[month] ?? 0).fill(1));
    }
    const dayOfMonth = day - monthOfDay.indexOf(month);
    const newSubscriptions = subscriptionsOfDay[day] ?? 0;
    const oneTime = isLastDay ? Math.max(0, targetOrders - orders - newSubscriptions) : (oneTimeOfDay[dayOfMonth] ?? 0);
    const purchases = buy(random, catalog, people, newSubscriptions, oneTime, !isLastDay);
    for (const { entry, subscriptionId } of await purchaseAll(context, organizationId, purchases, tally)) {
      if (entry.person.isNew) people.push(entry.person);
      entry.person.isNew = false;
      if (!subscriptionId || entry.plan === undefined) continue;
      subscriptions += 1;
      if (entry.purchase.confirmationTokenId === 'tok_chargeCustomerFail') failing += 1;
      else members.push({ id: subscriptionId, plan: entry.plan, interval: entry.purchase.price.recurring_interval ?? 'month', startMonth: month });
    }
    orders += purchases.length - tally.declinedToday;
    options.onProgress?.({ day: day + 1, days, month: month + 1, months, orders, targetOrders, subscriptions, customers: people.length });
  }

  const [orderCounts, subscriptionCounts] = await Promise.all([countOrdersByBillingReason(db, organizationId), countSubscriptionsByStatus(db, organizationId)]);
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
  return {
    organization_id: organizationId,
    started_at: startedAt,
    ended_at: await organizationNow(db, organizationId),
    products: catalog.plans.length + catalog.items.length,
    customers: people.length,
    orders: { ...orderCounts, total: total(orderCounts) },
    subscriptions: { ...subscriptionCounts, total: total(subscriptionCounts) },
    cancellations: tally.cancellations,
    revocations: tally.revocations,
    upgrades: tally.upgrades,
    declined_checkouts: tally.declined,
  };
}

/**
 * One-time orders for the month: what the target leaves once the subscriptions' orders to come are
 * counted (a forecast: monthly ones renew each month, yearly ones on their anniversary, while the
 * rates take some away), spread over the months left by weight.
 */
function oneTimeBudget(state: { targetOrders: number; orders: number; month: number; months: number; weights: number[]; subscriptionsOfMonth: number[]; members: Member[]; failing: number }): number {
  const { month, months } = state;
  const keeps = 1 - MONTHLY_RATES.cancel - MONTHLY_RATES.revoke;
  let monthly = state.members.filter((member) => member.interval === 'month').length;
  const yearlyStarts = Array(months).fill(0) as number[];
  for (const member of state.members) if (member.interval === 'year') yearlyStarts[member.startMonth] = (yearlyStarts[member.startMonth] ?? 0) + 1;
  let forecast = 0;
  for (let future = month; future < months; future += 1) {
    const started = state.subscriptionsOfMonth[future] ?? 0;
    const renewingYearly = future >= 12 ? (yearlyStarts[future - 12] ?? 0) * keeps ** 12 : 0;
    forecast += monthly + renewingYearly + started + monthly * MONTHLY_RATES.upgrade * 0.5;
    const yearly = started * (1 - FAILING_CARD_SHARE) * YEARLY_SHARE * (2 / 3);
    yearlyStarts[future] = (yearlyStarts[future] ?? 0) + yearly;
    monthly = (monthly + started * (1 - FAILING_CARD_SHARE) - yearly) * keeps;
  }
  const left = state.targetOrders - state.orders - forecast;
  const weightLeft = state.weights.slice(month).reduce((a, b) => a + b, 0);
  return Math.max(0, Math.round((left * (state.weights[month] ?? 1)) / weightLeft));
}

/**
 * The day's purchases, in transactions of PURCHASE_LANES lanes at once; a customer's purchases all
 * go in one lane (two transactions never wait on each other's customers). Answers those that went
 * through, in the order planned.
 */
async function purchaseAll(context: Context, organizationId: string, purchases: Planned[], tally: { declined: number; declinedToday: number }): Promise<{ entry: Planned; subscriptionId: string | null }[]> {
  const lanes: Planned[][] = Array.from({ length: PURCHASE_LANES }, () => []);
  for (const entry of purchases) lanes[laneOf(entry.purchase.email)]?.push(entry);
  const done = await Promise.all(lanes.map(async (lane) => {
    const completed: { entry: Planned; subscriptionId: string | null }[] = [];
    for (let start = 0; start < lane.length; start += PURCHASES_PER_TRANSACTION) {
      const slice = lane.slice(start, start + PURCHASES_PER_TRANSACTION);
      const result = await transaction(context.db, (trx) => completePurchases(trx, context, organizationId, slice.map((entry) => entry.purchase)));
      tally.declined += result.declined;
      for (const { index, subscriptionId } of result.completed) completed.push({ entry: slice[index] as Planned, subscriptionId });
    }
    return completed;
  }));
  const completed = done.flat();
  tally.declinedToday = purchases.length - completed.length;
  const order = new Map(purchases.map((entry, index) => [entry, index]));
  return completed.sort((a, b) => (order.get(a.entry) ?? 0) - (order.get(b.entry) ?? 0));
}

function laneOf(email: string): number {
  let hash = 0;
  for (let index = 0; index < email.length; index += 1) hash = (Math.imul(hash, 31) + email.charCodeAt(index)) >>> 0;
  return hash % PURCHASE_LANES;
}

interface Planned {
  purchase: BulkPurchase;
  person: Person & { isNew: boolean };
  plan?: number;
}

function personFor(random: Random, people: Person[], returningShare: number, serial: number): Person & { isNew: boolean } {
  if (people.length > 0 && random.chance(returningShare)) return { ...(people[random.below(people.length)] as Person), isNew: false };
  return { ...newPerson(random, serial), isNew: true };
}

/** The day's purchases: new subscriptions, then one-time orders (some declined, but not on the day that makes up the count). */
function buy(random: Random, catalog: Catalog, people: Person[], newSubscriptions: number, oneTime: number, mayDecline: boolean): Planned[] {
  const planned: Planned[] = [];
  let serial = people.length + 1;
  const card = () => (random.chance(0.3) ? 'tok_mastercard' : 'tok_visa');
  for (let count = 0; count < newSubscriptions; count += 1) {
    const planIndex = random.weighted(PLANS.map((plan) => plan.weight));
    const plan = catalog.plans[planIndex] as Plan;
    const price = plan.yearly && random.chance(YEARLY_SHARE) ? plan.yearly : plan.monthly;
    const person = personFor(random, people, RETURNING_SUBSCRIBER_SHARE, serial);
    if (person.isNew) serial += 1;
    const token = random.chance(FAILING_CARD_SHARE) ? 'tok_chargeCustomerFail' : card();
    planned.push({ purchase: { product: plan.product, price, ...person, confirmationTokenId: token }, person, plan: planIndex });
  }
  for (let count = 0; count < oneTime; count += 1) {
    const item = catalog.items[random.weighted(ITEMS.map((spec) => spec.weight))] ?? catalog.items[0];
    if (!item) break;
    const person = personFor(random, people, RETURNING_BUYER_SHARE, serial);
    if (person.isNew) serial += 1;
    const token = mayDecline && random.chance(DECLINED_SHARE) ? 'tok_chargeDeclined' : card();
    planned.push({ purchase: { product: item.product, price: item.price, ...person, confirmationTokenId: token }, person });
  }
  return planned;
}

/** Takes a member out of the pool at random (swap with the last). */
function takeMember(random: Random, members: Member[]): Member | undefined {
  if (members.length === 0) return undefined;
  const index = random.below(members.length);
  const member = members[index];
  members[index] = members[members.length - 1] as Member;
  members.pop();
  return member;
}

/** The day's cancellations and revocations (together, as subscriptions.update makes each), and upgrades (subscriptions.update). */
async function changeSubscriptions(
  context: Context,
  subject: OrganizationSubject,
  random: Random,
  catalog: Catalog,
  members: Member[],
  month: number,
  daysInMonth: number,
  tally: { cancellations: number; revocations: number; upgrades: number },
): Promise<void> {
  const daily = (rate: number) => random.round((members.length * rate) / daysInMonth);
  const cancellations: Parameters<typeof cancelSubscriptions>[3] = [];
  for (let count = daily(MONTHLY_RATES.cancel); count > 0; count -= 1) {
    const member = takeMember(random, members);
    if (member) cancellations.push({ id: member.id, revoke: false, reason: CANCELLATION_REASONS[random.below(CANCELLATION_REASONS.length)] });
  }
  for (let count = daily(MONTHLY_RATES.revoke); count > 0; count -= 1) {
    const member = takeMember(random, members);
    if (member) cancellations.push({ id: member.id, revoke: true });
  }
  const upgrades: Member[] = [];
  const changes: { member: Member; priceId: string }[] = [];
  for (let count = daily(MONTHLY_RATES.upgrade); count > 0; count -= 1) {
    const member = takeMember(random, members);
    if (!member) break;
    // Starter moves to Pro within the month (prorated on the next renewal); Pro to yearly billing (charged now).
    const target = member.interval !== 'month' ? undefined : member.plan === 0 ? catalog.plans[1]?.monthly : member.plan === 1 ? catalog.plans[1]?.yearly : undefined;
    upgrades.push(member);
    if (target) changes.push({ member, priceId: target.id });
  }
  if (cancellations.length > 0) {
    const canceled = await transaction(context.db, (trx) => cancelSubscriptions(trx, context.config, subject, cancellations));
    for (const subscription of canceled) tally[subscription.ended_at ? 'revocations' : 'cancellations'] += 1;
  }
  await eachAtOnce(changes, CHANGES_AT_ONCE, async ({ member, priceId }) => {
    try {
      await transaction(context.db, (trx) => updateSubscription(trx, context, subject, member.id, { product_price_id: priceId }));
      tally.upgrades += 1;
      if (member.plan === 0) member.plan = 1;
      else member.interval = 'year';
    } catch (error) {
      // Refused as the API would refuse it (a card declined for an upgrade): the history goes on.
      if (!(error instanceof PolarError)) throw error;
    }
  });
  // Upgraded (or left as they were) subscribers stay in the pool; the others have left it.
  for (const member of upgrades) {
    if (member.interval === 'year') member.startMonth = month;
    members.push(member);
  }
}
