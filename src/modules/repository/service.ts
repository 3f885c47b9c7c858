// Repositories of external organizations, as GitHub lists them (see external-organization for how
// they are read). Anyone may read public ones; private ones only the members of the organization
// the account is linked to (or its token). Floe's own part of a repository is its profile
// settings, which only members of the linked organization change; a refresh from GitHub never
// touches them.
import type { ExternalOrganizationRow } from '../../db/schema/external-organization.js';
import type { MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import type { GitHubRepository } from '../external-organization/github.js';
import type { ReaderSubject } from '../external-organization/repository.js';
import { getOrganizationById, presentOrganization } from '../organization/service.js';
import type { Organization } from '../organization/schemas.js';
import { findProducts } from '../product/service.js';
import { presentProfileSettings, presentRepository } from './presenter.js';
import * as repository from './repository.js';
import type { LoadedRepository, RepositoryFromGitHub } from './repository.js';
import type { Repository, RepositoryListQuery, RepositorySortField, RepositoryUpdate } from './schemas.js';

/** Repositories with the organizations their accounts are linked to (each read once). */
async function present(db: Queryable, rows: LoadedRepository[]): Promise<Repository[]> {
  const organizationIds = [...new Set(rows.map((row) => row.external_organization.organization_id).filter((id): id is string => id !== null))];
  const organizations = new Map<string, Organization>();
  for (const id of organizationIds) organizations.set(id, presentOrganization(await getOrganizationById(db, id)));
  return rows.map((row) => presentRepository(row, organizations.get(row.external_organization.organization_id ?? '') ?? null));
}

export async function listRepositories(db: Queryable, subject: ReaderSubject, query: RepositoryListQuery): Promise<Page<Repository>> {
  const { rows, totalCount } = await repository.listReadable(
    db,
    subject,
    {
      platform: query.platform,
      name: query.name,
      externalOrganizationName: query.external_organization_name,
      isPrivate: query.is_private,
      organizationId: query.organization_id,
    },
    parseSorting<RepositorySortField>(query.sorting),
    query,
  );
  return toPage(await present(db, rows), totalCount, query);
}

async function getReadable(db: Queryable, subject: ReaderSubject, id: string): Promise<LoadedRepository> {
  const row = await repository.findReadable(db, subject, id);
  if (!row) throw new ResourceNotFound();
  return row;
}

export async function getRepository(db: Queryable, subject: ReaderSubject, id: string): Promise<Repository> {
  const [presented] = await present(db, [await getReadable(db, subject, id)]);
  return presented!;
}

/**
 * Polar's order of checks: a repository the caller cannot read, or whose account is linked to no
 * organization, is not found (404); one the caller can read but is no member of the linked
 * organization is not theirs to change (403); featured organizations must exist and highlighted
 * tiers be products of the linked organization (else 404). The description and the cover image
 * change only when their `set_` flag says so (a null then clears them); other keys when sent.
 */
export async function updateRepository(trx: Transaction, subject: MerchantSubject, id: string, input: RepositoryUpdate): Promise<Repository> {
  const row = await getReadable(trx, subject, id);
  const linkedOrganizationId = row.external_organization.organization_id;
  if (linkedOrganizationId === null) throw new ResourceNotFound();
  const isMember = subject.kind === 'organization' ? subject.organizationId === linkedOrganizationId : subject.organizationIds.includes(linkedOrganizationId);
  if (!isMember) throw new NotPermitted();

  const update = input.profile_settings;
  if (update) {
    if (update.featured_organizations && !(await repository.organizationsExist(trx, update.featured_organizations))) throw new ResourceNotFound();
    const tiers = update.highlighted_subscription_tiers;
    if (tiers) {
      const products = await findProducts(trx, linkedOrganizationId, tiers);
      const found = new Set(products.map((product) => product.id));
      if (!tiers.every((tierId) => found.has(tierId))) throw new ResourceNotFound();
    }
    const settings = { ...presentProfileSettings(row.profile_settings) };
    if (update.set_description) settings.description = update.description?.trim() ?? null;
    if (update.set_cover_image_url) settings.cover_image_url = update.cover_image_url ?? null;
    if (update.featured_organizations) settings.featured_organizations = update.featured_organizations;
    if (tiers) settings.highlighted_subscription_tiers = tiers;
    // Stored as Pydantic's HttpUrl dumps them (a bare host gains its "/").
    if (update.links) settings.links = update.links.map((link) => new URL(link).href);
    await repository.updateProfileSettings(trx, row.id, settings, clock.now());
  }
  return getRepository(trx, subject, row.id);
}

function fromGitHub(externalOrganization: ExternalOrganizationRow, data: GitHubRepository): RepositoryFromGitHub {
  return {
    external_organization_id: externalOrganization.id,
    platform: 'github',
    external_id: data.id,
    name: data.name,
    description: data.description ?? null,
    stars: data.stargazers_count ?? null,
    forks: data.forks_count ?? null,
    open_issues: data.open_issues_count ?? null,
    watchers: data.watchers_count ?? null,
    main_branch: data.default_branch ?? null,
    topics: JSON.stringify(data.topics ?? []),
    license: data.license?.name ? data.license.name : null,
    homepage: data.homepage ? data.homepage : null,
    is_private: data.private,
    is_fork: data.fork ?? null,
    is_archived: data.archived ?? null,
    repository_pushed_at: data.pushed_at ?? null,
    repository_created_at: data.created_at ?? null,
    repository_modified_at: data.updated_at ?? null,
  };
}

/** Stores what GitHub listed of an account's repositories (see repository.replaceFromGitHub). */
export function storeGitHubRepositories(trx: Transaction, externalOrganization: ExternalOrganizationRow, repositories: GitHubRepository[]): Promise<{ stored: number; removed: number }> {
  return repository.replaceFromGitHub(trx, externalOrganization.id, repositories.map((data) => fromGitHub(externalOrganization, data)), newId, clock.now());
}
