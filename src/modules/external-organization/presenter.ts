import type { ExternalOrganizationRow } from '../../db/schema/external-organization.js';
import type { JsonRow } from '../../db/schema/organization.js';
import type { ExternalOrganization } from './schemas.js';

export function presentExternalOrganization(row: ExternalOrganizationRow | JsonRow<ExternalOrganizationRow>): ExternalOrganization {
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    avatar_url: row.avatar_url,
    is_personal: row.is_personal,
    bio: row.bio,
    pretty_name: row.pretty_name,
    company: row.company,
    blog: row.blog,
    location: row.location,
    email: row.email,
    twitter_username: row.twitter_username,
    organization_id: row.organization_id,
  };
}
