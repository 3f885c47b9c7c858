// The only place the external_organizations table is read or written.
import { sql, type Insertable } from 'kysely';
import type { ExternalOrganizationRow, ExternalOrganizationsTable } from '../../db/schema/external-organization.js';
import type { Subject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { ExternalOrganizationSortField } from './schemas.js';

/** Who may read external organizations: anyone; an organization token only those linked to it. */
export type ReaderSubject = Exclude<Subject, { kind: 'customer' }>;

function readable(db: Queryable, subject: ReaderSubject) {
  const query = db.selectFrom('external_organizations').selectAll().where('deleted_at', 'is', null);
  return subject.kind === 'organization' ? query.where('organization_id', '=', subject.organizationId) : query;
}

export interface ExternalOrganizationFilters {
  platform?: string[];
  name?: string[];
  organizationId?: string[];
}

export function listReadable(db: Queryable, subject: ReaderSubject, filters: ExternalOrganizationFilters, sorting: SortCriterion<ExternalOrganizationSortField>[], page: PageRequest) {
  let query = readable(db, subject);
  if (filters.platform) query = query.where('platform', 'in', filters.platform as ExternalOrganizationRow['platform'][]);
  // GitHub names are case-insensitive.
  if (filters.name) query = query.where(sql<string>`lower(name)`, 'in', filters.name.map((name) => name.toLowerCase()));
  if (filters.organizationId) query = query.where('organization_id', 'in', filters.organizationId);
  for (const { field, direction } of sorting) query = query.orderBy(field === 'name' ? sql`lower(name)` : 'created_at', direction);
  return paginate(query.orderBy('id'), page);
}

export function lockByExternalId(trx: Transaction, platform: ExternalOrganizationRow['platform'], externalId: number): Promise<ExternalOrganizationRow | undefined> {
  return trx.selectFrom('external_organizations').selectAll().where('platform', '=', platform).where('external_id', '=', externalId).forUpdate().executeTakeFirst();
}

export function lockById(trx: Transaction, id: string): Promise<ExternalOrganizationRow | undefined> {
  return trx.selectFrom('external_organizations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Another account stored under `name` (GitHub gives a name up when an account is renamed, and
 * another may take it): the stale copy gives the name up too, as GitHub did.
 */
export async function releaseName(trx: Transaction, platform: ExternalOrganizationRow['platform'], name: string, externalId: number): Promise<void> {
  await trx
    .updateTable('external_organizations')
    .set({ name: sql`name || '-renamed-' || external_id` })
    .where('platform', '=', platform)
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .where('external_id', '<>', externalId)
    .execute();
}

export function insert(trx: Transaction, values: Insertable<ExternalOrganizationsTable>): Promise<ExternalOrganizationRow> {
  return trx.insertInto('external_organizations').values(values).returningAll().executeTakeFirstOrThrow();
}

export function update(trx: Transaction, id: string, values: Partial<Insertable<ExternalOrganizationsTable>>): Promise<ExternalOrganizationRow> {
  return trx.updateTable('external_organizations').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/**
 * Claims the linked account refreshed longest ago, if its last attempt is older than `before`: the
 * attempt is recorded at once, so concurrent workers each take a different account (or none).
 */
export async function claimDueForRefresh(db: Queryable, before: Date, now: Date): Promise<ExternalOrganizationRow | undefined> {
  const result = await sql<ExternalOrganizationRow>`
    UPDATE external_organizations SET sync_attempted_at = ${now}
    WHERE id = (
      SELECT id FROM external_organizations
      WHERE deleted_at IS NULL AND organization_id IS NOT NULL
        AND (sync_attempted_at IS NULL OR sync_attempted_at < ${before})
      ORDER BY sync_attempted_at NULLS FIRST, id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return result.rows[0];
}

export async function recordSyncFailure(db: Queryable, id: string, message: string): Promise<void> {
  await db.updateTable('external_organizations').set({ sync_error: message }).where('id', '=', id).execute();
}
