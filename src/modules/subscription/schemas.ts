import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { BooleanFilter, MultipleFilter, Nullable, StringEnum, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { Customer } from '../customer/schemas.js';
import { DiscountBase } from '../discount/schemas.js';
import { OrderUser, SubscriptionBase } from '../order/schemas.js';
import { Product, ProductPrice } from '../product/schemas.js';

export const CANCELLATION_REASONS = ['customer_service', 'low_quality', 'missing_features', 'switched_service', 'too_complex', 'too_expensive', 'unused', 'other'] as const;

export const Subscription = Type.Object({
  ...SubscriptionBase.properties,
  custom_field_data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  customer: Customer,
  user: OrderUser,
  product: Product,
  price: ProductPrice,
  discount: Nullable(DiscountBase),
});

export const SubscriptionUpdate = Type.Union([
  Type.Object({ product_price_id: UUID }),
  Type.Object({
    cancel_at_period_end: Type.Optional(Nullable(Type.Boolean())),
    revoke: Type.Optional(Nullable(Type.Literal(true))),
    customer_cancellation_reason: Type.Optional(Nullable(StringEnum(CANCELLATION_REASONS))),
    customer_cancellation_comment: Type.Optional(Nullable(Type.String())),
  }),
]);
export type SubscriptionUpdate = Static<typeof SubscriptionUpdate>;

export const SUBSCRIPTION_SORT_FIELDS = ['customer', 'status', 'started_at', 'current_period_end', 'amount', 'product'] as const;
export type SubscriptionSortField = (typeof SUBSCRIPTION_SORT_FIELDS)[number];

export const SubscriptionListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  customer_id: MultipleFilter(UUID),
  discount_id: MultipleFilter(UUID),
  active: BooleanFilter,
  ...PaginationQuery,
  sorting: SortingQuery(SUBSCRIPTION_SORT_FIELDS, ['-started_at']),
});
export type SubscriptionListQuery = Static<typeof SubscriptionListQuery>;

export const SubscriptionExportQuery = Type.Object({ organization_id: Type.Optional(UUID) });

export const ListResourceSubscription = ListResource(Subscription);
