import { Type, type Static } from '@sinclair/typebox';
import { MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

export const Address = Type.Object({
  line1: Type.Optional(Nullable(Type.String())),
  line2: Type.Optional(Nullable(Type.String())),
  postal_code: Type.Optional(Nullable(Type.String())),
  city: Type.Optional(Nullable(Type.String())),
  state: Type.Optional(Nullable(Type.String())),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code.' }),
});

/** A tax id as Polar stores it: its value and its format, e.g. ["FR61954506077", "eu_vat"]. */
export const TaxId = Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 2 });

const Email = Type.String({ format: 'email', maxLength: 320 });

export const Customer = Type.Object({
  ...Timestamps,
  id: UUID,
  metadata: MetadataOutput,
  email: Type.String(),
  email_verified: Type.Boolean(),
  name: Nullable(Type.String()),
  billing_address: Nullable(Address),
  tax_id: Nullable(TaxId),
  organization_id: UUID,
  avatar_url: Type.String(),
});

export const CustomerCreate = Type.Object({
  email: Email,
  name: Type.Optional(Nullable(Type.String())),
  billing_address: Type.Optional(Nullable(Address)),
  tax_id: Type.Optional(Nullable(TaxId)),
  organization_id: Type.Optional(Nullable(UUID)),
});
export type CustomerCreate = Static<typeof CustomerCreate>;

export const CustomerUpdate = Type.Object({
  email: Type.Optional(Nullable(Email)),
  name: Type.Optional(Nullable(Type.String())),
  billing_address: Type.Optional(Nullable(Address)),
  tax_id: Type.Optional(Nullable(TaxId)),
});
export type CustomerUpdate = Static<typeof CustomerUpdate>;

export const CUSTOMER_SORT_FIELDS = ['created_at', 'email', 'name'] as const;
export type CustomerSortField = (typeof CUSTOMER_SORT_FIELDS)[number];

export const CustomerListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  query: Type.Optional(Type.String({ description: 'Filter by name or email.' })),
  ...PaginationQuery,
  sorting: SortingQuery(CUSTOMER_SORT_FIELDS, ['-created_at']),
});
export type CustomerListQuery = Static<typeof CustomerListQuery>;

export const ListResourceCustomer = ListResource(Customer);
