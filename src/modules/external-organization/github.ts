// Reading a GitHub account (a user or an organization) and its repositories from GitHub's REST API,
// through the same client and settings as the GitHub benefit (FLOE_GITHUB_TOKEN,
// FLOE_GITHUB_API_URL). Everything is read before anything is stored, so a failure part-way (an
// error, the rate limit) leaves the stored copy as it was.
import type { IntegrationConfig } from '../../config.js';
import { callApi, IntegrationError } from '../benefit/integrations.js';

/** GET /users/{username} and GET /orgs/{org}, the fields Floe keeps. */
interface GitHubAccount {
  id: number;
  login: string;
  type: string;
  avatar_url: string;
  name?: string | null;
  bio?: string | null;
  description?: string | null;
  company?: string | null;
  blog?: string | null;
  location?: string | null;
  email?: string | null;
  twitter_username?: string | null;
}

/** An item of GET /orgs/{org}/repos or /users/{username}/repos. */
export interface GitHubRepository {
  id: number;
  name: string;
  private: boolean;
  description: string | null;
  stargazers_count?: number | null;
  forks_count?: number | null;
  open_issues_count?: number | null;
  watchers_count?: number | null;
  default_branch?: string | null;
  topics?: string[] | null;
  license?: { name?: string | null } | null;
  homepage?: string | null;
  fork?: boolean | null;
  archived?: boolean | null;
  pushed_at?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
}

export interface GitHubSnapshot {
  account: {
    externalId: number;
    name: string;
    avatarUrl: string;
    isPersonal: boolean;
    bio: string | null;
    prettyName: string | null;
    company: string | null;
    blog: string | null;
    location: string | null;
    email: string | null;
    twitterUsername: string | null;
  };
  repositories: GitHubRepository[];
}

/** The account does not exist on GitHub (a 404 for its name). */
export class GitHubAccountNotFound extends IntegrationError {}

/** A guard against a Link header that never ends. */
const MAX_PAGES = 100;

const orNull = (value: string | null | undefined): string | null => (value ? value : null);

function isAccount(value: unknown): value is GitHubAccount {
  const account = value as GitHubAccount | null;
  return typeof account?.id === 'number' && typeof account.login === 'string' && typeof account.avatar_url === 'string';
}

function isRepository(value: unknown): value is GitHubRepository {
  const repository = value as GitHubRepository | null;
  return typeof repository?.id === 'number' && typeof repository.name === 'string' && typeof repository.private === 'boolean';
}

/** The `rel="next"` URL of a Link header (RFC 8288, as GitHub paginates). */
export function nextPageOf(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /^<([^>]+)>(.*)$/.exec(part.trim());
    const relations = /;\s*rel="?([^";]*)"?/.exec(match?.[2] ?? '')?.[1]?.split(/\s+/) ?? [];
    if (match?.[1] && relations.includes('next')) return match[1];
  }
  return null;
}

async function getAccount(github: IntegrationConfig, authorization: string, name: string): Promise<GitHubAccount> {
  const path = `/users/${encodeURIComponent(name)}`;
  const user = await callApi(github, authorization, 'GET', path, undefined, { accept: [404] });
  if (user.status === 404) throw new GitHubAccountNotFound(`GitHub has no user or organization named "${name}"`);
  if (!isAccount(user.body)) throw new IntegrationError(`GET ${path} answered something other than a GitHub account`);
  if (user.body.type !== 'Organization') return user.body;
  // An organization's own endpoint has its description, blog and e-mail.
  const organization = await callApi(github, authorization, 'GET', `/orgs/${encodeURIComponent(user.body.login)}`);
  if (!isAccount(organization.body)) throw new IntegrationError(`GET /orgs/${user.body.login} answered something other than a GitHub organization`);
  return { ...organization.body, type: 'Organization' };
}

async function listRepositories(github: IntegrationConfig, authorization: string, account: GitHubAccount): Promise<GitHubRepository[]> {
  const login = encodeURIComponent(account.login);
  let next: string | null = account.type === 'Organization' ? `/orgs/${login}/repos?type=all&per_page=100` : `/users/${login}/repos?type=owner&per_page=100`;
  const repositories: GitHubRepository[] = [];
  for (let page = 0; next; page += 1) {
    if (page === MAX_PAGES) throw new IntegrationError(`GitHub listed more than ${MAX_PAGES} pages of repositories for ${account.login}`);
    const response = await callApi(github, authorization, 'GET', next);
    if (!Array.isArray(response.body) || !response.body.every(isRepository)) throw new IntegrationError(`GET ${next} answered something other than a list of repositories`);
    repositories.push(...response.body);
    next = nextPageOf(response.headers.get('link'));
  }
  return repositories;
}

/** The account named `name` and all its repositories, as GitHub has them now. */
export async function readGitHubAccount(github: IntegrationConfig, name: string): Promise<GitHubSnapshot> {
  const authorization = `Bearer ${github.token}`;
  const account = await getAccount(github, authorization, name);
  const repositories = await listRepositories(github, authorization, account);
  const isPersonal = account.type.toLowerCase() === 'user';
  return {
    account: {
      externalId: account.id,
      name: account.login,
      avatarUrl: account.avatar_url,
      isPersonal,
      bio: isPersonal ? (account.bio ?? null) : (account.description ?? null),
      prettyName: orNull(account.name),
      company: orNull(account.company),
      blog: orNull(account.blog),
      location: orNull(account.location),
      email: orNull(account.email),
      twitterUsername: orNull(account.twitter_username),
    },
    repositories,
  };
}
