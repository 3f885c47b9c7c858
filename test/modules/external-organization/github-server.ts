// A local HTTP server answering as GitHub's REST API does, with the shapes its documentation gives:
// GET /users/{username}, GET /orgs/{org}, and GET /orgs/{org}/repos or /users/{username}/repos,
// paginated by `page` and `per_page` with a Link header. It can refuse for the rate limit (403 with
// `x-ratelimit-remaining: 0`, or 429) or fail on a path, as GitHub does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after } from 'node:test';

export interface FakeAccount {
  id: number;
  login: string;
  type: 'User' | 'Organization';
  name?: string | null;
  bio?: string | null;
  description?: string | null;
  company?: string | null;
  blog?: string | null;
  location?: string | null;
  email?: string | null;
  twitter_username?: string | null;
}

export interface FakeRepository {
  id: number;
  name: string;
  private?: boolean;
  description?: string | null;
  stargazers_count?: number;
  license?: { key: string; name: string } | null;
  homepage?: string | null;
  topics?: string[];
}

export interface FakeGitHub {
  url: string;
  token: string;
  accounts: Map<string, { account: FakeAccount; repositories: FakeRepository[] }>;
  /** Answer every request with a rate-limit refusal: 403 (GitHub's primary limit) or 429. */
  rateLimited: 403 | 429 | null;
  /** Paths (with their query) that answer 500. */
  failing: Set<string>;
  /** Repositories a page holds at most, whatever `per_page` asks (to exercise pagination). */
  pageSize: number;
  requests: string[];
  addAccount(account: FakeAccount, repositories: FakeRepository[]): void;
}

function repositoryJson(owner: FakeAccount, repository: FakeRepository) {
  return {
    id: repository.id,
    node_id: `R_${repository.id}`,
    name: repository.name,
    full_name: `${owner.login}/${repository.name}`,
    private: repository.private ?? false,
    owner: { login: owner.login, id: owner.id, type: owner.type, avatar_url: `https://avatars.githubusercontent.com/u/${owner.id}?v=4` },
    html_url: `https://github.com/${owner.login}/${repository.name}`,
    description: repository.description ?? null,
    fork: false,
    homepage: repository.homepage ?? null,
    stargazers_count: repository.stargazers_count ?? 0,
    watchers_count: repository.stargazers_count ?? 0,
    forks_count: 1,
    open_issues_count: 2,
    default_branch: 'main',
    topics: repository.topics ?? [],
    license: repository.license ?? null,
    archived: false,
    disabled: false,
    visibility: repository.private ? 'private' : 'public',
    pushed_at: '2024-11-20T10:00:00Z',
    created_at: '2023-01-05T09:00:00Z',
    updated_at: '2024-11-21T12:00:00Z',
  };
}

function accountJson(account: FakeAccount, asOrganization: boolean) {
  const common = {
    login: account.login,
    id: account.id,
    node_id: `N_${account.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    url: `https://api.github.com/${asOrganization ? 'orgs' : 'users'}/${account.login}`,
    name: account.name ?? null,
    company: account.company ?? null,
    blog: account.blog ?? '',
    location: account.location ?? null,
    email: account.email ?? null,
    twitter_username: account.twitter_username ?? null,
    public_repos: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  };
  // GET /orgs/{org} has a description; GET /users/{username} a bio and a type.
  return asOrganization ? { ...common, description: account.description ?? null, type: 'Organization' } : { ...common, bio: account.bio ?? null, type: account.type };
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const token = 'ghp_floe_test_token';
  const fake: FakeGitHub = {
    url: '',
    token,
    accounts: new Map(),
    rateLimited: null,
    failing: new Set(),
    pageSize: 2,
    requests: [],
    addAccount(account, repositories) {
      fake.accounts.set(account.login.toLowerCase(), { account, repositories });
    },
  };
  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', fake.url);
    fake.requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (request.headers.authorization !== `Bearer ${token}`) return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    if (fake.rateLimited === 403) {
      return send(response, 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600),
      });
    }
    if (fake.rateLimited === 429) return send(response, 429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '60' });
    if (fake.failing.has(`${url.pathname}${url.search}`)) return send(response, 500, { message: 'Server Error' });
    const [, kind, login, tail] = url.pathname.split('/');
    const entry = login ? fake.accounts.get(decodeURIComponent(login).toLowerCase()) : undefined;
    const notFound = () => send(response, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    if (!entry || (kind !== 'users' && kind !== 'orgs')) return notFound();
    if (kind === 'orgs' && entry.account.type !== 'Organization') return notFound();
    if (tail === undefined) return send(response, 200, accountJson(entry.account, kind === 'orgs'));
    if (tail !== 'repos') return notFound();
    // /users/{username}/repos lists only public repositories; an organization's lists all to a member.
    const listed = kind === 'users' ? entry.repositories.filter((repository) => !repository.private) : entry.repositories;
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), fake.pageSize);
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(listed.length / perPage));
    const pageUrl = (number: number) => {
      const next = new URL(url);
      next.searchParams.set('page', String(number));
      return next.toString();
    };
    const links = [];
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
    const items = listed.slice((page - 1) * perPage, page * perPage).map((repository) => repositoryJson(entry.account, repository));
    send(response, 200, items, links.length > 0 ? { link: links.join(', ') } : {});
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return fake;
}
