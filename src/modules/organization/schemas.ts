import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, Timestamps, UUID } from '../../kit/schemas.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { SortingQuery } from '../../kit/sorting.js';

export const OrganizationSubscribePromoteSettings = Type.Object({
  promote: Type.Boolean(),
  show_count: Type.Boolean(),
  count_free: Type.Boolean(),
});

export const OrganizationProfileSettings = Type.Object({
  enabled: Type.Optional(Nullable(Type.Boolean())),
  description: Type.Optional(Nullable(Type.String({ maxLength: 160 }))),
  featured_projects: Type.Optional(Nullable(Type.Array(UUID))),
  featured_organizations: Type.Optional(Nullable(Type.Array(UUID))),
  links: Type.Optional(Nullable(Type.Array(Type.String({ format: 'uri', minLength: 1, maxLength: 2083 })))),
  subscribe: Type.Optional(Nullable(OrganizationSubscribePromoteSettings)),
  accent_color: Type.Optional(Nullable(Type.String())),
});

export const OrganizationFeatureSettings = Type.Object({
  issue_funding_enabled: Type.Optional(Nullable(Type.Boolean())),
});

export const Organization = Type.Object(
  {
    ...Timestamps,
    id: UUID,
    name: Type.String(),
    slug: Type.String(),
    avatar_url: Nullable(Type.String()),
    bio: Nullable(Type.String()),
    company: Nullable(Type.String()),
    blog: Nullable(Type.String()),
    location: Nullable(Type.String()),
    email: Nullable(Type.String()),
    twitter_username: Nullable(Type.String()),
    pledge_minimum_amount: Type.Integer(),
    pledge_badge_show_amount: Type.Boolean(),
    default_upfront_split_to_contributors: Nullable(Type.Integer()),
    profile_settings: Nullable(OrganizationProfileSettings),
    feature_settings: Nullable(Type.Object({ issue_funding_enabled: Type.Boolean() })),
  },
  { $id: 'Organization' },
);
export type Organization = Static<typeof Organization>;

const Name = Type.String({ minLength: 3 });
const AvatarUrl = Nullable(Type.String({ format: 'uri', minLength: 1, maxLength: 2083 }));

export const OrganizationCreate = Type.Object({
  name: Name,
  slug: Type.String({ minLength: 3 }),
  avatar_url: Type.Optional(AvatarUrl),
  feature_settings: Type.Optional(Nullable(OrganizationFeatureSettings)),
});
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationUpdate = Type.Object({
  name: Type.Optional(Nullable(Name)),
  avatar_url: Type.Optional(AvatarUrl),
  default_upfront_split_to_contributors: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 100 }))),
  pledge_badge_show_amount: Type.Optional(Type.Boolean()),
  billing_email: Type.Optional(Nullable(Type.String())),
  default_badge_custom_content: Type.Optional(Nullable(Type.String())),
  pledge_minimum_amount: Type.Optional(Type.Integer()),
  total_monthly_spending_limit: Type.Optional(Nullable(Type.Integer())),
  per_user_monthly_spending_limit: Type.Optional(Nullable(Type.Integer())),
  profile_settings: Type.Optional(Nullable(OrganizationProfileSettings)),
  feature_settings: Type.Optional(Nullable(OrganizationFeatureSettings)),
});
export type OrganizationUpdate = Static<typeof OrganizationUpdate>;

export const ORGANIZATION_SORT_FIELDS = ['created_at', 'name'] as const;
export type OrganizationSortField = (typeof ORGANIZATION_SORT_FIELDS)[number];

export const OrganizationListQuery = Type.Object({
  slug: Type.Optional(Type.String()),
  ...PaginationQuery,
  sorting: SortingQuery(ORGANIZATION_SORT_FIELDS, ['created_at']),
});
export type OrganizationListQuery = Static<typeof OrganizationListQuery>;

export const ListResourceOrganization = ListResource(Organization);

/** A member of an organization (Polar's private `members` list, with the fields of its later API). */
export const OrganizationMember = Type.Object(
  {
    user_id: UUID,
    created_at: DateTime,
    email: Type.String(),
    avatar_url: Nullable(Type.String()),
    is_owner: Type.Boolean({ description: 'Whether the member owns the organization (its first member): only the owner invites.' }),
  },
  { $id: 'OrganizationMember' },
);
export type OrganizationMember = Static<typeof OrganizationMember>;

export const ListResourceOrganizationMember = ListResource(OrganizationMember);

export const OrganizationMemberInvite = Type.Object({
  email: Type.String({ format: 'email', maxLength: 320, description: 'The e-mail address of the user to add.' }),
});
export type OrganizationMemberInvite = Static<typeof OrganizationMemberInvite>;
