import { Type, type Static } from '@sinclair/typebox';
import { ProductMediaFileRead } from '../file/schemas.js';
import { MetadataInput, MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { BooleanFilter, MultipleFilter, Nullable, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

/** Polar's bounds for a price in cents (Stripe's, in turn). */
export const MINIMUM_PRICE_AMOUNT = 50;
export const MAXIMUM_PRICE_AMOUNT = 99_999_999;

const PriceAmount = Type.Integer({ minimum: MINIMUM_PRICE_AMOUNT, maximum: MAXIMUM_PRICE_AMOUNT, description: 'The price in cents.' });
// No `default` here: Ajv ignores defaults inside unions; the service applies `usd`.
const PriceCurrency = Type.Optional(Type.String({ pattern: '^usd$', description: 'The currency. Currently, only `usd` is supported.' }));
const RecurringInterval = StringEnum(['month', 'year']);

// Read schemas: one per (type, amount type), as the SDK's ProductPrice union.
const priceBase = {
  ...Timestamps,
  id: UUID,
  is_archived: Type.Boolean(),
  product_id: UUID,
};
const fixedFields = { amount_type: Type.Literal('fixed'), price_currency: Type.String(), price_amount: Type.Integer() };
const customFields = {
  amount_type: Type.Literal('custom'),
  price_currency: Type.String(),
  minimum_amount: Nullable(Type.Integer()),
  maximum_amount: Nullable(Type.Integer()),
  preset_amount: Nullable(Type.Integer()),
};
const freeFields = { amount_type: Type.Literal('free') };
const oneTime = { type: Type.Literal('one_time') };
const recurring = { type: Type.Literal('recurring'), recurring_interval: RecurringInterval };

export const ProductPrice = Type.Union([
  Type.Object({ ...priceBase, ...fixedFields, ...recurring }),
  Type.Object({ ...priceBase, ...customFields, ...recurring }),
  Type.Object({ ...priceBase, ...freeFields, ...recurring }),
  Type.Object({ ...priceBase, ...fixedFields, ...oneTime }),
  Type.Object({ ...priceBase, ...customFields, ...oneTime }),
  Type.Object({ ...priceBase, ...freeFields, ...oneTime }),
]);
export type ProductPrice = Static<typeof ProductPrice>;

/** Embedded objects of other modules, rendered by their presenters. */
const OpenObject = Type.Object({}, { additionalProperties: true });

export const BenefitPublic = Type.Object({
  ...Timestamps,
  id: UUID,
  type: Type.String(),
  description: Type.String(),
  selectable: Type.Boolean(),
  deletable: Type.Boolean(),
  organization_id: UUID,
});

export const BenefitFull = Type.Object({
  ...BenefitPublic.properties,
  is_tax_applicable: Type.Boolean(),
  properties: OpenObject,
});

/** Product media as the file module presents them (with their public URL). */
export { ProductMediaFileRead };

export const CustomFieldRead = Type.Object({
  ...Timestamps,
  id: UUID,
  metadata: MetadataOutput,
  type: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  organization_id: UUID,
  properties: OpenObject,
});

export const AttachedCustomField = Type.Object({
  custom_field_id: UUID,
  custom_field: CustomFieldRead,
  order: Type.Integer(),
  required: Type.Boolean(),
});

const productFields = {
  ...Timestamps,
  id: UUID,
  name: Type.String(),
  description: Nullable(Type.String()),
  is_recurring: Type.Boolean(),
  is_archived: Type.Boolean(),
  organization_id: UUID,
};

/** `ProductBase`: the product without its relations (orders embed it). */
export const ProductBase = Type.Object(productFields);

export const Product = Type.Object({
  ...productFields,
  metadata: MetadataOutput,
  prices: Type.Array(ProductPrice),
  benefits: Type.Array(BenefitFull),
  medias: Type.Array(ProductMediaFileRead),
  attached_custom_fields: Type.Array(AttachedCustomField),
});
export type Product = Static<typeof Product>;

// Create and update schemas.
export const ProductPriceOneTimeFixedCreate = Type.Object({ type: Type.Literal('one_time'), amount_type: Type.Literal('fixed'), price_amount: PriceAmount, price_currency: PriceCurrency });
export const ProductPriceOneTimeCustomCreate = Type.Object({
  type: Type.Literal('one_time'),
  amount_type: Type.Literal('custom'),
  price_currency: PriceCurrency,
  minimum_amount: Type.Optional(Nullable(PriceAmount)),
  maximum_amount: Type.Optional(Nullable(PriceAmount)),
  preset_amount: Type.Optional(Nullable(PriceAmount)),
});
export const ProductPriceOneTimeFreeCreate = Type.Object({ type: Type.Literal('one_time'), amount_type: Type.Literal('free') });
export const ProductPriceRecurringFixedCreate = Type.Object({
  type: Type.Literal('recurring'),
  amount_type: Type.Literal('fixed'),
  price_amount: PriceAmount,
  price_currency: PriceCurrency,
  recurring_interval: RecurringInterval,
});
export const ProductPriceRecurringFreeCreate = Type.Object({ type: Type.Literal('recurring'), amount_type: Type.Literal('free'), recurring_interval: RecurringInterval });

const PriceCreate = Type.Union([
  ProductPriceOneTimeFixedCreate,
  ProductPriceOneTimeCustomCreate,
  ProductPriceOneTimeFreeCreate,
  ProductPriceRecurringFixedCreate,
  ProductPriceRecurringFreeCreate,
]);
export type PriceCreate = Static<typeof PriceCreate>;
export const ExistingProductPrice = Type.Object({ id: UUID });

const AttachedCustomFieldCreate = Type.Object({ custom_field_id: UUID, required: Type.Boolean() });

/**
 * Polar's two create schemas (one-time, recurring) differ only in which prices they accept: one
 * schema with the price union, and the rules on the list (one one-time price; one or two recurring
 * prices of distinct intervals; one free recurring price) checked by the service with Polar's messages.
 */
export const ProductCreate = Type.Object({
  name: Type.String({ minLength: 3, description: 'The name of the product.' }),
  description: Type.Optional(Nullable(Type.String())),
  prices: Type.Array(PriceCreate, { minItems: 1, maxItems: 2 }),
  medias: Type.Optional(Nullable(Type.Array(UUID))),
  attached_custom_fields: Type.Optional(Type.Array(AttachedCustomFieldCreate)),
  organization_id: Type.Optional(Nullable(UUID)),
  metadata: Type.Optional(MetadataInput),
});
export type ProductCreate = Static<typeof ProductCreate>;

export const ProductUpdate = Type.Object({
  name: Type.Optional(Nullable(Type.String({ minLength: 3 }))),
  description: Type.Optional(Nullable(Type.String())),
  is_archived: Type.Optional(Nullable(Type.Boolean())),
  prices: Type.Optional(Nullable(Type.Array(Type.Union([ExistingProductPrice, PriceCreate])))),
  medias: Type.Optional(Nullable(Type.Array(UUID))),
  attached_custom_fields: Type.Optional(Nullable(Type.Array(AttachedCustomFieldCreate))),
  metadata: Type.Optional(Nullable(MetadataInput)),
});
export type ProductUpdate = Static<typeof ProductUpdate>;

export const ProductBenefitsUpdate = Type.Object({ benefits: Type.Array(UUID) });
export type ProductBenefitsUpdate = Static<typeof ProductBenefitsUpdate>;

export const PRODUCT_SORT_FIELDS = ['created_at', 'name', 'price_type', 'price_amount_type', 'price_amount'] as const;
export type ProductSortField = (typeof PRODUCT_SORT_FIELDS)[number];

export const ProductListQuery = Type.Object({
  id: MultipleFilter(UUID),
  organization_id: MultipleFilter(UUID),
  query: Type.Optional(Type.String()),
  is_archived: BooleanFilter,
  is_recurring: BooleanFilter,
  benefit_id: MultipleFilter(UUID),
  ...PaginationQuery,
  sorting: SortingQuery(PRODUCT_SORT_FIELDS, ['-created_at']),
});
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ListResourceProduct = ListResource(Product);

