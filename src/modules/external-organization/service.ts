// External organizations: GitHub accounts (users and organizations) that a merchant links to their
// organization (`floe github link`), read with their repositories from GitHub's REST API and
// refreshed periodically (jobs.ts). GitHub is read in full before anything is stored, in one
// transaction: a GitHub that fails or refuses for its rate limit leaves the stored copy as it was,
// and the refresh records why on the account (`sync_error`). Anyone may list accounts; an
// organization token only those linked to it.
import type { Config } from '../../config.js';
import type { ExternalOrganizationRow } from '../../db/schema/external-organization.js';
import { clock } from '../../kit/clock.js';
import { transaction, type Database, type Queryable, type Transaction } from '../../kit/db.js';
import { BadRequest } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { IntegrationError } from '../benefit/integrations.js';
import { storeGitHubRepositories } from '../repository/service.js';
import { readGitHubAccount, type GitHubSnapshot } from './github.js';
import { presentExternalOrganization } from './presenter.js';
import * as repository from './repository.js';
import type { ReaderSubject } from './repository.js';
import type { ExternalOrganization, ExternalOrganizationListQuery, ExternalOrganizationSortField } from './schemas.js';

export async function listExternalOrganizations(db: Queryable, subject: ReaderSubject, query: ExternalOrganizationListQuery): Promise<Page<ExternalOrganization>> {
  const { rows, totalCount } = await repository.listReadable(
    db,
    subject,
    { platform: query.platform, name: query.name, organizationId: query.organization_id },
    parseSorting<ExternalOrganizationSortField>(query.sorting),
    query,
  );
  return toPage(rows.map(presentExternalOrganization), totalCount, query);
}

function githubOf(config: Config) {
  const github = config.integrations.github;
  if (!github) throw new IntegrationError('GitHub is not configured on this server: set FLOE_GITHUB_TOKEN (and FLOE_GITHUB_API_URL for GitHub Enterprise)');
  return github;
}

export interface StoredAccount {
  externalOrganization: ExternalOrganizationRow;
  repositories: { stored: number; removed: number };
}

/** Stores a read of GitHub: the account (inserted, or updated by its GitHub id) and its repositories. */
async function store(trx: Transaction, snapshot: GitHubSnapshot, existing: ExternalOrganizationRow | undefined, link: { organizationId: string } | undefined): Promise<StoredAccount> {
  const { account } = snapshot;
  const now = clock.now();
  const values = {
    name: account.name,
    avatar_url: account.avatarUrl,
    is_personal: account.isPersonal,
    bio: account.bio,
    pretty_name: account.prettyName,
    company: account.company,
    blog: account.blog,
    location: account.location,
    email: account.email,
    twitter_username: account.twitterUsername,
    synced_at: now,
    sync_attempted_at: now,
    sync_error: null,
    ...(link ? { organization_id: link.organizationId } : {}),
  };
  await repository.releaseName(trx, 'github', account.name, account.externalId);
  const externalOrganization = existing
    ? await repository.update(trx, existing.id, { ...values, modified_at: now, deleted_at: null })
    : await repository.insert(trx, { ...values, id: newId(), created_at: now, platform: 'github', external_id: account.externalId, organization_id: link?.organizationId ?? null });
  const repositories = await storeGitHubRepositories(trx, externalOrganization, snapshot.repositories);
  return { externalOrganization, repositories };
}

/**
 * Links the GitHub account `name` to an organization: reads it and its repositories from GitHub and
 * stores them. An account already linked to another organization stays theirs (400).
 */
export async function linkGitHubAccount(db: Database, config: Config, organizationId: string, name: string): Promise<StoredAccount> {
  const snapshot = await readGitHubAccount(githubOf(config), name);
  return transaction(db, async (trx) => {
    const existing = await repository.lockByExternalId(trx, 'github', snapshot.account.externalId);
    if (existing?.organization_id && existing.organization_id !== organizationId && existing.deleted_at === null) {
      throw new BadRequest(`The GitHub account "${snapshot.account.name}" is already linked to another organization.`);
    }
    return store(trx, snapshot, existing, { organizationId });
  });
}

/**
 * Reads a linked account again and stores what GitHub has now. A failure is recorded on the account
 * and thrown; what was stored stays.
 */
export async function refreshExternalOrganization(db: Database, config: Config, externalOrganization: ExternalOrganizationRow): Promise<StoredAccount> {
  try {
    const snapshot = await readGitHubAccount(githubOf(config), externalOrganization.name);
    if (snapshot.account.externalId !== externalOrganization.external_id) {
      throw new IntegrationError(`The GitHub name "${externalOrganization.name}" now belongs to another account (GitHub id ${snapshot.account.externalId}, not ${externalOrganization.external_id})`);
    }
    return await transaction(db, async (trx) => {
      const current = await repository.lockById(trx, externalOrganization.id);
      if (!current || current.deleted_at !== null) throw new IntegrationError(`The external organization ${externalOrganization.name} was removed meanwhile`);
      return store(trx, snapshot, current, undefined);
    });
  } catch (error) {
    await repository.recordSyncFailure(db, externalOrganization.id, (error as Error).message);
    throw error;
  }
}

/** Claims the next linked account whose last refresh attempt is older than `before`. */
export function claimDueForRefresh(db: Queryable, before: Date): Promise<ExternalOrganizationRow | undefined> {
  return repository.claimDueForRefresh(db, before, clock.now());
}
