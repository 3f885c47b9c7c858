import type { Generated, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from './organization.js';

type Metadata = Record<string, string | number | boolean>;

/** An address as the API spells it (country required, the rest optional). */
export interface Address {
  line1?: string | null;
  line2?: string | null;
  postal_code?: string | null;
  city?: string | null;
  state?: string | null;
  country: string;
}

export interface OAuthAccount {
  account_id: string;
  account_username: string | null;
  access_token?: string;
}

export interface CustomersTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  email: string;
  email_verified: Generated<boolean>;
  name: string | null;
  billing_address: Json<Address> | null;
  tax_id: Json<[string, string]> | null;
  metadata: Json<Metadata>;
  /** Linked OAuth accounts keyed "{platform}:{account_id}". */
  oauth_accounts: Json<Record<string, OAuthAccount>>;
}
export type CustomerRow = Selectable<CustomersTable>;

export interface CustomerSessionsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  token_hash: string;
  customer_id: string;
  expires_at: Timestamp;
}
export type CustomerSessionRow = Selectable<CustomerSessionsTable>;

export type CheckoutStatus = 'open' | 'expired' | 'confirmed' | 'succeeded' | 'failed';

export interface CheckoutsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  organization_id: string;
  status: Generated<CheckoutStatus>;
  client_secret: string;
  expires_at: Timestamp;
  product_id: string;
  product_price_id: string;
  discount_id: string | null;
  checkout_link_id: string | null;
  customer_id: string | null;
  subscription_id: string | null;
  amount: number | null;
  tax_amount: number | null;
  currency: string | null;
  allow_discount_codes: Generated<boolean>;
  customer_name: string | null;
  customer_email: string | null;
  customer_ip_address: string | null;
  customer_billing_address: Json<Address> | null;
  customer_tax_id: string | null;
  custom_field_data: Json<Record<string, unknown>>;
  metadata: Json<Metadata>;
  customer_metadata: Json<Metadata>;
  success_url: string | null;
  embed_origin: string | null;
  payment_processor: Generated<string>;
  payment_processor_metadata: Json<Record<string, unknown>>;
}
export type CheckoutRow = Selectable<CheckoutsTable>;

export type SubscriptionStatus = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid';

export interface SubscriptionsTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  organization_id: string;
  customer_id: string;
  product_id: string;
  price_id: string;
  discount_id: string | null;
  checkout_id: string | null;
  amount: number | null;
  currency: string | null;
  recurring_interval: 'month' | 'year';
  status: SubscriptionStatus;
  current_period_start: Timestamp;
  current_period_end: NullableTimestamp;
  cancel_at_period_end: Generated<boolean>;
  canceled_at: NullableTimestamp;
  started_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  customer_cancellation_reason: string | null;
  customer_cancellation_comment: string | null;
  custom_field_data: Json<Record<string, unknown>>;
  metadata: Json<Metadata>;
  payment_method_id: string | null;
  /** When the subscription next needs billing work (renewal, end, a retry); null once ended. */
  due_at: NullableTimestamp;
  billing_cycle_anchor: Timestamp;
  payment_attempts: Generated<number>;
  proration_amount: Generated<number>;
}
export type SubscriptionRow = Selectable<SubscriptionsTable>;

export type BillingReason = 'purchase' | 'subscription_create' | 'subscription_cycle' | 'subscription_update';

export interface OrdersTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  organization_id: string;
  customer_id: string;
  product_id: string;
  product_price_id: string;
  discount_id: string | null;
  subscription_id: string | null;
  checkout_id: string | null;
  amount: number;
  tax_amount: Generated<number>;
  currency: string;
  billing_reason: BillingReason;
  billing_address: Json<Address> | null;
  custom_field_data: Json<Record<string, unknown>>;
  metadata: Json<Metadata>;
  /** For a subscription's order, the start of the period it pays for (one order per period). */
  subscription_period_start: NullableTimestamp;
}
export type OrderRow = Selectable<OrdersTable>;

export interface DiscountRedemptionsTable {
  id: string;
  created_at: Timestamp;
  discount_id: string;
  checkout_id: string | null;
}

export interface JobsTable {
  id: Generated<number>;
  created_at: Generated<Date>;
  name: string;
  payload: Json<Record<string, unknown>>;
  run_at: Generated<Date>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_until: NullableTimestamp;
  last_error: string | null;
  done_at: NullableTimestamp;
  failed_at: NullableTimestamp;
}
export type JobRow = Selectable<JobsTable>;

export interface CheckoutLinksTable {
  id: string;
  created_at: Timestamp;
  modified_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  organization_id: string;
  client_secret: string;
  product_id: string;
  product_price_id: string | null;
  discount_id: string | null;
  label: string | null;
  allow_discount_codes: Generated<boolean>;
  success_url: string | null;
  payment_processor: Generated<string>;
  metadata: Json<Metadata>;
}
export type CheckoutLinkRow = Selectable<CheckoutLinksTable>;

export interface CustomerSessionCodesTable {
  id: string;
  created_at: Timestamp;
  customer_id: string;
  code_hash: string;
  expires_at: Timestamp;
}

export interface EmailsTable {
  id: string;
  created_at: Timestamp;
  organization_id: string | null;
  to_address: string;
  subject: string;
  body: string;
  sent_at: NullableTimestamp;
}

export interface PaymentMethodsTable {
  id: string;
  created_at: Timestamp;
  organization_id: string;
  customer_id: string;
  /** The processor's id of the saved card (Stripe's pm_…). */
  processor_id: string;
  brand: string;
  last4: string;
}
export type PaymentMethodRow = Selectable<PaymentMethodsTable>;

export interface TestClocksTable {
  organization_id: string;
  offset_ms: number;
  modified_at: Timestamp;
}
