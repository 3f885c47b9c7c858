import type { Config } from '../../config.js';
import type { CustomerRow, PaymentMethodRow } from '../../db/schema/commerce.js';
import type { JsonCustomer } from '../license-key/repository.js';
import type { LoadedOrder } from '../order/presenter.js';
import { presentSubscriptionBase } from '../order/presenter.js';
import type { Organization } from '../organization/schemas.js';
import { presentPrice, presentProduct } from '../product/presenter.js';
import type { LoadedProduct } from '../product/service.js';
import type { LoadedSubscription } from '../subscription/presenter.js';
import { presentBenefitSubscriber } from '../benefit/presenter.js';
import type { CustomerGrant } from '../benefit/repository.js';

/** The customer as the portal shows it: linked accounts without their tokens. */
export function presentPortalCustomer(customer: CustomerRow | JsonCustomer) {
  return {
    created_at: customer.created_at,
    modified_at: customer.modified_at,
    id: customer.id,
    email: customer.email,
    email_verified: customer.email_verified,
    name: customer.name,
    billing_address: customer.billing_address,
    tax_id: customer.tax_id,
    oauth_accounts: Object.fromEntries(Object.entries(customer.oauth_accounts ?? {}).map(([key, account]) => [key, { account_id: account.account_id, account_username: account.account_username }])),
  };
}

function presentCustomerProduct(config: Config, product: LoadedProduct, organization: Organization) {
  return { ...presentProduct(config, product), organization };
}

function customerSubscriptionBase(subscription: LoadedSubscription['subscription']) {
  const { metadata: _metadata, ...base } = presentSubscriptionBase(subscription);
  return base;
}

export function presentCustomerOrder(config: Config, { order, product, price, subscription }: LoadedOrder, organization: Organization) {
  return {
    created_at: order.created_at,
    modified_at: order.modified_at,
    id: order.id,
    amount: order.amount,
    tax_amount: order.tax_amount,
    currency: order.currency,
    customer_id: order.customer_id,
    product_id: order.product_id,
    product_price_id: order.product_price_id,
    subscription_id: order.subscription_id,
    user_id: order.customer_id,
    product: presentCustomerProduct(config, product, organization),
    product_price: presentPrice(price),
    subscription: subscription ? customerSubscriptionBase(subscription) : null,
  };
}

export function presentCustomerSubscription(config: Config, { subscription, product, price }: LoadedSubscription, organization: Organization) {
  return { ...customerSubscriptionBase(subscription), product: presentCustomerProduct(config, product, organization), price: presentPrice(price) };
}

/** A saved card as the customer may see it: never the processor's id. */
export function presentCard(method: PaymentMethodRow | undefined): { brand: string; last4: string } | null {
  return method ? { brand: method.brand, last4: method.last4 } : null;
}

export function presentCustomerGrant(grant: CustomerGrant, customer: CustomerRow, organization: Organization) {
  return {
    created_at: grant.created_at,
    modified_at: grant.modified_at,
    id: grant.id,
    granted_at: grant.granted_at,
    revoked_at: grant.revoked_at,
    customer_id: grant.customer_id,
    benefit_id: grant.benefit_id,
    subscription_id: grant.subscription_id,
    order_id: grant.order_id,
    is_granted: grant.granted_at !== null,
    is_revoked: grant.revoked_at !== null,
    customer: presentPortalCustomer(customer),
    benefit: presentBenefitSubscriber(grant.benefit, organization),
    properties: grant.properties,
  };
}
