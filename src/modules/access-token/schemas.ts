import { Type, type Static } from '@sinclair/typebox';
import { SCOPES } from '../../kit/auth.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { MultipleFilter, Nullable, NullableDateTime, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';

/** An organization access token as listed: never its value, which is shown once at creation. */
export const OrganizationAccessToken = Type.Object(
  {
    ...Timestamps,
    id: UUID,
    scopes: Type.Array(Type.String()),
    expires_at: NullableDateTime,
    comment: Type.String(),
    last_used_at: NullableDateTime,
    organization_id: UUID,
  },
  { $id: 'OrganizationAccessToken' },
);
export type OrganizationAccessToken = Static<typeof OrganizationAccessToken>;

export const OrganizationAccessTokenCreate = Type.Object({
  organization_id: Type.Optional(Nullable(UUID)),
  comment: Type.String({ maxLength: 255, description: 'What the token is for.' }),
  // Polar's later API takes a duration here; Floe takes a plain number of seconds (SDK 0.21 has no such operation to follow).
  expires_in: Type.Optional(Nullable(Type.Integer({ minimum: 1, description: 'Seconds until the token expires; omitted or null for never.' }))),
  scopes: Type.Array(StringEnum(SCOPES), { uniqueItems: true, description: 'What the token may do.' }),
});
export type OrganizationAccessTokenCreate = Static<typeof OrganizationAccessTokenCreate>;

export const OrganizationAccessTokenCreateResponse = Type.Object({
  organization_access_token: OrganizationAccessToken,
  token: Type.String({ description: 'The token itself: shown only in this answer.' }),
});

export const OrganizationAccessTokenListQuery = Type.Object({
  organization_id: MultipleFilter(UUID, 'Filter by organization ID.'),
  ...PaginationQuery,
});
export type OrganizationAccessTokenListQuery = Static<typeof OrganizationAccessTokenListQuery>;

export const ListResourceOrganizationAccessToken = ListResource(OrganizationAccessToken);
