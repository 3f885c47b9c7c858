// Custom fields: typed questions (text, number, date, checkbox, select) a product asks at checkout.
// The slug is the key answers are stored under, unique among an organization's living fields; a
// field's type never changes. Deleting a field detaches it from every product.
import type { MerchantSubject } from '../../kit/auth.js';
import { resolveOrganizationForCreate } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationError, ValidationIssues } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import type { CustomFieldRow } from '../../db/schema/catalog.js';
import { presentCustomField } from './presenter.js';
import * as repository from './repository.js';
import type { CustomFieldCreate, CustomFieldListQuery, CustomFieldSortField, CustomFieldUpdate } from './schemas.js';

const SLUG_TAKEN = 'Custom field with this slug already exists.';

export async function listCustomFields(db: Queryable, subject: MerchantSubject, query: CustomFieldListQuery): Promise<Page<ReturnType<typeof presentCustomField>>> {
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    { organizationId: query.organization_id, query: query.query, types: query.type },
    parseSorting<CustomFieldSortField>(query.sorting),
    query,
  );
  return toPage(rows.map(presentCustomField), totalCount, query);
}

export async function getCustomField(db: Queryable, subject: MerchantSubject, id: string): Promise<CustomFieldRow> {
  const field = await repository.findVisibleById(db, subject, id);
  if (!field) throw new ResourceNotFound();
  return field;
}

/** `ge` must not exceed `le` (numbers and dates). */
function checkBounds(properties: Record<string, unknown>): void {
  const { ge, le } = properties;
  if (typeof ge === 'number' && typeof le === 'number' && ge > le) {
    throw new ValidationError(['body', 'properties', 'le'], 'Greater than or equal (ge) must be less than or equal to Less than or equal (le)', le);
  }
}

export async function createCustomField(trx: Transaction, subject: MerchantSubject, input: CustomFieldCreate): Promise<CustomFieldRow> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  const slug = input.slug.toLowerCase();
  checkBounds(input.properties);
  if (await repository.slugTaken(trx, organizationId, slug)) throw new ValidationError(['body', 'slug'], SLUG_TAKEN, input.slug);
  return repository.insert(trx, {
    id: newId(),
    created_at: clock.now(),
    organization_id: organizationId,
    type: input.type,
    slug,
    name: input.name,
    properties: JSON.stringify(input.properties),
    metadata: JSON.stringify(input.metadata ?? {}),
  });
}

export async function updateCustomField(trx: Transaction, subject: MerchantSubject, id: string, input: CustomFieldUpdate): Promise<CustomFieldRow> {
  const field = await getCustomField(trx, subject, id);
  const issues = new ValidationIssues();
  if (field.type !== input.type) issues.add(['body', 'type'], "The type of a custom field can't be changed.", input.type);
  const slug = input.slug?.toLowerCase();
  if (slug && slug !== field.slug && (await repository.slugTaken(trx, field.organization_id, slug, field.id))) issues.add(['body', 'slug'], SLUG_TAKEN, input.slug);
  issues.throwIfAny();
  if (input.properties) checkBounds(input.properties);
  const now = clock.now();
  const updated = await repository.update(trx, field.id, {
    modified_at: now,
    ...(input.name ? { name: input.name } : {}),
    ...(slug ? { slug } : {}),
    ...(input.properties ? { properties: JSON.stringify(input.properties) } : {}),
    ...(input.metadata ? { metadata: JSON.stringify(input.metadata) } : {}),
  });
  if (slug && slug !== field.slug) await repository.renameSlugInData(trx, field.organization_id, field.slug, slug);
  return updated;
}

export async function deleteCustomField(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const field = await getCustomField(trx, subject, id);
  await repository.softDelete(trx, field.id, clock.now());
}

/** A custom field attached to a product, as a product carries it. */
export interface AttachedField {
  required: boolean;
  custom_field: { slug: string; type: CustomFieldRow['type']; properties: Record<string, unknown> };
}

const DATE_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A bound given as a Unix timestamp (0: none), as the calendar date Polar compares with. */
function dateBound(seconds: unknown): string | undefined {
  return typeof seconds === 'number' && seconds !== 0 ? new Date(seconds * 1000).toISOString().slice(0, 10) : undefined;
}

/** One answer checked against its field: the value to store, or the message of what is wrong. */
function checkAnswer(field: AttachedField['custom_field'], value: unknown): { value: unknown } | { error: string; type: string } {
  const properties = field.properties;
  switch (field.type) {
    case 'text': {
      if (typeof value !== 'string') return { error: 'Input should be a valid string', type: 'string_type' };
      const { min_length: min, max_length: max } = properties as { min_length?: number; max_length?: number };
      if (typeof min === 'number' && value.length < min) return { error: `String should have at least ${min} characters`, type: 'string_too_short' };
      if (typeof max === 'number' && value.length > max) return { error: `String should have at most ${max} characters`, type: 'string_too_long' };
      return { value };
    }
    case 'number': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isInteger(number)) return { error: 'Input should be a valid integer', type: 'int_type' };
      const { ge, le } = properties as { ge?: number; le?: number };
      if (typeof ge === 'number' && number < ge) return { error: `Input should be greater than or equal to ${ge}`, type: 'greater_than_equal' };
      if (typeof le === 'number' && number > le) return { error: `Input should be less than or equal to ${le}`, type: 'less_than_equal' };
      return { value: number };
    }
    case 'date': {
      const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
      if (!match || Number.isNaN(Date.parse(match[1]!))) return { error: 'Input should be a valid datetime', type: 'datetime_type' };
      const day = match[1]!;
      const [ge, le] = [dateBound(properties.ge), dateBound(properties.le)];
      if (ge && day < ge) return { error: `Input should be greater than or equal to ${ge}`, type: 'greater_than_equal' };
      if (le && day > le) return { error: `Input should be less than or equal to ${le}`, type: 'less_than_equal' };
      // Stored as Polar stores it: a date becomes midnight ("2024-06-01T00:00:00").
      return { value: match[2] ? `${day}T${match[2].length === 5 ? `${match[2]}:00` : match[2]}${match[3] ?? ''}` : `${day}T00:00:00` };
    }
    case 'checkbox': {
      // As Pydantic's lax booleans: a form's text answers count too.
      const text = typeof value === 'string' ? value.toLowerCase() : undefined;
      if (typeof value === 'boolean') return { value };
      if (text !== undefined && ['true', '1', 'yes', 'on', 't', 'y'].includes(text)) return { value: true };
      if (text !== undefined && ['false', '0', 'no', 'off', 'f', 'n'].includes(text)) return { value: false };
      return { error: 'Input should be a valid boolean', type: 'bool_type' };
    }
    case 'select': {
      const options = ((properties.options ?? []) as { value: string }[]).map((option) => option.value);
      if (typeof value === 'string' && options.includes(value)) return { value };
      const listed = options.map((option) => `'${option}'`);
      return { error: `Input should be ${listed.length > 1 ? `${listed.slice(0, -1).join(', ')} or ${listed.at(-1)}` : listed[0] ?? 'a valid option'}`, type: 'literal_error' };
    }
  }
}

/**
 * Checks answers against a product's fields, as Polar's: each typed and bounded, unknown keys
 * dropped, unanswered optional fields null (a checkbox false). With `enforceRequired` (the
 * confirmation) a required field must be answered, and a required checkbox checked. Problems are
 * added to `issues` at `body.custom_field_data.{slug}`; the answers to store are returned.
 */
export function validateCustomFieldData(attached: readonly AttachedField[], data: Record<string, unknown>, issues: ValidationIssues, options: { enforceRequired: boolean }): Record<string, unknown> {
  const cleaned: Record<string, unknown> = {};
  for (const { required, custom_field: field } of attached) {
    const loc = ['body', 'custom_field_data', field.slug];
    const value = data[field.slug];
    if (value === undefined || value === null || value === '') {
      if (required && options.enforceRequired) issues.add(loc, 'Field required', value ?? null, 'missing');
      cleaned[field.slug] = field.type === 'checkbox' ? false : null;
      continue;
    }
    const checked = checkAnswer(field, value);
    if ('error' in checked) issues.add(loc, checked.error, value, checked.type);
    else if (required && options.enforceRequired && field.type === 'checkbox' && checked.value !== true) issues.add(loc, 'Input should be True', value, 'literal_error');
    else cleaned[field.slug] = checked.value;
  }
  return cleaned;
}
