import { Type } from '@sinclair/typebox';
import { DateTime, UUID } from '../../kit/schemas.js';

/** The signed-in user, as Polar's private `GET /v1/users/me` answers it. */
export const UserRead = Type.Object({
  created_at: DateTime,
  modified_at: Type.Union([DateTime, Type.Null()]),
  id: UUID,
  email: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  account_id: Type.Union([UUID, Type.Null()]),
  accepted_terms_of_service: Type.Boolean(),
  oauth_accounts: Type.Array(Type.Object({})),
});
