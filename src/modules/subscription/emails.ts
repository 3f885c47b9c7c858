// The e-mails a subscription's customer gets, as Polar's: a confirmation when it starts, a notice
// of each renewal, of a failed payment (with the portal, where the card is replaced), of a
// cancellation. Written in the transaction of the change, sent by a job.
import type { Config } from '../../config.js';
import type { CustomerRow } from '../../db/schema/commerce.js';
import type { Transaction } from '../../kit/db.js';
import { sendEmail } from '../../kit/mail.js';
import { portalUrl } from '../customer-session/code.js';

export interface EmailSubject {
  organization: { id: string; name: string; slug: string };
  customer: Pick<CustomerRow, 'email'>;
  productName: string;
}

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
const day = (date: Date) => date.toISOString().slice(0, 10);

function send(trx: Transaction, { organization, customer }: EmailSubject, subject: string, body: string, at: Date) {
  return sendEmail(trx, { organizationId: organization.id, to: customer.email, subject, body }, at);
}

export function sendConfirmation(trx: Transaction, config: Config, to: EmailSubject, periodEnd: Date, at: Date) {
  return send(trx, to, `Your ${to.organization.name} subscription to ${to.productName} is active`,
    `Thank you for subscribing to ${to.productName}. Your subscription renews on ${day(periodEnd)}.\n\nManage it in the customer portal: ${portalUrl(config, to.organization.slug)}\n`, at);
}

export function sendRenewal(trx: Transaction, config: Config, to: EmailSubject, amount: number, currency: string, periodEnd: Date, at: Date) {
  return send(trx, to, `Your ${to.organization.name} subscription to ${to.productName} has renewed`,
    `We charged ${money(amount, currency)} for ${to.productName}. Your next renewal is on ${day(periodEnd)}.\n\nYour orders and invoices are in the customer portal: ${portalUrl(config, to.organization.slug)}\n`, at);
}

export function sendPaymentFailed(trx: Transaction, config: Config, to: EmailSubject, amount: number, currency: string, retryAt: Date | null, at: Date) {
  const next = retryAt ? `We will try again on ${day(retryAt)}.` : 'This was the last attempt: the subscription has ended.';
  return send(trx, to, `Payment for your ${to.organization.name} subscription failed`,
    `We could not charge ${money(amount, currency)} for ${to.productName}. ${next}\n\nReplace your card in the customer portal: ${portalUrl(config, to.organization.slug)}\n`, at);
}

export function sendCancellation(trx: Transaction, config: Config, to: EmailSubject, endsAt: Date, at: Date) {
  return send(trx, to, `Your ${to.organization.name} subscription to ${to.productName} has been canceled`,
    `Your subscription to ${to.productName} is canceled and ends on ${day(endsAt)}; until then you keep its benefits.\n\nChanged your mind? Resume it in the customer portal: ${portalUrl(config, to.organization.slug)}\n`, at);
}
