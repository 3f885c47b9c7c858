// The grant engine: makes a customer's benefit grants match what they are entitled to. An order of
// a one-time price grants its product's benefits for good; a subscription grants them while it is
// active and revokes them when it ends. Changing a product's benefits, or a benefit's settings,
// re-evaluates every holder. Grants are one row per (customer, benefit, origin), locked while they
// change, so evaluations running twice or at once never grant twice. Each benefit is granted in a
// transaction of its own: a third party failing for one benefit neither undoes nor blocks the
// others, records its error on its grant, and makes the job fail so that it is retried.
import { sql } from 'kysely';
import type { BenefitGrantRow, BenefitRow } from '../../db/schema/catalog.js';
import type { CustomerRow, SubscriptionStatus } from '../../db/schema/commerce.js';
import { clock } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import { transaction, type Transaction } from '../../kit/db.js';
import { recordEvent } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { enqueueJob } from '../../kit/jobs.js';
import { INTEGRATIONS, IntegrationError, type GrantError } from './integrations.js';
import { presentBenefit, presentGrant } from './presenter.js';

/** Where a grant comes from: a one-time order, or a subscription. */
export type GrantOrigin = { orderId: string } | { subscriptionId: string };

export const GRANT_JOBS = {
  forOrder: 'benefit.grant_for_order',
  forSubscription: 'benefit.update_for_subscription',
  forProduct: 'benefit.update_for_product',
  forBenefit: 'benefit.update_for_benefit',
  revokeForBenefit: 'benefit.revoke_for_benefit',
  forGrant: 'benefit.update_grant',
} as const;

const ACTIVE_SUBSCRIPTION = new Set(['active', 'trialing']);

/** The column that names a grant's origin, and its value. */
function originOf(origin: GrantOrigin): { column: 'order_id' | 'subscription_id'; id: string } {
  return 'orderId' in origin ? { column: 'order_id', id: origin.orderId } : { column: 'subscription_id', id: origin.subscriptionId };
}

/** The grant row of (customer, benefit, origin), created if missing, locked until commit. */
async function lockGrant(trx: Transaction, customerId: string, benefitId: string, origin: GrantOrigin): Promise<BenefitGrantRow> {
  const { column, id } = originOf(origin);
  await trx
    .insertInto('benefit_grants')
    .values({ id: newId(), created_at: clock.now(), customer_id: customerId, benefit_id: benefitId, [column]: id })
    .onConflict((oc) => oc.columns([column, 'customer_id', 'benefit_id']).where(column, 'is not', null).doNothing())
    .execute();
  return trx
    .selectFrom('benefit_grants')
    .selectAll()
    .where(column, '=', id)
    .where('customer_id', '=', customerId)
    .where('benefit_id', '=', benefitId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

async function announce(trx: Transaction, context: Context, type: string, grant: BenefitGrantRow, benefit: BenefitRow, customer: CustomerRow, previous: Record<string, unknown>) {
  await recordEvent(trx, benefit.organization_id, type, () => ({
    ...presentGrant({ ...grant, customer: JSON.parse(JSON.stringify(customer)) }),
    benefit: presentBenefit(context.config, benefit),
    previous_properties: previous,
  }));
}

/**
 * Grants one benefit (or, with `update`, grants again with the benefit's current settings).
 * A grant already granted is left as it is, unless updating; a revoked grant is not updated.
 */
async function grantOne(trx: Transaction, context: Context, benefit: BenefitRow, customer: CustomerRow, locked: BenefitGrantRow, update: boolean): Promise<void> {
  if (!update && locked.granted_at && !locked.revoked_at) return;
  if (update && locked.revoked_at) return;
  const outcome = await INTEGRATIONS[benefit.type].grant({ trx, config: context.config, benefit, customer, grant: locked, update });
  const now = clock.now();
  const granted = await trx
    .updateTable('benefit_grants')
    .set({
      granted_at: outcome.status === 'granted' ? now : null,
      revoked_at: null,
      properties: JSON.stringify(outcome.properties),
      error: outcome.status === 'pending' && outcome.error ? JSON.stringify({ ...outcome.error, timestamp: now.toISOString() }) : null,
      modified_at: now,
    })
    .where('id', '=', locked.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await announce(trx, context, update ? 'benefit_grant.updated' : 'benefit_grant.created', granted, benefit, customer, locked.properties);
}

/**
 * Revokes a grant. The benefit itself is taken back only if it is revoked per grant or the
 * customer holds no other grant of it (access bought twice stays until both end).
 */
async function revokeOne(trx: Transaction, context: Context, benefit: BenefitRow, customer: CustomerRow, locked: BenefitGrantRow): Promise<void> {
  if (locked.revoked_at) return;
  const integration = INTEGRATIONS[benefit.type];
  let properties = locked.properties;
  const others = await trx
    .selectFrom('benefit_grants')
    .select('id')
    .where('customer_id', '=', customer.id)
    .where('benefit_id', '=', benefit.id)
    .where('id', '!=', locked.id)
    .where('granted_at', 'is not', null)
    .where('revoked_at', 'is', null)
    .where('deleted_at', 'is', null)
    .limit(1)
    .execute();
  if (locked.granted_at && (integration.revokesIndividually || others.length === 0)) {
    properties = await integration.revoke({ trx, config: context.config, benefit, customer, grant: locked, update: false });
  }
  const now = clock.now();
  const revoked = await trx
    .updateTable('benefit_grants')
    .set({ granted_at: null, revoked_at: now, properties: JSON.stringify(properties), error: null, modified_at: now })
    .where('id', '=', locked.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await announce(trx, context, 'benefit_grant.revoked', revoked, benefit, customer, locked.properties);
}

type Change = { kind: 'grant' | 'update' | 'revoke'; benefitId: string; customerId: string; origin: GrantOrigin };

/**
 * Applies changes one transaction each. A third party's failure is recorded on its grant and
 * thrown once the others are done, so the job is retried (done grants are then no-ops).
 */
async function applyChanges(context: Context, changes: Change[]): Promise<void> {
  const failures: string[] = [];
  for (const change of changes) {
    try {
      await transaction(context.db, async (trx) => {
        const [benefit, customer] = await Promise.all([
          trx.selectFrom('benefits').selectAll().where('id', '=', change.benefitId).executeTakeFirstOrThrow(),
          trx.selectFrom('customers').selectAll().where('id', '=', change.customerId).executeTakeFirstOrThrow(),
        ]);
        const locked = await lockGrant(trx, change.customerId, change.benefitId, change.origin);
        if (change.kind === 'revoke') await revokeOne(trx, context, benefit, customer, locked);
        else await grantOne(trx, context, benefit, customer, locked, change.kind === 'update');
      });
    } catch (error) {
      if (!(error instanceof IntegrationError)) throw error;
      failures.push(error.message);
      const recorded: GrantError & { timestamp: string } = { type: 'integration_error', message: error.message, timestamp: clock.now().toISOString() };
      const { column, id } = originOf(change.origin);
      await context.db
        .updateTable('benefit_grants')
        .set({ error: JSON.stringify(recorded), modified_at: clock.now() })
        .where('customer_id', '=', change.customerId)
        .where('benefit_id', '=', change.benefitId)
        .where(column, '=', id)
        .execute();
    }
  }
  if (failures.length > 0) throw new IntegrationError(failures.join('; '));
}

/** What the product (a column of the row being read) grants, in its order, as an SQL array. */
function benefitsOf(productId: ReturnType<typeof sql.ref>) {
  return sql<string[]>`ARRAY(SELECT b.id FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id AND b.deleted_at IS NULL WHERE pb.product_id = ${productId} ORDER BY pb."order")`;
}

/** What the customer (a column of the row being read) holds from the origin, as an SQL array. */
function heldFrom(origin: GrantOrigin, customerId: ReturnType<typeof sql.ref>) {
  const { column, id } = originOf(origin);
  return sql<string[]>`ARRAY(SELECT g.benefit_id FROM benefit_grants g WHERE ${sql.ref(`g.${column}`)} = ${id} AND g.customer_id = ${customerId} AND g.revoked_at IS NULL)`;
}

/**
 * Grants the benefits the origin entitles the customer to (`wanted`: the product's, or none), and
 * revokes those it holds from the origin (`held`) that are no longer wanted.
 */
async function entitle(context: Context, customerId: string, origin: GrantOrigin, wanted: string[], held: string[]): Promise<void> {
  const changes: Change[] = wanted.map((benefitId) => ({ kind: 'grant', benefitId, customerId, origin }));
  for (const benefitId of held) {
    if (!wanted.includes(benefitId)) changes.push({ kind: 'revoke', benefitId, customerId, origin });
  }
  await applyChanges(context, changes);
}

/** After an order: a one-time purchase grants for good; a subscription's order defers to it. */
export async function evaluateOrder(context: Context, orderId: string): Promise<void> {
  const origin = { orderId };
  const result = await sql<{ customer_id: string; subscription_id: string | null; wanted: string[]; held: string[] }>`
    SELECT o.customer_id, o.subscription_id, ${benefitsOf(sql.ref('o.product_id'))} AS wanted, ${heldFrom(origin, sql.ref('o.customer_id'))} AS held
    FROM orders o WHERE o.id = ${orderId}`.execute(context.db);
  const order = result.rows[0];
  if (!order) return;
  if (order.subscription_id) return evaluateSubscription(context, order.subscription_id);
  await entitle(context, order.customer_id, origin, order.wanted, order.held);
}

/** A subscription grants its product's benefits while active, and revokes them otherwise. */
export async function evaluateSubscription(context: Context, subscriptionId: string): Promise<void> {
  const origin = { subscriptionId };
  const result = await sql<{ customer_id: string; status: SubscriptionStatus; wanted: string[]; held: string[] }>`
    SELECT s.customer_id, s.status, ${benefitsOf(sql.ref('s.product_id'))} AS wanted, ${heldFrom(origin, sql.ref('s.customer_id'))} AS held
    FROM subscriptions s WHERE s.id = ${subscriptionId}`.execute(context.db);
  const subscription = result.rows[0];
  if (!subscription) return;
  await entitle(context, subscription.customer_id, origin, ACTIVE_SUBSCRIPTION.has(subscription.status) ? subscription.wanted : [], subscription.held);
}

/** After a product's benefits changed: every subscription and one-time order of it, in jobs. */
export async function evaluateProduct(context: Context, productId: string): Promise<void> {
  await transaction(context.db, async (trx) => {
    const subscriptions = await trx.selectFrom('subscriptions').select('id').where('product_id', '=', productId).execute();
    const orders = await trx.selectFrom('orders').select('id').where('product_id', '=', productId).where('subscription_id', 'is', null).execute();
    for (const { id } of subscriptions) await enqueueJob(trx, GRANT_JOBS.forSubscription, { subscriptionId: id });
    for (const { id } of orders) await enqueueJob(trx, GRANT_JOBS.forOrder, { orderId: id });
  });
}

function changesOf(grants: Pick<BenefitGrantRow, 'benefit_id' | 'customer_id' | 'order_id' | 'subscription_id'>[], kind: Change['kind']): Change[] {
  return grants.map((grant) => ({
    kind,
    benefitId: grant.benefit_id,
    customerId: grant.customer_id,
    origin: grant.order_id ? { orderId: grant.order_id } : { subscriptionId: grant.subscription_id! },
  }));
}

function liveGrantsOf(context: Context, benefitId: string) {
  return context.db
    .selectFrom('benefit_grants')
    .select(['benefit_id', 'customer_id', 'order_id', 'subscription_id'])
    .where('benefit_id', '=', benefitId)
    .where('revoked_at', 'is', null)
    .where('deleted_at', 'is', null)
    .execute();
}

/** After a benefit's settings changed materially: grant again to every holder, with the new ones. */
export async function updateBenefitGrants(context: Context, benefitId: string): Promise<void> {
  await applyChanges(context, changesOf(await liveGrantsOf(context, benefitId), 'update'));
}

/** After a benefit was deleted: revoke it from every holder. */
export async function revokeBenefitGrants(context: Context, benefitId: string): Promise<void> {
  await applyChanges(context, changesOf(await liveGrantsOf(context, benefitId), 'revoke'));
}

/** Grants one grant again (after its customer linked the account it needed). */
export async function updateGrant(context: Context, grantId: string): Promise<void> {
  const grant = await context.db.selectFrom('benefit_grants').select(['benefit_id', 'customer_id', 'order_id', 'subscription_id', 'revoked_at']).where('id', '=', grantId).executeTakeFirst();
  if (!grant || grant.revoked_at) return;
  await applyChanges(context, changesOf([grant], 'update'));
}
