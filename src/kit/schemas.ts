// TypeBox pieces shared by every module's schemas.
import { Type, type Static, type TObject, type TSchema, type TUnion, type TUnsafe } from '@sinclair/typebox';

/** A timestamp: serialized from a Date as ISO-8601 with offset. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const NullableDateTime = Type.Unsafe<Date | string | null>({ type: ['string', 'null'], format: 'date-time' });

export const UUID = Type.String({ format: 'uuid' });

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A string enum, validated and documented as JSON Schema `enum` (one clear 422 on a bad value). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `created_at` and `modified_at`, on every resource. */
export const Timestamps = {
  created_at: DateTime,
  modified_at: NullableDateTime,
};

export const IdParams = Type.Object({ id: UUID });

/** One value or many (`?organization_id=a&organization_id=b`): the query parser makes both an array. */
export function MultipleFilter<T extends TSchema>(schema: T, description?: string) {
  return Type.Optional(Type.Array(schema, description ? { description } : {}));
}

/** A single-valued boolean query filter. */
export const BooleanFilter = Type.Optional(Type.Boolean());

/**
 * A union tagged by one property (`oneOf` + `discriminator`): a body is validated against the
 * branch its tag names only, so its errors are that branch's (e.g. a file's `service`).
 */
export function TaggedUnion<T extends TObject[]>(tag: string, branches: [...T], options: { description?: string } = {}): TUnsafe<Static<TUnion<T>>> {
  return Type.Unsafe<Static<TUnion<T>>>({ type: 'object', properties: { [tag]: { type: 'string' } }, required: [tag], discriminator: { propertyName: tag }, oneOf: branches, ...options });
}
