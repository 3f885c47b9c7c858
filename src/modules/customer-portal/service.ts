// The customer portal: a customer (signed in with a customer session token) reads its orders,
// subscriptions and benefit grants, cancels or changes its subscriptions (or the card they are
// charged on), and links the account a Discord or GitHub benefit needs. Every read goes through
// the owning module's repository with the customer as the subject, so a customer sees its own
// records and nothing else.
import type { Config } from '../../config.js';
import type { Context } from '../../kit/context.js';
import type { CustomerSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { enqueueJob } from '../../kit/jobs.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { GRANT_JOBS } from '../benefit/grants.js';
import * as benefitRepository from '../benefit/repository.js';
import type { CustomerGrantSortField } from '../benefit/repository.js';
import { findCustomer, findPaymentMethods } from '../customer/service.js';
import * as orderRepository from '../order/repository.js';
import type { OrderSortField } from '../order/repository.js';
import { getOrder, invoiceUrl, loadOrder } from '../order/service.js';
import { findBySlug } from '../organization/repository.js';
import { getOrganizationById, presentOrganization } from '../organization/service.js';
import type { Organization } from '../organization/schemas.js';
import * as subscriptionService from '../subscription/service.js';
import { presentCard, presentCustomerGrant, presentCustomerOrder, presentCustomerSubscription, presentPortalCustomer } from './presenter.js';
import type { CustomerBenefitGrantListQuery, CustomerBenefitGrantUpdate, CustomerOrderListQuery, CustomerSubscriptionListQuery, CustomerSubscriptionUpdate } from './schemas.js';

/** A customer belongs to one organization: the one every record it sees belongs to. */
async function organizationOf(db: Queryable, subject: CustomerSubject): Promise<Organization> {
  return presentOrganization(await getOrganizationById(db, subject.organizationId));
}

async function customerOf(db: Queryable, subject: CustomerSubject) {
  const customer = await findCustomer(db, subject.customerId);
  if (!customer) throw new ResourceNotFound();
  return customer;
}

export async function getCustomer(db: Queryable, subject: CustomerSubject, id: string) {
  if (id !== subject.customerId) throw new ResourceNotFound();
  return presentPortalCustomer(await customerOf(db, subject));
}

/** Public: the organization a portal belongs to, by its slug. */
export async function getOrganizationBySlug(db: Queryable, slug: string): Promise<Organization> {
  const organization = await findBySlug(db, slug);
  if (!organization || organization.blocked_at) throw new ResourceNotFound();
  return presentOrganization(organization);
}

export async function listOrders(db: Queryable, config: Config, subject: CustomerSubject, query: CustomerOrderListQuery) {
  const { rows, totalCount } = await orderRepository.listVisible(
    db,
    subject,
    { organizationId: query.organization_id, productId: query.product_id, productPriceType: query.product_price_type, subscriptionId: query.subscription_id, query: query.query ?? undefined },
    parseSorting<OrderSortField>(query.sorting),
    query,
  );
  const [organization, loaded] = await Promise.all([organizationOf(db, subject), Promise.all(rows.map((row) => loadOrder(db, row)))]);
  return toPage(loaded.map((order) => presentCustomerOrder(config, order, organization)), totalCount, query);
}

export async function getCustomerOrder(db: Queryable, config: Config, subject: CustomerSubject, id: string) {
  const [order, organization] = await Promise.all([getOrder(db, subject, id), organizationOf(db, subject)]);
  return presentCustomerOrder(config, order, organization);
}

export async function orderInvoice(db: Queryable, config: Config, subject: CustomerSubject, id: string) {
  return { url: await invoiceUrl(db, config, subject, id) };
}

async function loadSubscriptions(db: Queryable, subject: CustomerSubject, query: CustomerSubscriptionListQuery) {
  const [{ items, totalCount }, organization] = await Promise.all([
    subscriptionService.listCustomerSubscriptions(db, subject, { ...query, query: query.query ?? undefined }),
    organizationOf(db, subject),
  ]);
  return { items, totalCount, organization };
}

export async function listSubscriptions(db: Queryable, config: Config, subject: CustomerSubject, query: CustomerSubscriptionListQuery) {
  const { items, totalCount, organization } = await loadSubscriptions(db, subject, query);
  return toPage(items.map((subscription) => presentCustomerSubscription(config, subscription, organization)), totalCount, query);
}

/**
 * The portal page's subscriptions: as the API's, each with the card it is charged on (brand and
 * last 4). Polar's CustomerSubscription has no field for the card, so the API's schema stays as it is.
 */
export async function listSubscriptionsWithCards(db: Queryable, config: Config, subject: CustomerSubject, query: CustomerSubscriptionListQuery) {
  const { items, totalCount, organization } = await loadSubscriptions(db, subject, query);
  const cards = await findPaymentMethods(db, items.flatMap(({ subscription }) => (subscription.payment_method_id ? [subscription.payment_method_id] : [])));
  return toPage(
    items.map((loaded) => ({ ...presentCustomerSubscription(config, loaded, organization), card: presentCard(loaded.subscription.payment_method_id ? cards.get(loaded.subscription.payment_method_id) : undefined) })),
    totalCount,
    query,
  );
}

export async function getSubscription(db: Queryable, config: Config, subject: CustomerSubject, id: string) {
  const [subscription, organization] = await Promise.all([subscriptionService.getSubscription(db, subject, id), organizationOf(db, subject)]);
  return presentCustomerSubscription(config, subscription, organization);
}

/** A change of plan, or a cancellation at period end (true) or its undoing (false), as Polar's. */
export async function updateSubscription(trx: Transaction, context: Context, subject: CustomerSubject, id: string, input: CustomerSubscriptionUpdate) {
  const updated = await subscriptionService.updateSubscription(
    trx,
    context,
    subject,
    id,
    'product_price_id' in input
      ? input
      : { cancel_at_period_end: input.cancel_at_period_end, customer_cancellation_reason: input.cancellation_reason, customer_cancellation_comment: input.cancellation_comment },
  );
  return presentCustomerSubscription(context.config, updated, await organizationOf(trx, subject));
}

/** `DELETE`: cancels at the end of the period. */
export async function cancelSubscription(trx: Transaction, context: Context, subject: CustomerSubject, id: string) {
  return updateSubscription(trx, context, subject, id, { cancel_at_period_end: true });
}

/** Replaces the card a subscription is charged on; a past-due one is charged again at once with it. */
export async function replacePaymentMethod(context: Context, subject: CustomerSubject, id: string, confirmationTokenId: string) {
  const replaced = await subscriptionService.replacePaymentMethod(context, subject, id, confirmationTokenId);
  return presentCustomerSubscription(context.config, replaced, await organizationOf(context.db, subject));
}

export async function listGrants(db: Queryable, subject: CustomerSubject, query: CustomerBenefitGrantListQuery) {
  const { rows, totalCount } = await benefitRepository.listCustomerGrants(
    db,
    subject.customerId,
    { type: query.type, benefitId: query.benefit_id, organizationId: query.organization_id, checkoutId: query.checkout_id, orderId: query.order_id, subscriptionId: query.subscription_id },
    parseSorting<CustomerGrantSortField>(query.sorting),
    query,
  );
  const [customer, organization] = await Promise.all([customerOf(db, subject), organizationOf(db, subject)]);
  return toPage(rows.map((grant) => presentCustomerGrant(grant, customer, organization)), totalCount, query);
}

async function findGrant(db: Queryable, subject: CustomerSubject, id: string) {
  const grant = await benefitRepository.findCustomerGrant(db, subject.customerId, id);
  if (!grant) throw new ResourceNotFound();
  return grant;
}

export async function getGrant(db: Queryable, subject: CustomerSubject, id: string) {
  const [grant, customer, organization] = await Promise.all([findGrant(db, subject, id), customerOf(db, subject), organizationOf(db, subject)]);
  return presentCustomerGrant(grant, customer, organization);
}

const ACCOUNT_PLATFORMS: Partial<Record<string, string>> = { discord: 'discord', github_repository: 'github' };

/**
 * Names the linked account a Discord or GitHub grant is delivered to; the grant is then granted
 * again (a job). Other types have nothing a customer can change.
 */
export async function updateGrant(trx: Transaction, subject: CustomerSubject, id: string, input: CustomerBenefitGrantUpdate) {
  const grant = await findGrant(trx, subject, id);
  if (input.benefit_type !== grant.benefit.type) throw new ValidationError(['body', 'benefit_type'], 'Benefit type must match the existing granted benefit type.', input.benefit_type);
  const platform = ACCOUNT_PLATFORMS[grant.benefit.type];
  const accountId = input.properties?.account_id;
  if (platform && accountId !== undefined) {
    const customer = await customerOf(trx, subject);
    if (!customer.oauth_accounts[`${platform}:${accountId}`]) throw new ValidationError(['body', 'properties', 'account_id'], 'OAuth account does not exist.', accountId);
    await benefitRepository.updateGrantProperties(trx, grant.id, { ...grant.properties, account_id: accountId }, clock.now());
    await enqueueJob(trx, GRANT_JOBS.forGrant, { grantId: grant.id });
  }
  return getGrant(trx, subject, id);
}
