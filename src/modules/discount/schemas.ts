import { Type, type Static } from '@sinclair/typebox';
import { MetadataInput, MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, NullableDateTime, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

// Codes are checked in the service (Polar's messages); an empty code means none.
const Code = Type.Optional(Nullable(Type.String()));
const Name = Type.String({ minLength: 1 });
const Amount = Type.Integer({ minimum: 0, description: 'Fixed amount to discount from the invoice total.' });
const Currency = Type.String({ pattern: '^usd$', description: 'The currency. Currently, only `usd` is supported.' });
const BasisPoints = Type.Integer({ minimum: 1, maximum: 10000, description: 'Discount percentage in basis points.' });
const DurationInMonths = Type.Integer({ minimum: 1 });
const MaxRedemptions = Type.Optional(Nullable(Type.Integer({ minimum: 1 })));

const createBase = {
  name: Name,
  code: Code,
  starts_at: Type.Optional(NullableDateTime),
  ends_at: Type.Optional(NullableDateTime),
  max_redemptions: MaxRedemptions,
  products: Type.Optional(Nullable(Type.Array(UUID))),
  organization_id: Type.Optional(Nullable(UUID)),
  metadata: Type.Optional(MetadataInput),
};
const onceForever = { duration: Type.Union([Type.Literal('once'), Type.Literal('forever')]) };
const repeating = { duration: Type.Literal('repeating'), duration_in_months: DurationInMonths };
const fixed = { type: Type.Literal('fixed'), amount: Amount, currency: Type.Optional(Currency) };
const percentage = { type: Type.Literal('percentage'), basis_points: BasisPoints };

export const DiscountCreate = Type.Union([
  Type.Object({ ...createBase, ...fixed, ...onceForever }),
  Type.Object({ ...createBase, ...fixed, ...repeating }),
  Type.Object({ ...createBase, ...percentage, ...onceForever }),
  Type.Object({ ...createBase, ...percentage, ...repeating }),
]);
export type DiscountCreate = Static<typeof DiscountCreate>;

export const DiscountUpdate = Type.Object({
  name: Type.Optional(Nullable(Name)),
  code: Code,
  starts_at: Type.Optional(NullableDateTime),
  ends_at: Type.Optional(NullableDateTime),
  max_redemptions: MaxRedemptions,
  duration: Type.Optional(Nullable(Type.Union([Type.Literal('once'), Type.Literal('forever'), Type.Literal('repeating')]))),
  duration_in_months: Type.Optional(Nullable(DurationInMonths)),
  type: Type.Optional(Nullable(Type.Union([Type.Literal('fixed'), Type.Literal('percentage')]))),
  amount: Type.Optional(Nullable(Amount)),
  currency: Type.Optional(Nullable(Currency)),
  basis_points: Type.Optional(Nullable(BasisPoints)),
  products: Type.Optional(Nullable(Type.Array(UUID))),
  metadata: Type.Optional(Nullable(MetadataInput)),
});
export type DiscountUpdate = Static<typeof DiscountUpdate>;

export const DiscountProduct = Type.Object({
  ...Timestamps,
  id: UUID,
  name: Type.String(),
  description: Nullable(Type.String()),
  is_recurring: Type.Boolean(),
  is_archived: Type.Boolean(),
  organization_id: UUID,
});

const readBase = {
  ...Timestamps,
  id: UUID,
  metadata: MetadataOutput,
  name: Type.String(),
  code: Nullable(Type.String()),
  starts_at: NullableDateTime,
  ends_at: NullableDateTime,
  max_redemptions: Nullable(Type.Integer()),
  redemptions_count: Type.Integer(),
  organization_id: UUID,
};
const fixedRead = { type: Type.Literal('fixed'), amount: Type.Integer(), currency: Type.String() };
const percentageRead = { type: Type.Literal('percentage'), basis_points: Type.Integer() };
const onceForeverRead = { duration: Type.Union([Type.Literal('once'), Type.Literal('forever')]) };
const repeatingRead = { duration: Type.Literal('repeating'), duration_in_months: Type.Integer() };

/** A discount without its products, as embedded in orders, subscriptions and checkouts. */
export const DiscountBase = Type.Union([
  Type.Object({ ...readBase, ...percentageRead, ...onceForeverRead }),
  Type.Object({ ...readBase, ...fixedRead, ...onceForeverRead }),
  Type.Object({ ...readBase, ...percentageRead, ...repeatingRead }),
  Type.Object({ ...readBase, ...fixedRead, ...repeatingRead }),
]);

export const Discount = Type.Union([
  Type.Object({ ...readBase, ...percentageRead, ...onceForeverRead, products: Type.Array(DiscountProduct) }),
  Type.Object({ ...readBase, ...fixedRead, ...onceForeverRead, products: Type.Array(DiscountProduct) }),
  Type.Object({ ...readBase, ...percentageRead, ...repeatingRead, products: Type.Array(DiscountProduct) }),
  Type.Object({ ...readBase, ...fixedRead, ...repeatingRead, products: Type.Array(DiscountProduct) }),
]);
export type Discount = Static<typeof Discount>;

export const DISCOUNT_SORT_FIELDS = ['created_at', 'name', 'code', 'redemptions_count'] as const;
export type DiscountSortField = (typeof DISCOUNT_SORT_FIELDS)[number];

export const DiscountListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  query: Type.Optional(Type.String()),
  ...PaginationQuery,
  sorting: SortingQuery(DISCOUNT_SORT_FIELDS, ['-created_at']),
});
export type DiscountListQuery = Static<typeof DiscountListQuery>;

export const ListResourceDiscount = ListResource(Discount);
