import type { CustomerRow, OrderRow, SubscriptionRow } from '../../db/schema/commerce.js';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { avatarUrlOf, presentCustomer } from '../customer/presenter.js';
import { presentDiscountBase } from '../discount/presenter.js';
import type { LoadedDiscount } from '../discount/service.js';
import { presentPrice } from '../product/presenter.js';
import type { LoadedProduct } from '../product/service.js';
import type { Order } from './schemas.js';

/** The customer as Polar's deprecated `user` fields show it. */
export function presentUser(customer: CustomerRow) {
  return { id: customer.id, email: customer.email, public_name: customer.name ?? customer.email.split('@')[0] ?? customer.email, avatar_url: avatarUrlOf(customer.email), github_username: null };
}

export function presentSubscriptionBase(subscription: SubscriptionRow) {
  return {
    metadata: subscription.metadata,
    created_at: subscription.created_at,
    modified_at: subscription.modified_at,
    id: subscription.id,
    amount: subscription.amount,
    currency: subscription.currency,
    recurring_interval: subscription.recurring_interval,
    status: subscription.status,
    current_period_start: subscription.current_period_start,
    current_period_end: subscription.current_period_end,
    cancel_at_period_end: subscription.cancel_at_period_end,
    canceled_at: subscription.canceled_at,
    started_at: subscription.started_at,
    ends_at: subscription.ends_at,
    ended_at: subscription.ended_at,
    customer_id: subscription.customer_id,
    product_id: subscription.product_id,
    price_id: subscription.price_id,
    discount_id: subscription.discount_id,
    checkout_id: subscription.checkout_id,
    customer_cancellation_reason: subscription.customer_cancellation_reason,
    customer_cancellation_comment: subscription.customer_cancellation_comment,
    user_id: subscription.customer_id,
  };
}

export interface LoadedOrder {
  order: OrderRow;
  customer: CustomerRow;
  product: LoadedProduct;
  price: ProductPriceRow;
  discount: LoadedDiscount | undefined;
  subscription: SubscriptionRow | undefined;
}

export function presentOrder({ order, customer, product, price, discount, subscription }: LoadedOrder): Order {
  return {
    created_at: order.created_at,
    modified_at: order.modified_at,
    id: order.id,
    metadata: order.metadata,
    custom_field_data: order.custom_field_data,
    amount: order.amount,
    tax_amount: order.tax_amount,
    currency: order.currency,
    billing_reason: order.billing_reason,
    billing_address: order.billing_address,
    customer_id: order.customer_id,
    product_id: order.product_id,
    product_price_id: order.product_price_id,
    discount_id: order.discount_id,
    subscription_id: order.subscription_id,
    checkout_id: order.checkout_id,
    customer: presentCustomer(customer),
    user_id: customer.id,
    user: presentUser(customer),
    product: {
      created_at: product.created_at,
      modified_at: product.modified_at,
      id: product.id,
      name: product.name,
      description: product.description,
      is_recurring: product.is_recurring,
      is_archived: product.is_archived,
      organization_id: product.organization_id,
    },
    product_price: presentPrice(price),
    discount: discount ? presentDiscountBase(discount) : null,
    subscription: subscription ? presentSubscriptionBase(subscription) : null,
  } as Order;
}
