// Signing in to the customer portal by e-mail: a customer asks for a code, receives it by e-mail,
// and exchanges it for a customer session token. The request answers the same whether or not the
// customer exists (no way to probe for customers); codes are stored as an HMAC, last 30 minutes,
// and work once. As Polar's: 6 characters of [A-Z0-9].
import { randomInt } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Authenticator } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Transaction } from '../../kit/db.js';
import { PolarError } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { sendEmail } from '../../kit/mail.js';
import { createCustomerSessionToken } from './token.js';

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_LENGTH = 6;
const CODE_TTL_MS = 30 * 60 * 1000;

export class CustomerSessionCodeInvalidOrExpired extends PolarError {
  constructor() {
    super(401, 'CustomerSessionCodeInvalidOrExpired', 'This customer session code is invalid or has expired.');
  }
}

function generateCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

/** Where an organization's customer portal pages are. */
export function portalUrl(config: Config, slug: string): string {
  return `${config.baseUrl}/${slug}/portal`;
}

export async function requestCode(trx: Transaction, authenticator: Authenticator, config: Config, input: { email: string; organization_id: string }): Promise<void> {
  const customer = await trx
    .selectFrom('customers')
    .innerJoin('organizations', 'organizations.id', 'customers.organization_id')
    .select(['customers.id', 'customers.email', 'organizations.name as organization_name', 'organizations.slug'])
    .where('customers.organization_id', '=', input.organization_id)
    .where((eb) => eb(eb.fn('lower', ['customers.email']), '=', input.email.toLowerCase()))
    .where('customers.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!customer) return;
  const code = generateCode();
  const now = clock.now();
  await trx
    .insertInto('customer_session_codes')
    .values({ id: newId(), created_at: now, customer_id: customer.id, code_hash: authenticator.hashToken(code), expires_at: new Date(now.getTime() + CODE_TTL_MS) })
    .execute();
  await sendEmail(trx, {
    organizationId: input.organization_id,
    to: customer.email,
    subject: `Your ${customer.organization_name} access code`,
    body: `Your code to sign in to ${customer.organization_name}'s customer portal is ${code}.\n\nIt is valid for 30 minutes: ${portalUrl(config, customer.slug)}\n`,
  });
}

/** The code's customer session token; the code is spent, and the customer's e-mail is verified. */
export async function authenticateCode(trx: Transaction, authenticator: Authenticator, code: string): Promise<{ token: string; customerId: string }> {
  const row = await trx
    .deleteFrom('customer_session_codes')
    .where('code_hash', '=', authenticator.hashToken(code.trim().toUpperCase()))
    .returning(['customer_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.expires_at <= clock.now()) throw new CustomerSessionCodeInvalidOrExpired();
  await trx.updateTable('customers').set({ email_verified: true, modified_at: clock.now() }).where('id', '=', row.customer_id).execute();
  const { token } = await createCustomerSessionToken(trx, authenticator, row.customer_id);
  return { token, customerId: row.customer_id };
}
