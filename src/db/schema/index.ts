// Every table Floe has, as Kysely sees it. One file per aggregate; add a module's tables here.
import type { AccessTokensTable } from './access-token.js';
import type { EventsTable } from './event.js';
import type { OrganizationsTable, UserOrganizationsTable, UsersTable } from './organization.js';

export interface Tables {
  users: UsersTable;
  organizations: OrganizationsTable;
  user_organizations: UserOrganizationsTable;
  access_tokens: AccessTokensTable;
  events: EventsTable;
}
