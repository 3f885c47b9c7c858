// The only place the repositories table is read or written. A repository is read with its external
// organization (as PostgreSQL renders it in JSON), which every presentation embeds and which says
// who may see it.
import { sql, type Insertable } from 'kysely';
import type { ExternalOrganizationRow, RepositoriesTable, RepositoryProfileSettings, RepositoryRow } from '../../db/schema/external-organization.js';
import type { JsonRow } from '../../db/schema/organization.js';
import { isVisibleOrganization } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { ReaderSubject } from '../external-organization/repository.js';
import type { RepositorySortField } from './schemas.js';

export interface LoadedRepository extends RepositoryRow {
  external_organization: JsonRow<ExternalOrganizationRow>;
}

/**
 * Polar's rule: anonymous callers see public repositories; users public ones and those of the
 * organizations they belong to; organization tokens their own, public or private.
 */
function readable(db: Queryable, subject: ReaderSubject) {
  const query = db
    .selectFrom('repositories')
    .innerJoin('external_organizations', 'external_organizations.id', 'repositories.external_organization_id')
    .selectAll('repositories')
    .select(sql<JsonRow<ExternalOrganizationRow>>`row_to_json(external_organizations)`.as('external_organization'))
    .where('repositories.deleted_at', 'is', null)
    .where('external_organizations.deleted_at', 'is', null);
  if (subject.kind === 'anonymous') return query.where('repositories.is_private', '=', false);
  const ownOrganization = isVisibleOrganization(subject, 'external_organizations.organization_id');
  if (subject.kind === 'organization') return query.where(ownOrganization);
  return query.where((eb) => eb.or([eb('repositories.is_private', '=', false), ownOrganization]));
}

export interface RepositoryFilters {
  platform?: string[];
  name?: string[];
  externalOrganizationName?: string[];
  isPrivate?: boolean;
  organizationId?: string[];
}

const lowered = (values: string[]) => values.map((value) => value.toLowerCase());

export function listReadable(db: Queryable, subject: ReaderSubject, filters: RepositoryFilters, sorting: SortCriterion<RepositorySortField>[], page: PageRequest) {
  let query = readable(db, subject);
  if (filters.platform) query = query.where('repositories.platform', 'in', filters.platform as RepositoryRow['platform'][]);
  // GitHub names are case-insensitive.
  if (filters.name) query = query.where(sql<string>`lower(repositories.name)`, 'in', lowered(filters.name));
  if (filters.externalOrganizationName) query = query.where(sql<string>`lower(external_organizations.name)`, 'in', lowered(filters.externalOrganizationName));
  if (filters.isPrivate !== undefined) query = query.where('repositories.is_private', '=', filters.isPrivate);
  if (filters.organizationId) query = query.where('external_organizations.organization_id', 'in', filters.organizationId);
  for (const { field, direction } of sorting) {
    if (field === 'name') query = query.orderBy(sql`lower(repositories.name)`, direction);
    else query = query.orderBy(field === 'stars' ? 'repositories.stars' : 'repositories.created_at', direction);
  }
  return paginate(query.orderBy('repositories.id'), page);
}

export function findReadable(db: Queryable, subject: ReaderSubject, id: string): Promise<LoadedRepository | undefined> {
  return readable(db, subject).where('repositories.id', '=', id).executeTakeFirst();
}

export async function updateProfileSettings(trx: Transaction, id: string, profileSettings: RepositoryProfileSettings, now: Date): Promise<void> {
  await trx.updateTable('repositories').set({ profile_settings: JSON.stringify(profileSettings), modified_at: now }).where('id', '=', id).execute();
}

/** What GitHub says of a repository; everything but the profile settings, which are Floe's. */
export type RepositoryFromGitHub = Omit<Insertable<RepositoriesTable>, 'id' | 'created_at' | 'modified_at' | 'deleted_at' | 'profile_settings'>;

/**
 * Stores an external organization's repositories as GitHub listed them, all of them: each is
 * inserted or updated by its GitHub id (a repository transferred from another stored account moves
 * with its settings), and those no longer listed are marked deleted. Returns how many were stored
 * and how many removed.
 */
export async function replaceFromGitHub(trx: Transaction, externalOrganizationId: string, repositories: RepositoryFromGitHub[], newId: () => string, now: Date): Promise<{ stored: number; removed: number }> {
  for (const repository of repositories) {
    await trx
      .insertInto('repositories')
      .values({ ...repository, id: newId(), created_at: now })
      .onConflict((conflict) =>
        conflict.columns(['platform', 'external_id']).doUpdateSet({ ...repository, modified_at: now, deleted_at: null }),
      )
      .execute();
  }
  const listed = repositories.map((repository) => repository.external_id);
  let removal = trx.updateTable('repositories').set({ deleted_at: now, modified_at: now }).where('external_organization_id', '=', externalOrganizationId).where('deleted_at', 'is', null);
  if (listed.length > 0) removal = removal.where('external_id', 'not in', listed);
  const removed = await removal.executeTakeFirst();
  return { stored: repositories.length, removed: Number(removed.numUpdatedRows) };
}

/** Whether every id names an organization that exists (not deleted). */
export async function organizationsExist(db: Queryable, ids: readonly string[]): Promise<boolean> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return true;
  const rows = await db.selectFrom('organizations').select('id').where('id', 'in', unique).where('deleted_at', 'is', null).execute();
  return rows.length === unique.length;
}
