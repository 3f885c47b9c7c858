import { Type, type Static } from '@sinclair/typebox';
import { MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { DateTime, MultipleFilter, Nullable, NullableDateTime, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { Address, Customer } from '../customer/schemas.js';
import { DiscountBase } from '../discount/schemas.js';
import { ProductBase, ProductPrice } from '../product/schemas.js';

/** Polar's deprecated view of the customer as a user. */
export const OrderUser = Type.Object({
  id: UUID,
  email: Type.String(),
  public_name: Type.String(),
  avatar_url: Type.Optional(Nullable(Type.String())),
  github_username: Type.Optional(Nullable(Type.String())),
});

export const SUBSCRIPTION_STATUSES = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid'] as const;

/** A subscription without its relations (an order embeds it). */
export const SubscriptionBase = Type.Object({
  metadata: MetadataOutput,
  ...Timestamps,
  id: UUID,
  amount: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  recurring_interval: StringEnum(['month', 'year']),
  status: StringEnum(SUBSCRIPTION_STATUSES),
  current_period_start: DateTime,
  current_period_end: NullableDateTime,
  cancel_at_period_end: Type.Boolean(),
  canceled_at: NullableDateTime,
  started_at: NullableDateTime,
  ends_at: NullableDateTime,
  ended_at: NullableDateTime,
  customer_id: UUID,
  product_id: UUID,
  price_id: UUID,
  discount_id: Nullable(UUID),
  checkout_id: Nullable(UUID),
  customer_cancellation_reason: Nullable(Type.String()),
  customer_cancellation_comment: Nullable(Type.String()),
  user_id: UUID,
});

export const Order = Type.Object({
  ...Timestamps,
  id: UUID,
  metadata: MetadataOutput,
  custom_field_data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  amount: Type.Integer(),
  tax_amount: Type.Integer(),
  currency: Type.String(),
  billing_reason: StringEnum(['purchase', 'subscription_create', 'subscription_cycle', 'subscription_update']),
  billing_address: Nullable(Address),
  customer_id: UUID,
  product_id: UUID,
  product_price_id: UUID,
  discount_id: Nullable(UUID),
  subscription_id: Nullable(UUID),
  checkout_id: Nullable(UUID),
  customer: Customer,
  user_id: UUID,
  user: OrderUser,
  product: ProductBase,
  product_price: ProductPrice,
  discount: Nullable(DiscountBase),
  subscription: Nullable(SubscriptionBase),
});
export type Order = Static<typeof Order>;

export const ORDER_SORT_FIELDS = ['created_at', 'amount', 'customer', 'product', 'discount', 'subscription'] as const;

export const OrderListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  product_price_type: MultipleFilter(StringEnum(['one_time', 'recurring'])),
  discount_id: MultipleFilter(UUID),
  customer_id: MultipleFilter(UUID),
  checkout_id: MultipleFilter(UUID),
  ...PaginationQuery,
  sorting: SortingQuery(ORDER_SORT_FIELDS, ['-created_at']),
});
export type OrderListQuery = Static<typeof OrderListQuery>;

export const ListResourceOrder = ListResource(Order);
export const OrderInvoice = Type.Object({ url: Type.String() });
