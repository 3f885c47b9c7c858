import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, StringEnum, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

export const PLATFORMS = ['github'] as const;
export const Platforms = StringEnum(PLATFORMS);

export const ExternalOrganization = Type.Object({
  id: UUID,
  platform: Platforms,
  name: Type.String(),
  avatar_url: Type.String(),
  is_personal: Type.Boolean(),
  bio: Nullable(Type.String()),
  pretty_name: Nullable(Type.String()),
  company: Nullable(Type.String()),
  blog: Nullable(Type.String()),
  location: Nullable(Type.String()),
  email: Nullable(Type.String()),
  twitter_username: Nullable(Type.String()),
  organization_id: Nullable(UUID),
});
export type ExternalOrganization = Static<typeof ExternalOrganization>;

export const EXTERNAL_ORGANIZATION_SORT_FIELDS = ['created_at', 'name'] as const;
export type ExternalOrganizationSortField = (typeof EXTERNAL_ORGANIZATION_SORT_FIELDS)[number];

export const ExternalOrganizationListQuery = Type.Object({
  platform: MultipleFilter(Platforms, 'Filter by platform.'),
  name: MultipleFilter(Type.String(), 'Filter by name.'),
  organization_id: MultipleFilter(UUID, 'Filter by organization ID.'),
  ...PaginationQuery,
  sorting: SortingQuery(EXTERNAL_ORGANIZATION_SORT_FIELDS, ['-created_at']),
});
export type ExternalOrganizationListQuery = Static<typeof ExternalOrganizationListQuery>;

export const ListResourceExternalOrganization = ListResource(ExternalOrganization);
