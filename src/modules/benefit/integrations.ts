// What each benefit type checks in the properties a merchant gives it, and what it stores. Types
// backed by a third party (Discord, GitHub) sit behind an interface so their HTTP clients, which
// grant and revoke, are configured by settings and never reached in tests.
import type { MerchantSubject } from '../../kit/auth.js';
import type { Config } from '../../config.js';
import type { Queryable } from '../../kit/db.js';
import { ValidationIssues } from '../../kit/errors.js';
import { signGrant, verifyGrant } from '../../kit/signing.js';
import type { BenefitType } from '../../db/schema/catalog.js';

export interface BenefitIntegration {
  /** The properties to store for a create or an update, or a 422 listing what is wrong. */
  validateProperties(input: Record<string, unknown>, context: { db: Queryable; config: Config; subject: MerchantSubject; organizationId: string }): Promise<Record<string, unknown>>;
  /** Properties as the API shows them (secrets derived, not stored). */
  presentProperties?(stored: Record<string, unknown>, config: Config): Record<string, unknown>;
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

const custom: BenefitIntegration = { validateProperties: async (input) => ({ note: input.note ?? null }) };

const ads: BenefitIntegration = {
  validateProperties: async (input) => ({ image_height: input.image_height ?? 400, image_width: input.image_width ?? 400 }),
};

const licenseKeys: BenefitIntegration = {
  validateProperties: async (input) => ({
    prefix: input.prefix ?? null,
    expires: input.expires ?? null,
    activations: input.activations ?? null,
    limit_usage: input.limit_usage ?? null,
  }),
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
};

export const INTEGRATIONS: Record<BenefitType, BenefitIntegration> = {
  custom,
  ads,
  discord,
  github_repository: githubRepository,
  downloadables,
  license_keys: licenseKeys,
};
