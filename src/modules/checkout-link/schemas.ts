import { Type, type Static } from '@sinclair/typebox';
import { MetadataInput, MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { CheckoutProduct } from '../checkout/schemas.js';
import { DiscountBase } from '../discount/schemas.js';
import { ProductPrice } from '../product/schemas.js';

const SuccessUrl = Type.String({ pattern: '^https?://', maxLength: 2083 });

export const CheckoutLink = Type.Object({
  ...Timestamps,
  id: UUID,
  metadata: MetadataOutput,
  payment_processor: Type.Literal('stripe'),
  client_secret: Type.String(),
  success_url: Nullable(Type.String()),
  label: Nullable(Type.String()),
  allow_discount_codes: Type.Boolean(),
  product_id: UUID,
  product_price_id: Nullable(UUID),
  discount_id: Nullable(UUID),
  product: CheckoutProduct,
  product_price: Nullable(ProductPrice),
  discount: Nullable(DiscountBase),
  url: Type.String(),
});

const createFields = {
  metadata: Type.Optional(MetadataInput),
  payment_processor: Type.Optional(Type.Literal('stripe')),
  label: Type.Optional(Nullable(Type.String())),
  allow_discount_codes: Type.Optional(Type.Boolean()),
  discount_id: Type.Optional(Nullable(UUID)),
  success_url: Type.Optional(Nullable(SuccessUrl)),
};

export const CheckoutLinkCreate = Type.Union([Type.Object({ ...createFields, product_price_id: UUID }), Type.Object({ ...createFields, product_id: UUID })]);
export type CheckoutLinkCreate = Static<typeof CheckoutLinkCreate>;

export const CheckoutLinkUpdate = Type.Object({
  metadata: Type.Optional(Nullable(MetadataInput)),
  label: Type.Optional(Nullable(Type.String())),
  allow_discount_codes: Type.Optional(Nullable(Type.Boolean())),
  product_price_id: Type.Optional(Nullable(UUID)),
  discount_id: Type.Optional(Nullable(UUID)),
  success_url: Type.Optional(Nullable(SuccessUrl)),
});
export type CheckoutLinkUpdate = Static<typeof CheckoutLinkUpdate>;

export const CheckoutLinkListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  ...PaginationQuery,
  sorting: SortingQuery(['created_at'] as const, ['created_at']),
});
export type CheckoutLinkListQuery = Static<typeof CheckoutLinkListQuery>;

export const RedirectQuery = Type.Object(
  {
    embed_origin: Type.Optional(Type.String()),
    customer_email: Type.Optional(Type.String()),
    discount_code: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const ListResourceCheckoutLink = ListResource(CheckoutLink);
