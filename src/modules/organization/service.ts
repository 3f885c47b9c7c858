// Organizations: the tenants. A user sees the organizations they are a member of; an organization
// token sees its own. Others do not exist for the caller (404). Slugs are unique forever: a deleted
// organization keeps its slug.
import type { OrganizationRow } from '../../db/schema/organization.js';
import type { PresentedOrganization, SellerOrganization } from './repository.js';
import { LruCache } from '../../kit/cache.js';
import type { MerchantSubject, UserSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { sendEmail } from '../../kit/mail.js';
import { recordEvent } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { clock } from '../../kit/clock.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { findOrCreateUser } from '../user/service.js';
import * as repository from './repository.js';
import type {
  Organization,
  OrganizationCreate,
  OrganizationListQuery,
  OrganizationMember,
  OrganizationMemberInvite,
  OrganizationSortField,
  OrganizationUpdate,
} from './schemas.js';

const RESERVED_SLUGS = new Set([
  'benefits', 'donations', 'issue-funding', 'newsletters', 'products', 'careers', 'legal', 'docs', 'login',
  'signup', 'oauth2', 'checkout', 'embed', 'maintainer', 'dashboard', 'feed', 'for-you', 'posts', 'purchases',
  'funding', 'rewards', 'settings', 'backoffice', 'finance', '.well-known',
]);

const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function presentOrganization(row: PresentedOrganization): Organization {
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    name: row.name,
    slug: row.slug,
    avatar_url: row.avatar_url,
    bio: row.bio,
    company: row.company,
    blog: row.blog,
    location: row.location,
    email: row.email,
    twitter_username: row.twitter_username,
    pledge_minimum_amount: row.pledge_minimum_amount,
    pledge_badge_show_amount: row.pledge_badge_show_amount,
    default_upfront_split_to_contributors: row.default_upfront_split_to_contributors,
    profile_settings: { subscribe: { promote: true, show_count: true, count_free: true }, ...row.profile_settings } as Organization['profile_settings'],
    feature_settings: { issue_funding_enabled: false, ...row.feature_settings } as Organization['feature_settings'],
  };
}

export async function listOrganizations(db: Queryable, subject: MerchantSubject, query: OrganizationListQuery): Promise<Page<Organization>> {
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    { slug: query.slug },
    parseSorting<OrganizationSortField>(query.sorting),
    query,
  );
  return toPage(rows.map(presentOrganization), totalCount, query);
}

export async function getOrganization(db: Queryable, subject: MerchantSubject, id: string): Promise<PresentedOrganization> {
  const row = await repository.findVisibleById(db, subject, id);
  if (!row) throw new ResourceNotFound();
  return row;
}

/** Sellers by id and catalog version (see findProductAt: an organization change bumps it too). */
const sellers = new LruCache<SellerOrganization>(1000);

/**
 * An organization by id, for what belongs to it (a checkout shows its seller). With the catalog
 * version read alongside the row that names it, a cached copy is used.
 */
export async function getOrganizationById(db: Queryable, id: string, version?: number): Promise<SellerOrganization> {
  const row = await sellers.readThrough(id, version, () => repository.findSellerById(db, id));
  if (!row) throw new ResourceNotFound();
  return row;
}

function checkSlug(slug: string): string {
  const normalized = slug.toLowerCase();
  if (!SLUG_PATTERN.test(normalized)) {
    throw new ValidationError(['body', 'slug'], 'Value error, The slug can only contain ASCII letters, numbers and hyphens.', slug);
  }
  if (RESERVED_SLUGS.has(normalized)) throw new ValidationError(['body', 'slug'], 'Value error, This slug is reserved.', slug);
  return normalized;
}

export async function createOrganization(trx: Transaction, subject: UserSubject, input: OrganizationCreate): Promise<OrganizationRow> {
  const slug = checkSlug(input.slug);
  const now = clock.now();
  const row = await repository.insert(trx, {
    id: newId(),
    created_at: now,
    name: input.name,
    slug,
    avatar_url: input.avatar_url ?? null,
    profile_settings: {},
    feature_settings: input.feature_settings ? withoutNulls(input.feature_settings) : {},
  });
  if (!row) throw new ValidationError(['body', 'slug'], 'An organization with this slug already exists.', slug);
  await repository.addMember(trx, subject.userId, row.id, now);
  return row;
}

function withoutNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

export async function updateOrganization(
  trx: Transaction,
  subject: MerchantSubject,
  id: string,
  input: OrganizationUpdate,
): Promise<OrganizationRow> {
  const visible = await repository.findVisibleById(trx, subject, id);
  if (!visible) throw new ResourceNotFound();
  const current = (await repository.lockById(trx, id))!;

  const total = input.total_monthly_spending_limit;
  const perUser = input.per_user_monthly_spending_limit;
  if (perUser !== undefined && perUser !== null) {
    if (total === undefined || total === null) {
      throw new ValidationError(['body'], 'Value error, per_user_monthly_spending_limit requires total_monthly_spending_limit to be set', input);
    }
    if (perUser > total) {
      throw new ValidationError(['body'], 'Value error, per_user_monthly_spending_limit must be less than or equal to total_monthly_spending_limit', input);
    }
  }

  const { profile_settings: profileSettings, feature_settings: featureSettings, name, ...fields } = input;
  const now = clock.now();
  const row = await repository.update(trx, id, {
    ...fields,
    // An empty name means "leave it", as Polar's EmptyStrToNone.
    ...(name ? { name } : {}),
    ...(profileSettings ? { profile_settings: { ...current.profile_settings, ...profileSettings } } : {}),
    ...(featureSettings ? { feature_settings: { ...current.feature_settings, ...withoutNulls(featureSettings) } } : {}),
    onboarded_at: current.onboarded_at ?? now,
    modified_at: now,
  });
  await recordEvent(trx, row.id, 'organization.updated', () => presentOrganization(row));
  return row;
}

/** For `floe bootstrap`: the organization with this slug, created for the user when missing. */
export async function findOrCreateOrganization(
  trx: Transaction,
  userId: string,
  input: { name: string; slug: string },
): Promise<OrganizationRow> {
  const slug = checkSlug(input.slug);
  let row = await repository.findBySlug(trx, slug);
  if (!row) {
    row = await repository.insert(trx, { id: newId(), created_at: clock.now(), name: input.name, slug, profile_settings: {}, feature_settings: {} });
    if (!row) row = await repository.findBySlug(trx, slug);
    if (!row) throw new ValidationError(['slug'], 'An organization with this slug already exists.', slug);
  }
  await repository.addMember(trx, userId, row.id, clock.now());
  return row;
}


function presentMember(row: repository.MemberRow, ownerId: string | undefined): OrganizationMember {
  return { user_id: row.user_id, created_at: row.created_at, email: row.email, avatar_url: null, is_owner: row.user_id === ownerId };
}

/** The organization's members, oldest (the owner) first, as one page. */
export async function listMembers(db: Queryable, subject: MerchantSubject, organizationId: string): Promise<Page<OrganizationMember>> {
  await getOrganization(db, subject, organizationId);
  const rows = await repository.listMembers(db, organizationId);
  const ownerId = rows[0]?.user_id;
  return { items: rows.map((row) => presentMember(row, ownerId)), pagination: { total_count: rows.length, max_page: 1 } };
}

/**
 * Adds a user (created when the address is new) to the organization and tells them by e-mail. Only
 * the owner invites; inviting a member again changes nothing. `added` is false for an existing member.
 */
export async function inviteMember(
  trx: Transaction,
  baseUrl: string,
  subject: UserSubject,
  organizationId: string,
  input: OrganizationMemberInvite,
): Promise<{ member: OrganizationMember; added: boolean }> {
  const organization = await getOrganization(trx, subject, organizationId);
  // Locked so that two invitations of the same address do not both send an e-mail.
  await repository.lockById(trx, organizationId);
  const members = await repository.listMembers(trx, organizationId);
  const ownerId = members[0]?.user_id;
  if (ownerId !== subject.userId) throw new NotPermitted('Only the owner of the organization can invite members.');
  const user = await findOrCreateUser(trx, input.email);
  const existing = members.find((member) => member.user_id === user.id);
  if (existing) return { member: presentMember(existing, ownerId), added: false };
  const now = clock.now();
  await repository.addMember(trx, user.id, organizationId, now);
  await sendEmail(trx, {
    organizationId,
    to: user.email,
    subject: `You were added to ${organization.name} on Floe`,
    body: `You are now a member of ${organization.name} on Floe.\n\nSign in with this e-mail address at ${baseUrl}/dashboard to see it.`,
  });
  return { member: presentMember({ user_id: user.id, created_at: now, email: user.email }, ownerId), added: true };
}
