import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { DateTime, MultipleFilter, Nullable, NullableDateTime, StringEnum, Timestamps, UUID } from '../../kit/schemas.js';
import { Customer } from '../customer/schemas.js';

export const LICENSE_KEY_STATUSES = ['granted', 'revoked', 'disabled'] as const;

/** Free-form JSON a client stores on an activation (conditions, meta). */
const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** The customer as Polar's deprecated `user` of a license key shows it. */
const LicenseKeyUser = Type.Object({ id: UUID, email: Type.String(), public_name: Type.String(), avatar_url: Nullable(Type.String()) });

export const LicenseKeyRead = Type.Object({
  id: UUID,
  organization_id: UUID,
  user_id: UUID,
  customer_id: UUID,
  user: LicenseKeyUser,
  customer: Customer,
  benefit_id: UUID,
  key: Type.String(),
  display_key: Type.String(),
  status: StringEnum(LICENSE_KEY_STATUSES),
  limit_activations: Nullable(Type.Integer()),
  usage: Type.Integer(),
  limit_usage: Nullable(Type.Integer()),
  validations: Type.Integer(),
  last_validated_at: NullableDateTime,
  expires_at: NullableDateTime,
});
export type LicenseKeyRead = Static<typeof LicenseKeyRead>;

export const LicenseKeyActivationBase = Type.Object({
  id: UUID,
  license_key_id: UUID,
  label: Type.String(),
  meta: JsonObject,
  ...Timestamps,
});

export const LicenseKeyWithActivations = Type.Object({ ...LicenseKeyRead.properties, activations: Type.Array(LicenseKeyActivationBase) });
export const ValidatedLicenseKey = Type.Object({ ...LicenseKeyRead.properties, activation: Type.Optional(Nullable(LicenseKeyActivationBase)) });
export const LicenseKeyActivationRead = Type.Object({ ...LicenseKeyActivationBase.properties, license_key: LicenseKeyRead });
export const ListResourceLicenseKeyRead = ListResource(LicenseKeyRead);

export const LicenseKeyListQuery = Type.Object({
  ...PaginationQuery,
  organization_id: MultipleFilter(UUID),
  benefit_id: MultipleFilter(UUID),
});
export type LicenseKeyListQuery = Static<typeof LicenseKeyListQuery>;

export const CustomerLicenseKeyListQuery = Type.Object({
  ...PaginationQuery,
  organization_id: MultipleFilter(UUID),
  benefit_id: Type.Optional(UUID),
});
export type CustomerLicenseKeyListQuery = Static<typeof CustomerLicenseKeyListQuery>;

export const LicenseKeyUpdate = Type.Object({
  status: Type.Optional(Nullable(StringEnum(LICENSE_KEY_STATUSES))),
  usage: Type.Optional(Type.Integer()),
  limit_activations: Type.Optional(Nullable(Type.Integer({ exclusiveMinimum: 0, maximum: 50 }))),
  limit_usage: Type.Optional(Nullable(Type.Integer({ exclusiveMinimum: 0 }))),
  expires_at: Type.Optional(Nullable(DateTime)),
});
export type LicenseKeyUpdate = Static<typeof LicenseKeyUpdate>;

export const ActivationParams = Type.Object({ id: UUID, activation_id: UUID });

export const LicenseKeyValidate = Type.Object({
  key: Type.String(),
  organization_id: UUID,
  activation_id: Type.Optional(Nullable(UUID)),
  benefit_id: Type.Optional(Nullable(UUID)),
  customer_id: Type.Optional(Nullable(UUID)),
  // Bounded so that a key's usage (a bigint) cannot be overflowed in a few calls.
  increment_usage: Type.Optional(Nullable(Type.Integer({ minimum: -2147483648, maximum: 2147483647 }))),
  conditions: Type.Optional(JsonObject),
});
export type LicenseKeyValidate = Static<typeof LicenseKeyValidate>;

export const LicenseKeyActivate = Type.Object({
  key: Type.String(),
  organization_id: UUID,
  label: Type.String(),
  conditions: Type.Optional(JsonObject),
  meta: Type.Optional(JsonObject),
});
export type LicenseKeyActivate = Static<typeof LicenseKeyActivate>;

export const LicenseKeyDeactivate = Type.Object({ key: Type.String(), organization_id: UUID, activation_id: UUID });
export type LicenseKeyDeactivate = Static<typeof LicenseKeyDeactivate>;
