// The only place the organizations and user_organizations tables are read or written.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { OrganizationsTable, OrganizationRow } from '../../db/schema/organization.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { OrganizationSortField } from './schemas.js';

/** The columns the API shows: reads for display fetch only these (a narrower row is cheaper to send and parse). */
const PRESENTED_COLUMNS = [
  'id',
  'created_at',
  'modified_at',
  'name',
  'slug',
  'avatar_url',
  'bio',
  'company',
  'blog',
  'location',
  'email',
  'twitter_username',
  'pledge_minimum_amount',
  'pledge_badge_show_amount',
  'default_upfront_split_to_contributors',
  'profile_settings',
  'feature_settings',
] as const;
export type PresentedOrganization = Pick<OrganizationRow, (typeof PRESENTED_COLUMNS)[number]>;

function visible(db: Queryable, subject: MerchantSubject) {
  return db
    .selectFrom('organizations')
    .select(PRESENTED_COLUMNS)
    .where('deleted_at', 'is', null)
    .where('blocked_at', 'is', null)
    .where(isVisibleOrganization(subject, 'organizations.id'));
}

/** An organization as what belongs to it shows it, and whether it is blocked. */
export type SellerOrganization = PresentedOrganization & Pick<OrganizationRow, 'blocked_at'>;

export function findSellerById(db: Queryable, id: string): Promise<SellerOrganization | undefined> {
  return db.selectFrom('organizations').select([...PRESENTED_COLUMNS, 'blocked_at']).where('id', '=', id).executeTakeFirst();
}

const PRESENTED = sql.raw(PRESENTED_COLUMNS.join(', '));

/** The hottest read (every GET of an organization): plain SQL, so no query is built per request. */
export async function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<PresentedOrganization | undefined> {
  const result = await sql<PresentedOrganization>`SELECT ${PRESENTED} FROM organizations
    WHERE id = ${id} AND deleted_at IS NULL AND blocked_at IS NULL AND ${isVisibleOrganization(subject, 'organizations.id')}`.execute(db);
  return result.rows[0];
}

export async function listVisible(
  db: Queryable,
  subject: MerchantSubject,
  filters: { slug?: string },
  sorting: SortCriterion<OrganizationSortField>[],
  page: PageRequest,
): Promise<{ rows: PresentedOrganization[]; totalCount: number }> {
  let query = visible(db, subject);
  if (filters.slug) query = query.where('slug', '=', filters.slug.toLowerCase());
  for (const { field, direction } of sorting) {
    // Polar sorts "name" by slug.
    query = query.orderBy(field === 'name' ? 'slug' : 'created_at', direction);
  }
  return paginate(query, page);
}

export async function slugExists(db: Queryable, slug: string): Promise<boolean> {
  const row = await db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst();
  return row !== undefined;
}

export function findBySlug(db: Queryable, slug: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Inserts unless the slug is taken (also by a deleted organization); answers the row or undefined. */
export function insert(trx: Transaction, values: Insertable<OrganizationsTable>): Promise<OrganizationRow | undefined> {
  return trx
    .insertInto('organizations')
    .values(values)
    .onConflict((conflict) => conflict.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function update(trx: Transaction, id: string, values: Updateable<OrganizationsTable>): Promise<OrganizationRow> {
  return trx.updateTable('organizations').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function lockById(trx: Transaction, id: string): Promise<OrganizationRow | undefined> {
  return trx.selectFrom('organizations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function addMember(trx: Transaction, userId: string, organizationId: string, now: Date): Promise<void> {
  await trx
    .insertInto('user_organizations')
    .values({ user_id: userId, organization_id: organizationId, created_at: now })
    // A former member who comes back joins anew (the earliest membership is the owner's: see listMembers).
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'organization_id']).doUpdateSet({
        deleted_at: null,
        created_at: sql<Date>`CASE WHEN user_organizations.deleted_at IS NULL THEN user_organizations.created_at ELSE excluded.created_at END`,
      }),
    )
    .execute();
}

export interface MemberRow {
  user_id: string;
  created_at: Date;
  email: string;
}

/**
 * An organization's active members, oldest first. The first is its owner: the user who created it
 * (Floe records no owner column; the creator's membership is the earliest, ties broken by user id).
 */
export function listMembers(db: Queryable, organizationId: string): Promise<MemberRow[]> {
  return db
    .selectFrom('user_organizations')
    .innerJoin('users', 'users.id', 'user_organizations.user_id')
    .select(['user_organizations.user_id', 'user_organizations.created_at', 'users.email'])
    .where('user_organizations.organization_id', '=', organizationId)
    .where('user_organizations.deleted_at', 'is', null)
    .orderBy('user_organizations.created_at', 'asc')
    .orderBy('user_organizations.user_id', 'asc')
    .execute();
}
