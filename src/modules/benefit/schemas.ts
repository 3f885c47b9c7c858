import { Type, type Static, type TObject } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { BooleanFilter, MultipleFilter, Nullable, NullableDateTime, StringEnum, TaggedUnion, Timestamps, UUID } from '../../kit/schemas.js';
import type { BenefitType } from '../../db/schema/catalog.js';
import { Customer } from '../customer/schemas.js';

export const BENEFIT_TYPES = ['custom', 'ads', 'discord', 'github_repository', 'downloadables', 'license_keys'] as const satisfies readonly BenefitType[];

/** Polar's bounds on a benefit's description. */
const Description = Type.String({ minLength: 3, maxLength: 42, description: 'The description of the benefit. Will be displayed on products having this benefit.' });

const Expiration = Type.Object({ ttl: Type.Integer({ exclusiveMinimum: 0 }), timeframe: StringEnum(['year', 'month', 'day']) });
const Activation = Type.Object({ limit: Type.Integer({ exclusiveMinimum: 0, maximum: 50 }), enable_customer_admin: Type.Boolean() });
const Permission = StringEnum(['pull', 'triage', 'push', 'maintain', 'admin']);
const GitHubRepositoryInput = Type.Object({ repository_owner: Type.String({ minLength: 1 }), repository_name: Type.String({ minLength: 1 }), permission: Permission });
const DiscordInput = Type.Object({ guild_token: Type.String({ minLength: 1 }), role_id: Type.String({ minLength: 1 }) });
const AdsProperties = Type.Object({ image_height: Type.Optional(Type.Integer()), image_width: Type.Optional(Type.Integer()) });
const LicenseKeysInput = Type.Object({
  prefix: Type.Optional(Nullable(Type.String())),
  expires: Type.Optional(Nullable(Expiration)),
  activations: Type.Optional(Nullable(Activation)),
  limit_usage: Type.Optional(Nullable(Type.Integer({ exclusiveMinimum: 0 }))),
});
const DownloadablesInput = Type.Object({ archived: Type.Optional(Type.Record(Type.String({ format: 'uuid' }), Type.Boolean())), files: Type.Array(UUID, { minItems: 1 }) });
const CustomInput = Type.Object({ note: Type.Optional(Nullable(Type.String())) });

/** What each type accepts as properties on create and update. */
const INPUT_PROPERTIES: Record<BenefitType, TObject> = {
  custom: CustomInput,
  ads: AdsProperties,
  discord: DiscordInput,
  github_repository: GitHubRepositoryInput,
  downloadables: DownloadablesInput,
  license_keys: LicenseKeysInput,
};

/** What each type shows as properties. */
const READ_PROPERTIES: Record<BenefitType, TObject> = {
  custom: Type.Object({ note: Nullable(Type.String()) }),
  ads: Type.Object({ image_height: Type.Integer(), image_width: Type.Integer() }),
  discord: Type.Object({ guild_id: Type.String(), role_id: Type.String(), guild_token: Type.String() }),
  github_repository: Type.Object({ repository_owner: Type.String(), repository_name: Type.String(), permission: Permission, repository_id: Type.Optional(Nullable(UUID)) }),
  downloadables: Type.Object({ archived: Type.Record(Type.String(), Type.Boolean()), files: Type.Array(UUID) }),
  license_keys: Type.Object({ prefix: Nullable(Type.String()), expires: Nullable(Expiration), activations: Nullable(Activation), limit_usage: Nullable(Type.Integer()) }),
};

export const BenefitCreate = TaggedUnion(
  'type',
  BENEFIT_TYPES.map((type) =>
    Type.Object({ type: Type.Literal(type), description: Description, organization_id: Type.Optional(Nullable(UUID)), properties: INPUT_PROPERTIES[type] }),
  ),
);
export interface BenefitCreate {
  type: BenefitType;
  description: string;
  organization_id?: string | null;
  properties: Record<string, unknown>;
}

export const BenefitUpdate = TaggedUnion(
  'type',
  BENEFIT_TYPES.map((type) =>
    Type.Object({ type: Type.Literal(type), description: Type.Optional(Nullable(Description)), properties: Type.Optional(Nullable(INPUT_PROPERTIES[type])) }),
  ),
);
export interface BenefitUpdate {
  type: BenefitType;
  description?: string | null;
  properties?: Record<string, unknown> | null;
}

const benefitBase = {
  ...Timestamps,
  id: UUID,
  description: Type.String(),
  selectable: Type.Boolean(),
  deletable: Type.Boolean(),
  organization_id: UUID,
};

export const Benefit = Type.Union(
  BENEFIT_TYPES.map((type) =>
    Type.Object({
      ...benefitBase,
      type: Type.Literal(type),
      properties: READ_PROPERTIES[type],
      // Polar still shows this (deprecated) flag on custom benefits only.
      ...(type === 'custom' ? { is_tax_applicable: Type.Boolean() } : {}),
    }),
  ),
);
export type Benefit = Static<typeof Benefit>;

export const BenefitListQuery = Type.Object({
  organization_id: MultipleFilter(UUID),
  // The SDK's `typeFilter` goes out as `type`, Polar's name for it.
  type: MultipleFilter(StringEnum(BENEFIT_TYPES)),
  ...PaginationQuery,
});
export type BenefitListQuery = Static<typeof BenefitListQuery>;

export const ListResourceBenefit = ListResource(Benefit);

export const BenefitGrantListQuery = Type.Object({
  is_granted: BooleanFilter,
  customer_id: MultipleFilter(UUID),
  ...PaginationQuery,
});
export type BenefitGrantListQuery = Static<typeof BenefitGrantListQuery>;

export const BenefitGrant = Type.Object({
  ...Timestamps,
  id: UUID,
  granted_at: NullableDateTime,
  is_granted: Type.Boolean(),
  revoked_at: NullableDateTime,
  is_revoked: Type.Boolean(),
  subscription_id: Nullable(UUID),
  order_id: Nullable(UUID),
  customer_id: UUID,
  user_id: UUID,
  benefit_id: UUID,
  customer: Customer,
  properties: Type.Object({}, { additionalProperties: true }),
  /** Why the grant is not (yet) granted: a third party failed or is not configured. Floe's addition. */
  error: Nullable(Type.Object({ type: Type.String(), message: Type.String(), timestamp: Type.String() })),
});
export const ListResourceBenefitGrant = ListResource(BenefitGrant);
