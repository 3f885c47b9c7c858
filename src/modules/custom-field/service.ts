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
