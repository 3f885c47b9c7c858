// Sorting for lists: `sorting` is repeatable, `-field` sorts descending, and each list names the
// fields it allows (anything else is a 422 from the schema's enum).
import { Type } from '@sinclair/typebox';
import { StringEnum } from './schemas.js';

export interface SortCriterion<F extends string> {
  field: F;
  direction: 'asc' | 'desc';
}

export function SortingQuery<F extends string>(fields: readonly F[], defaults: readonly string[]) {
  const values: string[] = fields.flatMap((field) => [field, `-${field}`]);
  return Type.Array(StringEnum<string[]>(values), {
    default: [...defaults],
    description:
      'Sorting criterion. Several criteria can be used simultaneously and will be applied in order. ' +
      'Add a minus sign `-` before the criteria name to sort by descending order.',
  });
}

export function parseSorting<F extends string>(values: readonly string[]): SortCriterion<F>[] {
  return values.map((value) =>
    value.startsWith('-')
      ? { field: value.slice(1) as F, direction: 'desc' }
      : { field: value as F, direction: 'asc' },
  );
}
