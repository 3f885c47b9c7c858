import { Type, type Static } from '@sinclair/typebox';
import { MetadataInput, MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { DateTime, MultipleFilter, Nullable, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { Address } from '../customer/schemas.js';
import { DiscountBase } from '../discount/schemas.js';
import { Organization } from '../organization/schemas.js';
import { AttachedCustomField, ProductMediaFileRead, ProductPrice, BenefitPublic } from '../product/schemas.js';

export const CHECKOUT_STATUSES = ['open', 'expired', 'confirmed', 'succeeded', 'failed'] as const;

// A URL that may hold the `{CHECKOUT_ID}` placeholder (not a valid URI until it is replaced).
const SuccessUrl = Type.String({ pattern: '^https?://', maxLength: 2083 });

const CustomFieldData = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]));

/** The product as a checkout embeds it. */
export const CheckoutProduct = Type.Object({
  ...Timestamps,
  id: UUID,
  name: Type.String(),
  description: Nullable(Type.String()),
  is_recurring: Type.Boolean(),
  is_archived: Type.Boolean(),
  organization_id: UUID,
  prices: Type.Array(ProductPrice),
  benefits: Type.Array(BenefitPublic),
  medias: Type.Array(ProductMediaFileRead),
});

const checkoutFields = {
  ...Timestamps,
  id: UUID,
  custom_field_data: Type.Optional(CustomFieldData),
  payment_processor: Type.Literal('stripe'),
  status: StringEnum(CHECKOUT_STATUSES),
  client_secret: Type.String(),
  url: Type.String(),
  expires_at: DateTime,
  success_url: Type.String(),
  embed_origin: Nullable(Type.String()),
  amount: Nullable(Type.Integer()),
  tax_amount: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  subtotal_amount: Nullable(Type.Integer()),
  total_amount: Nullable(Type.Integer()),
  product_id: UUID,
  product_price_id: UUID,
  discount_id: Nullable(UUID),
  allow_discount_codes: Type.Boolean(),
  is_discount_applicable: Type.Boolean(),
  is_free_product_price: Type.Boolean(),
  is_payment_required: Type.Boolean(),
  is_payment_setup_required: Type.Boolean(),
  is_payment_form_required: Type.Boolean(),
  customer_id: Nullable(UUID),
  customer_name: Nullable(Type.String()),
  customer_email: Nullable(Type.String()),
  customer_ip_address: Nullable(Type.String()),
  customer_billing_address: Nullable(Address),
  customer_tax_id: Nullable(Type.String()),
  payment_processor_metadata: Type.Record(Type.String(), Type.String()),
  product: CheckoutProduct,
  product_price: ProductPrice,
  discount: Nullable(DiscountBase),
  attached_custom_fields: Type.Array(AttachedCustomField),
};

/** The checkout as its merchant sees it. */
export const Checkout = Type.Object({
  ...checkoutFields,
  subscription_id: Nullable(UUID),
  metadata: MetadataOutput,
  customer_metadata: MetadataOutput,
});
export type Checkout = Static<typeof Checkout>;

/** The checkout as its customer sees it (by client secret): no metadata, with the organization. */
export const CheckoutPublic = Type.Object({ ...checkoutFields, organization: Organization });
export type CheckoutPublic = Static<typeof CheckoutPublic>;

/** The confirmed checkout: the customer's session token comes with it, once. */
export const CheckoutPublicConfirmed = Type.Object({ ...checkoutFields, organization: Organization, customer_session_token: Type.String() });

const createFields = {
  metadata: Type.Optional(MetadataInput),
  custom_field_data: Type.Optional(CustomFieldData),
  discount_id: Type.Optional(Nullable(UUID)),
  allow_discount_codes: Type.Optional(Type.Boolean()),
  amount: Type.Optional(Nullable(Type.Integer())),
  customer_id: Type.Optional(Nullable(UUID)),
  customer_name: Type.Optional(Nullable(Type.String())),
  customer_email: Type.Optional(Nullable(Type.String({ format: 'email' }))),
  customer_ip_address: Type.Optional(Nullable(Type.String())),
  customer_billing_address: Type.Optional(Nullable(Address)),
  customer_tax_id: Type.Optional(Nullable(Type.String())),
  customer_metadata: Type.Optional(MetadataInput),
  subscription_id: Type.Optional(Nullable(UUID)),
  success_url: Type.Optional(Nullable(SuccessUrl)),
  embed_origin: Type.Optional(Nullable(Type.String())),
  payment_processor: Type.Optional(Type.Literal('stripe')),
};

export const CheckoutCreate = Type.Union([
  Type.Object({ ...createFields, product_price_id: UUID }),
  Type.Object({ ...createFields, product_id: UUID }),
]);
export type CheckoutCreate = Static<typeof CheckoutCreate>;

const publicUpdateFields = {
  custom_field_data: Type.Optional(Nullable(CustomFieldData)),
  product_price_id: Type.Optional(Nullable(UUID)),
  amount: Type.Optional(Nullable(Type.Integer())),
  customer_name: Type.Optional(Nullable(Type.String())),
  customer_email: Type.Optional(Nullable(Type.String({ format: 'email' }))),
  customer_billing_address: Type.Optional(Nullable(Address)),
  customer_tax_id: Type.Optional(Nullable(Type.String())),
};

export const CheckoutUpdate = Type.Object({
  ...publicUpdateFields,
  metadata: Type.Optional(Nullable(MetadataInput)),
  discount_id: Type.Optional(Nullable(UUID)),
  allow_discount_codes: Type.Optional(Nullable(Type.Boolean())),
  customer_ip_address: Type.Optional(Nullable(Type.String())),
  customer_metadata: Type.Optional(Nullable(MetadataInput)),
  success_url: Type.Optional(Nullable(SuccessUrl)),
  embed_origin: Type.Optional(Nullable(Type.String())),
});
export type CheckoutUpdate = Static<typeof CheckoutUpdate>;

export const CheckoutUpdatePublic = Type.Object({ ...publicUpdateFields, discount_code: Type.Optional(Nullable(Type.String())) });
export type CheckoutUpdatePublic = Static<typeof CheckoutUpdatePublic>;

export const CheckoutConfirm = Type.Object({ ...publicUpdateFields, discount_code: Type.Optional(Nullable(Type.String())), confirmation_token_id: Type.Optional(Nullable(Type.String())) });
export type CheckoutConfirm = Static<typeof CheckoutConfirm>;

export const CHECKOUT_SORT_FIELDS = ['created_at', 'expires_at'] as const;
export type CheckoutSortField = (typeof CHECKOUT_SORT_FIELDS)[number];

export const CheckoutListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  product_id: MultipleFilter(UUID),
  ...PaginationQuery,
  sorting: SortingQuery(CHECKOUT_SORT_FIELDS, ['-created_at']),
});
export type CheckoutListQuery = Static<typeof CheckoutListQuery>;

export const ClientSecretParams = Type.Object({ client_secret: Type.String({ minLength: 1 }) });

export const ListResourceCheckout = ListResource(Checkout);

/** The deprecated checkout of the legacy API. */
export const CheckoutLegacy = Type.Object({
  id: Type.String(),
  url: Type.Optional(Nullable(Type.String())),
  customer_email: Nullable(Type.String()),
  customer_name: Nullable(Type.String()),
  product: CheckoutProduct,
  product_price: ProductPrice,
});

export const CheckoutLegacyCreate = Type.Object({
  product_price_id: UUID,
  success_url: SuccessUrl,
  customer_email: Type.Optional(Nullable(Type.String({ format: 'email' }))),
  subscription_id: Type.Optional(Nullable(UUID)),
});
export const LegacyIdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
