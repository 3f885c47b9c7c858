// OAuth2 clients, consent data and token answers, as @polar-sh/sdk@0.21.0 reads them. The token,
// revoke and introspect requests are forms whose errors are RFC 6749's, not 422s: the service
// reads those fields itself.
import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../kit/auth.js';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { Nullable, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2083 });

const ClientMetadata = {
  redirect_uris: Type.Array(HttpUrl),
  token_endpoint_auth_method: StringEnum(AUTH_METHODS, { default: 'client_secret_post' }),
  grant_types: Type.Array(StringEnum(GRANT_TYPES), { default: [...GRANT_TYPES] }),
  response_types: Type.Array(StringEnum(['code'] as const), { default: ['code'] }),
  scope: Type.String({ default: SCOPES.join(' ') }),
  client_name: Type.String({ minLength: 1 }),
  client_uri: Type.Optional(Nullable(Type.String())),
  logo_uri: Type.Optional(Nullable(HttpUrl)),
  tos_uri: Type.Optional(Nullable(HttpUrl)),
  policy_uri: Type.Optional(Nullable(HttpUrl)),
};

/** A client's links as answered (null when not set). */
const StoredUris = {
  client_uri: Nullable(Type.String()),
  logo_uri: Nullable(Type.String()),
  tos_uri: Nullable(Type.String()),
  policy_uri: Nullable(Type.String()),
};

export const OAuth2ClientConfiguration = Type.Object(ClientMetadata);
export const OAuth2ClientConfigurationUpdate = Type.Object({ ...ClientMetadata, client_id: Type.String() });

/** A client as its owner lists it (the secret included, as Polar's list shows it). */
export const OAuth2Client = Type.Object({
  ...Timestamps,
  ...ClientMetadata,
  ...StoredUris,
  client_id: Type.String(),
  client_secret: Type.String(),
  client_id_issued_at: Type.Integer(),
  client_secret_expires_at: Type.Integer(),
});

/** RFC 7591/7592's client information response: the metadata, the credentials and where to manage it. */
export const OAuth2ClientRegistration = Type.Object({
  ...ClientMetadata,
  ...StoredUris,
  client_id: Type.String(),
  client_secret: Type.Optional(Type.String()),
  client_id_issued_at: Type.Integer(),
  client_secret_expires_at: Type.Integer(),
  registration_client_uri: Type.String(),
  registration_access_token: Type.String(),
});

export const ClientIdParams = Type.Object({ client_id: Type.String() });
export const ClientListQuery = Type.Object(PaginationQuery);
export const ListResourceOAuth2Client = ListResource(OAuth2Client);

export const OAuth2ClientPublic = Type.Object({
  ...Timestamps,
  client_id: Type.String(),
  client_name: Nullable(Type.String()),
  ...StoredUris,
});

const AuthorizeUser = Type.Object({ id: UUID, email: Type.String(), avatar_url: Nullable(Type.String()) });
const AuthorizeOrganization = Type.Object({ id: UUID, slug: Type.String(), avatar_url: Nullable(Type.String()) });

export const AuthorizeResponse = Type.Union([
  Type.Object({ client: OAuth2ClientPublic, sub_type: Type.Literal('user'), sub: Nullable(AuthorizeUser), scopes: Type.Array(Type.String()) }),
  Type.Object({
    client: OAuth2ClientPublic,
    sub_type: Type.Literal('organization'),
    sub: Nullable(AuthorizeOrganization),
    scopes: Type.Array(Type.String()),
    organizations: Type.Array(AuthorizeOrganization),
  }),
]);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.Optional(Nullable(Type.String())),
  scope: Type.String(),
  id_token: Type.Optional(Type.String()),
});

export const IntrospectTokenResponse = Type.Object({
  active: Type.Boolean(),
  client_id: Type.Optional(Type.String()),
  token_type: Type.Optional(StringEnum(['access_token', 'refresh_token'] as const)),
  scope: Type.Optional(Type.String()),
  sub_type: Type.Optional(StringEnum(['user', 'organization'] as const)),
  sub: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String()),
  iss: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
});

export const UserInfo = Type.Object({
  sub: Type.String(),
  name: Type.Optional(Nullable(Type.String())),
  email: Type.Optional(Nullable(Type.String())),
  email_verified: Type.Optional(Nullable(Type.Boolean())),
});

/** A form's fields (token, revoke, introspect, consent), read by the service. */
export type FormFields = Record<string, string | undefined>;
