import type { RepositoryProfileSettings as StoredProfileSettings } from '../../db/schema/external-organization.js';
import { presentExternalOrganization } from '../external-organization/presenter.js';
import type { Organization } from '../organization/schemas.js';
import type { LoadedRepository } from './repository.js';
import type { Repository, RepositoryProfileSettings } from './schemas.js';

/** Every key, unset ones null (Polar validates the stored settings into its model). */
export function presentProfileSettings(stored: StoredProfileSettings): RepositoryProfileSettings {
  return {
    description: stored.description ?? null,
    cover_image_url: stored.cover_image_url ?? null,
    featured_organizations: stored.featured_organizations ?? null,
    highlighted_subscription_tiers: stored.highlighted_subscription_tiers ?? null,
    links: stored.links ?? null,
  };
}

export function presentRepository(repository: LoadedRepository, internalOrganization: Organization | null): Repository {
  return {
    id: repository.id,
    platform: repository.platform,
    is_private: repository.is_private,
    name: repository.name,
    description: repository.description,
    stars: repository.stars,
    license: repository.license,
    homepage: repository.homepage,
    profile_settings: presentProfileSettings(repository.profile_settings),
    organization: presentExternalOrganization(repository.external_organization),
    internal_organization: internalOrganization,
  };
}
