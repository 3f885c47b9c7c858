// What each benefit type checks in the properties a merchant gives it, and what it stores. Types
// backed by a third party (Discord, GitHub) sit behind an interface so their HTTP clients, which
// grant and revoke, are configured by settings and never reached in tests.
import type { MerchantSubject } from '../../kit/auth.js';
import type { Config, IntegrationConfig } from '../../config.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ValidationIssues } from '../../kit/errors.js';
import { signGrant, verifyGrant } from '../../kit/signing.js';
import type { BenefitGrantRow, BenefitRow, BenefitType } from '../../db/schema/catalog.js';
import type { CustomerRow } from '../../db/schema/commerce.js';
import { grantLicenseKey, revokeLicenseKey } from '../license-key/service.js';
import { grantDownloadables, revokeDownloadables } from '../downloadable/service.js';
import { reserveCampaignId } from '../advertisement/service.js';

export interface GrantContext {
  trx: Transaction;
  config: Config;
  benefit: BenefitRow;
  customer: CustomerRow;
  grant: BenefitGrantRow;
  /** A re-grant after the benefit changed (or the customer linked an account), not a first grant. */
  update: boolean;
}

/** A grant that could not be made now, and why (shown on the grant; never a silent success). */
export interface GrantError {
  type: string;
  message: string;
}

export type GrantOutcome =
  | { status: 'granted'; properties: Record<string, unknown> }
  /** Waiting on the customer (an account to link) or on the server's settings. */
  | { status: 'pending'; properties: Record<string, unknown>; error?: GrantError };

/** A failure of a third party worth retrying (the job that grants is retried with backoff). */
export class IntegrationError extends Error {}

export interface BenefitIntegration {
  /** The properties to store for a create or an update, or a 422 listing what is wrong. */
  validateProperties(input: Record<string, unknown>, context: { db: Queryable; config: Config; subject: MerchantSubject; organizationId: string }): Promise<Record<string, unknown>>;
  /** Properties as the API shows them (secrets derived, not stored). */
  presentProperties?(stored: Record<string, unknown>, config: Config): Record<string, unknown>;
  /** Gives the benefit to the customer; the result becomes the grant's state and properties. */
  grant(context: GrantContext): Promise<GrantOutcome>;
  /** Takes it back; returns the grant's properties afterwards. */
  revoke(context: GrantContext): Promise<Record<string, unknown>>;
  /**
   * Revoked for each grant on its own (a license key belongs to one grant). Other types are taken
   * back only when the customer holds no other grant of the benefit (access bought twice stays).
   */
  revokesIndividually?: boolean;
}

/** Grants with nothing to deliver outside Floe: granting is recording. */
const recordOnly = {
  grant: async ({ grant }: GrantContext): Promise<GrantOutcome> => ({ status: 'granted', properties: grant.properties }),
  revoke: async ({ grant }: GrantContext) => grant.properties,
};

function notConfigured(service: string, variable: string, properties: Record<string, unknown>): GrantOutcome {
  return { status: 'pending', properties, error: { type: 'integration_not_configured', message: `${service} is not configured on this server: set ${variable} to grant this benefit.` } };
}

/** A third party's answer: its status, headers and JSON body (null when it has none). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * The third party refused for its rate limit (GitHub: 403 or 429 with `x-ratelimit-remaining: 0`,
 * or a `retry-after`); `resetAt` is when it takes calls again, when it says.
 */
export class RateLimitError extends IntegrationError {
  constructor(
    message: string,
    readonly resetAt: Date | null,
  ) {
    super(message);
  }
}

function rateLimitResetOf(response: Response): Date | null | undefined {
  const limited = (response.status === 403 || response.status === 429) && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after'));
  if (!limited) return undefined;
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return new Date(reset * 1000);
  const retryAfter = Number(response.headers.get('retry-after'));
  return Number.isFinite(retryAfter) && retryAfter >= 0 ? new Date(Date.now() + retryAfter * 1000) : null;
}

/**
 * One call to a third party's REST API; a failure is an IntegrationError (retried), a refusal for
 * the rate limit a RateLimitError. `accept` lists statuses that are answers rather than failures
 * (a lookup's 404). `path` may be a URL the API itself gave (a Link header's next page), only
 * under the configured API URL: the token is never sent anywhere else.
 */
export async function callApi(integration: IntegrationConfig, authorization: string, method: string, path: string, body?: object, options: { accept?: readonly number[] } = {}): Promise<ApiResponse> {
  let url = `${integration.apiUrl}${path}`;
  if (/^https?:\/\//.test(path)) {
    if (!path.startsWith(`${integration.apiUrl}/`)) throw new IntegrationError(`refusing to follow ${path}: not under ${integration.apiUrl}`);
    url = path;
  }
  const shown = `${method} ${url.slice(integration.apiUrl.length)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization, accept: 'application/json', 'user-agent': 'Floe', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new IntegrationError(`${shown} failed: ${(error as Error).message}`);
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  // A member or collaborator already gone is what a revocation wants.
  if (response.ok || options.accept?.includes(response.status) || (method === 'DELETE' && response.status === 404)) {
    return { status: response.status, headers: response.headers, body: parsed };
  }
  const message = parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string' ? `: ${(parsed as { message: string }).message}` : '';
  const resetAt = rateLimitResetOf(response);
  if (resetAt !== undefined) {
    throw new RateLimitError(`${shown} was refused for the rate limit (${response.status}${message})${resetAt ? `; it resets at ${resetAt.toISOString()}` : ''}`, resetAt);
  }
  throw new IntegrationError(`${shown} answered ${response.status}${message}`);
}

/** The customer's linked account on a platform, by the account id the grant names. */
function linkedAccount(customer: CustomerRow, platform: string, accountId: unknown) {
  return typeof accountId === 'string' ? customer.oauth_accounts[`${platform}:${accountId}`] : undefined;
}

const DISCORD_GUILD_TOKEN = 'discord_guild_token';
const GUILD_TOKEN_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * A Discord server is named by a guild token, signed by Floe when the server is connected (Polar
 * signs one after its bot joins the server), so a merchant can only attach servers they connected.
 */
export function signDiscordGuildToken(config: Config, guildId: string): string {
  return signGrant(config.secret, DISCORD_GUILD_TOKEN, { guild_id: guildId }, new Date(Date.now() + GUILD_TOKEN_LIFETIME_MS));
}

const custom: BenefitIntegration = { validateProperties: async (input) => ({ note: input.note ?? null }), ...recordOnly };

// A grant names its campaign from the first grant on (Polar's grant schema requires the id); the
// customer fills the campaign in on the portal, and granting again keeps it.
const ads: BenefitIntegration = {
  validateProperties: async (input) => ({ image_height: input.image_height ?? 400, image_width: input.image_width ?? 400 }),
  grant: async ({ grant }) => ({ status: 'granted', properties: { ...grant.properties, advertisement_campaign_id: reserveCampaignId(grant.properties) } }),
  revoke: async ({ grant }) => grant.properties,
};

const licenseKeys: BenefitIntegration = {
  validateProperties: async (input) => ({
    prefix: input.prefix ?? null,
    expires: input.expires ?? null,
    activations: input.activations ?? null,
    limit_usage: input.limit_usage ?? null,
  }),
  // A first grant (or a grant again after a revocation) issues a new key; an update keeps the key.
  async grant({ trx, benefit, customer, grant, update }) {
    const existing = update && typeof grant.properties.license_key_id === 'string' ? grant.properties.license_key_id : undefined;
    return { status: 'granted', properties: await grantLicenseKey(trx, benefit, customer.id, existing) };
  },
  async revoke({ trx, grant }) {
    if (typeof grant.properties.license_key_id === 'string') await revokeLicenseKey(trx, grant.properties.license_key_id);
    return grant.properties;
  },
  revokesIndividually: true,
};

const discord: BenefitIntegration = {
  async validateProperties(input, { config }) {
    const verified = verifyGrant<{ guild_id: string }>(config.secret, DISCORD_GUILD_TOKEN, String(input.guild_token));
    if (!verified.ok) {
      const issues = new ValidationIssues();
      issues.add(['body', 'properties', 'guild_token'], 'Value error, Invalid token.', input.guild_token);
      issues.throwIfAny();
    }
    return { guild_id: verified.ok ? verified.payload.guild_id : '', role_id: input.role_id };
  },
  presentProperties: (stored, config) => ({ ...stored, guild_token: signDiscordGuildToken(config, String(stored.guild_id)) }),
  // The customer's Discord account joins the server (with the bot's token and the customer's own
  // OAuth token, as Discord requires) and receives the role.
  async grant({ config, benefit, customer, grant }) {
    const discord = config.integrations.discord;
    if (!discord) return notConfigured('Discord', 'FLOE_DISCORD_BOT_TOKEN', grant.properties);
    const account = linkedAccount(customer, 'discord', grant.properties.account_id);
    if (!account) return { status: 'pending', properties: grant.properties };
    const { guild_id: guildId, role_id: roleId } = benefit.properties as { guild_id: string; role_id: string };
    const bot = `Bot ${discord.token}`;
    await callApi(discord, bot, 'PUT', `/guilds/${guildId}/members/${account.account_id}`, { access_token: account.access_token, roles: [roleId] });
    await callApi(discord, bot, 'PUT', `/guilds/${guildId}/members/${account.account_id}/roles/${roleId}`);
    return { status: 'granted', properties: { account_id: account.account_id, guild_id: guildId, role_id: roleId } };
  },
  async revoke({ config, grant }) {
    const discord = config.integrations.discord;
    const { account_id: accountId, guild_id: guildId, role_id: roleId } = grant.properties as { account_id?: string; guild_id?: string; role_id?: string };
    if (discord && accountId && guildId && roleId) await callApi(discord, `Bot ${discord.token}`, 'DELETE', `/guilds/${guildId}/members/${accountId}/roles/${roleId}`);
    return grant.properties;
  },
};

const githubRepository: BenefitIntegration = {
  async validateProperties(input, { subject }) {
    // As Polar: the repository is checked against the user's GitHub account, which an organization
    // token does not have.
    if (subject.kind === 'organization') {
      const issues = new ValidationIssues();
      issues.add(['body', 'properties', 'repository_owner'], 'We do not yet support creating this benefit with an organization token.', input.repository_owner, 'invalid_auth_subject');
      issues.throwIfAny();
    }
    return { repository_owner: input.repository_owner, repository_name: input.repository_name, permission: input.permission, repository_id: null };
  },
  // The customer's GitHub account becomes a collaborator of the repository (an invitation).
  async grant({ config, benefit, customer, grant }) {
    const github = config.integrations.github;
    if (!github) return notConfigured('GitHub', 'FLOE_GITHUB_TOKEN', grant.properties);
    const account = linkedAccount(customer, 'github', grant.properties.account_id);
    if (!account?.account_username) return { status: 'pending', properties: grant.properties };
    const { repository_owner: owner, repository_name: name, permission } = benefit.properties as { repository_owner: string; repository_name: string; permission: string };
    await callApi(github, `Bearer ${github.token}`, 'PUT', `/repos/${owner}/${name}/collaborators/${account.account_username}`, { permission });
    return { status: 'granted', properties: { account_id: account.account_id, repository_owner: owner, repository_name: name, permission } };
  },
  async revoke({ config, customer, grant }) {
    const github = config.integrations.github;
    const { account_id: accountId, repository_owner: owner, repository_name: name } = grant.properties as { account_id?: string; repository_owner?: string; repository_name?: string };
    const account = linkedAccount(customer, 'github', accountId);
    if (github && account?.account_username && owner && name) await callApi(github, `Bearer ${github.token}`, 'DELETE', `/repos/${owner}/${name}/collaborators/${account.account_username}`);
    return grant.properties;
  },
};

const downloadables: BenefitIntegration = {
  async validateProperties(input, { db, organizationId }) {
    const files = [...new Set(input.files as string[])];
    const rows = await db
      .selectFrom('files')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('service', '=', 'downloadable')
      .where('deleted_at', 'is', null)
      .where('id', 'in', files)
      .execute();
    const found = new Set(rows.map((row) => row.id));
    const issues = new ValidationIssues();
    files.forEach((id, index) => {
      if (!found.has(id)) issues.add(['body', 'properties', 'files', index], 'File not found.', id);
    });
    issues.throwIfAny();
    const archived = (input.archived ?? {}) as Record<string, boolean>;
    return { files, archived: Object.fromEntries(Object.entries(archived).filter(([id]) => found.has(id))) };
  },
  grant: async ({ trx, benefit, customer }) => ({ status: 'granted', properties: await grantDownloadables(trx, benefit, customer.id) }),
  async revoke({ trx, benefit, customer, grant }) {
    await revokeDownloadables(trx, benefit.id, customer.id);
    return grant.properties;
  },
};

export const INTEGRATIONS: Record<BenefitType, BenefitIntegration> = {
  custom,
  ads,
  discord,
  github_repository: githubRepository,
  downloadables,
  license_keys: licenseKeys,
};
