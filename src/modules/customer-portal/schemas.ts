// What the customer portal shows: a customer's own records, in the shapes Polar gives customers
// (no merchant metadata, products with their organization, benefits as their holders see them).
import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { BooleanFilter, MultipleFilter, Nullable, NullableDateTime, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { BENEFIT_TYPES } from '../benefit/schemas.js';
import { Address, TaxId } from '../customer/schemas.js';
import { SubscriptionBase } from '../order/schemas.js';
import { Organization } from '../organization/schemas.js';
import { BenefitPublic, ProductBase, ProductPrice } from '../product/schemas.js';
import { ProductMediaFileRead } from '../file/schemas.js';
import { CANCELLATION_REASONS } from '../subscription/schemas.js';

export const CustomerPortalCustomer = Type.Object({
  ...Timestamps,
  id: UUID,
  email: Type.String(),
  email_verified: Type.Boolean(),
  name: Nullable(Type.String()),
  billing_address: Nullable(Address),
  tax_id: Nullable(TaxId),
  oauth_accounts: Type.Record(Type.String(), Type.Object({ account_id: Type.String(), account_username: Nullable(Type.String()) })),
});

/** A product as a customer sees it: with its prices, public benefits, medias and organization. */
const CustomerProduct = Type.Object({
  ...ProductBase.properties,
  prices: Type.Array(ProductPrice),
  benefits: Type.Array(BenefitPublic),
  medias: Type.Array(ProductMediaFileRead),
  organization: Organization,
});

const { metadata: _metadata, ...subscriptionFields } = SubscriptionBase.properties;
/** A subscription without the merchant's metadata. */
const CustomerSubscriptionBase = Type.Object(subscriptionFields);

export const CustomerOrder = Type.Object({
  ...Timestamps,
  id: UUID,
  amount: Type.Integer(),
  tax_amount: Type.Integer(),
  currency: Type.String(),
  customer_id: UUID,
  product_id: UUID,
  product_price_id: UUID,
  subscription_id: Nullable(UUID),
  user_id: UUID,
  product: CustomerProduct,
  product_price: ProductPrice,
  subscription: Nullable(CustomerSubscriptionBase),
});

export const CustomerSubscription = Type.Object({ ...subscriptionFields, product: CustomerProduct, price: ProductPrice });

export const CustomerBenefitGrant = Type.Object({
  ...Timestamps,
  id: UUID,
  granted_at: NullableDateTime,
  revoked_at: NullableDateTime,
  customer_id: UUID,
  benefit_id: UUID,
  subscription_id: Nullable(UUID),
  order_id: Nullable(UUID),
  is_granted: Type.Boolean(),
  is_revoked: Type.Boolean(),
  customer: CustomerPortalCustomer,
  benefit: Type.Object({
    ...Timestamps,
    id: UUID,
    type: StringEnum(BENEFIT_TYPES),
    description: Type.String(),
    selectable: Type.Boolean(),
    deletable: Type.Boolean(),
    organization_id: UUID,
    organization: Organization,
    properties: Type.Object({}, { additionalProperties: true }),
  }),
  properties: Type.Object({}, { additionalProperties: true }),
});

export const ORDER_SORT_FIELDS = ['created_at', 'amount', 'organization', 'product', 'subscription'] as const;
export const CustomerOrderListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  product_price_type: MultipleFilter(StringEnum(['one_time', 'recurring'])),
  subscription_id: MultipleFilter(UUID),
  query: Type.Optional(Nullable(Type.String())),
  ...PaginationQuery,
  sorting: SortingQuery(ORDER_SORT_FIELDS, ['-created_at']),
});
export type CustomerOrderListQuery = Static<typeof CustomerOrderListQuery>;

export const SUBSCRIPTION_SORT_FIELDS = ['started_at', 'amount', 'status', 'organization', 'product'] as const;
export const CustomerSubscriptionListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  active: BooleanFilter,
  query: Type.Optional(Nullable(Type.String())),
  ...PaginationQuery,
  sorting: SortingQuery(SUBSCRIPTION_SORT_FIELDS, ['-started_at']),
});
export type CustomerSubscriptionListQuery = Static<typeof CustomerSubscriptionListQuery>;

export const GRANT_SORT_FIELDS = ['granted_at', 'type', 'organization'] as const;
export const CustomerBenefitGrantListQuery = Type.Object({
  type: MultipleFilter(StringEnum(BENEFIT_TYPES)),
  benefit_id: MultipleFilter(UUID),
  organization_id: MultipleFilter(UUID),
  checkout_id: MultipleFilter(UUID),
  order_id: MultipleFilter(UUID),
  subscription_id: MultipleFilter(UUID),
  ...PaginationQuery,
  sorting: SortingQuery(GRANT_SORT_FIELDS, ['-granted_at']),
});
export type CustomerBenefitGrantListQuery = Static<typeof CustomerBenefitGrantListQuery>;

export const CustomerSubscriptionUpdate = Type.Union([
  Type.Object({ product_price_id: UUID }),
  Type.Object({
    cancel_at_period_end: Type.Optional(Nullable(Type.Boolean())),
    cancellation_reason: Type.Optional(Nullable(StringEnum(CANCELLATION_REASONS))),
    cancellation_comment: Type.Optional(Nullable(Type.String())),
  }),
]);
export type CustomerSubscriptionUpdate = Static<typeof CustomerSubscriptionUpdate>;

export const CustomerBenefitGrantUpdate = Type.Object({
  benefit_type: StringEnum(BENEFIT_TYPES),
  properties: Type.Optional(Type.Object({ account_id: Type.Optional(Type.String()) }, { additionalProperties: true })),
});
export type CustomerBenefitGrantUpdate = Static<typeof CustomerBenefitGrantUpdate>;

export const SlugParams = Type.Object({ slug: Type.String() });

export const ListResourceCustomerOrder = ListResource(CustomerOrder);
export const ListResourceCustomerSubscription = ListResource(CustomerSubscription);
export const ListResourceCustomerBenefitGrant = ListResource(CustomerBenefitGrant);
