import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { BooleanFilter, MultipleFilter, Nullable, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';
import { ExternalOrganization, Platforms } from '../external-organization/schemas.js';
import { Organization } from '../organization/schemas.js';

export const REPOSITORY_PROFILE_DESCRIPTION_MAX_LENGTH = 240;

export const RepositoryProfileSettings = Type.Object({
  description: Nullable(Type.String()),
  cover_image_url: Nullable(Type.String()),
  featured_organizations: Nullable(Type.Array(UUID)),
  highlighted_subscription_tiers: Nullable(Type.Array(UUID)),
  links: Nullable(Type.Array(Type.String())),
});
export type RepositoryProfileSettings = Static<typeof RepositoryProfileSettings>;

export const Repository = Type.Object({
  id: UUID,
  platform: Platforms,
  is_private: Type.Boolean(),
  name: Type.String(),
  description: Nullable(Type.String()),
  stars: Nullable(Type.Integer()),
  license: Nullable(Type.String()),
  homepage: Nullable(Type.String()),
  profile_settings: Nullable(RepositoryProfileSettings),
  organization: ExternalOrganization,
  internal_organization: Nullable(Organization),
});
export type Repository = Static<typeof Repository>;

export const REPOSITORY_SORT_FIELDS = ['created_at', 'name', 'stars'] as const;
export type RepositorySortField = (typeof REPOSITORY_SORT_FIELDS)[number];

export const RepositoryListQuery = Type.Object({
  platform: MultipleFilter(Platforms, 'Filter by platform.'),
  name: MultipleFilter(Type.String(), 'Filter by name.'),
  external_organization_name: MultipleFilter(Type.String(), 'Filter by external organization name.'),
  is_private: BooleanFilter,
  organization_id: MultipleFilter(UUID, 'Filter by organization ID.'),
  ...PaginationQuery,
  sorting: SortingQuery(REPOSITORY_SORT_FIELDS, ['-created_at']),
});
export type RepositoryListQuery = Static<typeof RepositoryListQuery>;

export const ListResourceRepository = ListResource(Repository);

/** An http(s) URL, as Pydantic's HttpUrl accepts. */
const HttpUrl = Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+', minLength: 1, maxLength: 2083 });

export const RepositoryProfileSettingsUpdate = Type.Object({
  set_description: Type.Optional(Nullable(Type.Boolean())),
  description: Type.Optional(Nullable(Type.String({ maxLength: REPOSITORY_PROFILE_DESCRIPTION_MAX_LENGTH }))),
  set_cover_image_url: Type.Optional(Nullable(Type.Boolean())),
  cover_image_url: Type.Optional(Nullable(Type.String())),
  featured_organizations: Type.Optional(Nullable(Type.Array(UUID))),
  highlighted_subscription_tiers: Type.Optional(Nullable(Type.Array(UUID, { maxItems: 3 }))),
  links: Type.Optional(Nullable(Type.Array(HttpUrl))),
});

export const RepositoryUpdate = Type.Object({
  profile_settings: Type.Optional(Nullable(RepositoryProfileSettingsUpdate)),
});
export type RepositoryUpdate = Static<typeof RepositoryUpdate>;
