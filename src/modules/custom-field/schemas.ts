import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { MetadataInput, MetadataOutput } from '../../kit/metadata.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, StringEnum, TaggedUnion, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'checkbox', 'select'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const NonEmpty = Type.String({ minLength: 1 });
const BoundedInt = Type.Integer({ minimum: INT32_MIN, maximum: INT32_MAX });
const PositiveBoundedInt = Type.Integer({ minimum: 0, maximum: INT32_MAX });

const formProperties = {
  form_label: Type.Optional(NonEmpty),
  form_help_text: Type.Optional(NonEmpty),
  form_placeholder: Type.Optional(NonEmpty),
};
const comparable = { ge: Type.Optional(BoundedInt), le: Type.Optional(BoundedInt) };
export const CustomFieldSelectOption = Type.Object({ value: NonEmpty, label: NonEmpty });

/** Each type's properties, as Polar's models define them. */
export const PROPERTIES = {
  text: Type.Object({ ...formProperties, textarea: Type.Optional(Type.Boolean()), min_length: Type.Optional(PositiveBoundedInt), max_length: Type.Optional(PositiveBoundedInt) }),
  number: Type.Object({ ...formProperties, ...comparable }),
  date: Type.Object({ ...formProperties, ...comparable }),
  checkbox: Type.Object({ ...formProperties }),
  select: Type.Object({ ...formProperties, options: Type.Array(CustomFieldSelectOption, { minItems: 1 }) }),
} satisfies Record<CustomFieldType, TObject>;

const Slug = Type.String({
  minLength: 1,
  pattern: '^[a-zA-Z0-9-_]+$',
  description: 'Identifier of the custom field. It can only contain ASCII letters, numbers and hyphens.',
});
const Name = Type.String({ minLength: 1, description: 'Name of the custom field.' });

function branches<P extends TProperties>(build: (type: CustomFieldType, properties: TObject) => TObject<P>) {
  return CUSTOM_FIELD_TYPES.map((type) => build(type, PROPERTIES[type]));
}

export const CustomFieldCreate = TaggedUnion(
  'type',
  branches((type, properties) =>
    Type.Object({ type: Type.Literal(type), slug: Slug, name: Name, organization_id: Type.Optional(Nullable(UUID)), properties, metadata: Type.Optional(MetadataInput) }),
  ),
);
export type CustomFieldCreate = {
  type: CustomFieldType;
  slug: string;
  name: string;
  organization_id?: string | null;
  properties: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
};

export const CustomFieldUpdate = TaggedUnion(
  'type',
  branches((type, properties) =>
    Type.Object({
      type: Type.Literal(type),
      name: Type.Optional(Nullable(Name)),
      slug: Type.Optional(Nullable(Slug)),
      properties: Type.Optional(Nullable(properties)),
      metadata: Type.Optional(Nullable(MetadataInput)),
    }),
  ),
);
export type CustomFieldUpdate = {
  type: CustomFieldType;
  name?: string | null;
  slug?: string | null;
  properties?: Record<string, unknown> | null;
  metadata?: Record<string, string | number | boolean> | null;
};

export const CustomField = Type.Union(
  branches((type, properties) =>
    Type.Object({ ...Timestamps, id: UUID, metadata: MetadataOutput, type: Type.Literal(type), slug: Type.String(), name: Type.String(), organization_id: UUID, properties }),
  ),
);

export const CUSTOM_FIELD_SORT_FIELDS = ['created_at', 'slug', 'name', 'type'] as const;
export type CustomFieldSortField = (typeof CUSTOM_FIELD_SORT_FIELDS)[number];

export const CustomFieldListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  query: Type.Optional(Type.String()),
  // The SDK's `typeFilter` goes out as `type`, Polar's name for it.
  type: MultipleFilter(StringEnum(CUSTOM_FIELD_TYPES)),
  ...PaginationQuery,
  sorting: SortingQuery(CUSTOM_FIELD_SORT_FIELDS, ['slug']),
});
export type CustomFieldListQuery = Static<typeof CustomFieldListQuery>;

export const ListResourceCustomField = ListResource(CustomField);
