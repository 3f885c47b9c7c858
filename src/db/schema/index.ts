// Every table Floe has, as Kysely sees it. One file per aggregate; add a module's tables here.
import type { AccessTokensTable, LoginCodesTable, UserSessionsTable } from './access-token.js';
import type {
  BenefitGrantsTable,
  BenefitsTable,
  CatalogVersionsTable,
  CustomFieldsTable,
  DiscountProductsTable,
  DiscountsTable,
  FilesTable,
  ProductBenefitsTable,
  ProductCustomFieldsTable,
  ProductMediasTable,
  ProductPricesTable,
  ProductsTable,
} from './catalog.js';
import type {
  CheckoutLinksTable,
  CheckoutsTable,
  CustomerSessionCodesTable,
  CustomerSessionsTable,
  CustomersTable,
  DiscountRedemptionsTable,
  EmailsTable,
  JobsTable,
  OrdersTable,
  PaymentMethodsTable,
  SubscriptionsTable,
  TestClocksTable,
} from './commerce.js';
import type { AdvertisementCampaignsTable, DownloadablesTable, LicenseKeyActivationsTable, LicenseKeysTable } from './delivery.js';
import type { EventsTable } from './event.js';
import type { MetricOrderDaysTable, MetricSubscriptionDaysTable } from './metrics.js';
import type { ExternalOrganizationsTable, RepositoriesTable } from './external-organization.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable, WebhookEventsTable } from './webhook.js';
import type { OrganizationsTable, UserOrganizationsTable, UsersTable } from './organization.js';
import type { OAuth2AuthorizationCodesTable, OAuth2ClientsTable, OAuth2GrantsTable, OAuth2SigningKeysTable, OAuth2TokensTable } from './oauth2.js';

export interface Tables {
  users: UsersTable;
  organizations: OrganizationsTable;
  user_organizations: UserOrganizationsTable;
  access_tokens: AccessTokensTable;
  user_sessions: UserSessionsTable;
  login_codes: LoginCodesTable;
  events: EventsTable;
  files: FilesTable;
  custom_fields: CustomFieldsTable;
  benefits: BenefitsTable;
  products: ProductsTable;
  product_prices: ProductPricesTable;
  product_benefits: ProductBenefitsTable;
  product_medias: ProductMediasTable;
  product_custom_fields: ProductCustomFieldsTable;
  discounts: DiscountsTable;
  discount_products: DiscountProductsTable;
  catalog_versions: CatalogVersionsTable;
  customers: CustomersTable;
  customer_sessions: CustomerSessionsTable;
  checkouts: CheckoutsTable;
  subscriptions: SubscriptionsTable;
  orders: OrdersTable;
  discount_redemptions: DiscountRedemptionsTable;
  jobs: JobsTable;
  checkout_links: CheckoutLinksTable;
  benefit_grants: BenefitGrantsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  license_keys: LicenseKeysTable;
  license_key_activations: LicenseKeyActivationsTable;
  downloadables: DownloadablesTable;
  advertisement_campaigns: AdvertisementCampaignsTable;
  customer_session_codes: CustomerSessionCodesTable;
  emails: EmailsTable;
  payment_methods: PaymentMethodsTable;
  test_clocks: TestClocksTable;
  metric_order_days: MetricOrderDaysTable;
  metric_subscription_days: MetricSubscriptionDaysTable;
  external_organizations: ExternalOrganizationsTable;
  repositories: RepositoriesTable;
  oauth2_clients: OAuth2ClientsTable;
  oauth2_authorization_codes: OAuth2AuthorizationCodesTable;
  oauth2_tokens: OAuth2TokensTable;
  oauth2_grants: OAuth2GrantsTable;
  oauth2_signing_keys: OAuth2SigningKeysTable;
}
