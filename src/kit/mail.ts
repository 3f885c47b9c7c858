// E-mail: written in the transaction of what causes it (a row in `emails` and a job), sent by the
// job. With FLOE_SMTP_URL the job delivers it over SMTP (retried like any job); without it, the
// e-mail goes to the log and stays in the development outbox page (/outbox), so a newcomer can
// sign in to the customer portal with no mail server at all.
import nodemailer, { type Transporter } from 'nodemailer';
import { clock } from './clock.js';
import type { Context } from './context.js';
import { insertBeforeCommit, type Transaction } from './db.js';
import { newId } from './ids.js';
import { enqueueJob, type JobHandler } from './jobs.js';

const SEND_EMAIL_JOB = 'email.send';

export interface Email {
  organizationId: string | null;
  to: string;
  subject: string;
  body: string;
}

/** `at`: when it was written, if not now (billing at an instant of an organization's test clock); it is sent now. */
export async function sendEmail(trx: Transaction, email: Email, at: Date = clock.now()): Promise<void> {
  const id = newId();
  // Nothing in the transaction reads it back: written with its job and the other outbox rows.
  insertBeforeCommit(trx, 'emails', [{ id, created_at: at, organization_id: email.organizationId, to_address: email.to, subject: email.subject, body: email.body }]);
  await enqueueJob(trx, SEND_EMAIL_JOB, { emailId: id });
}

/** One SMTP transport per URL, kept for the life of the process (it pools connections). */
const transports = new Map<string, Transporter>();

function transportFor(url: string): Transporter {
  let transport = transports.get(url);
  if (!transport) {
    transport = nodemailer.createTransport(url);
    transports.set(url, transport);
  }
  return transport;
}

async function deliver(context: Context, emailId: string): Promise<void> {
  const email = await context.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirst();
  if (!email || email.sent_at) return;
  const { smtpUrl, emailFrom } = context.config;
  if (!smtpUrl) {
    context.log.info({ to: email.to_address, subject: email.subject }, `e-mail (no FLOE_SMTP_URL; see /outbox):\n${email.body}`);
    return;
  }
  await transportFor(smtpUrl).sendMail({ from: emailFrom, to: email.to_address, subject: email.subject, text: email.body });
  await context.db.updateTable('emails').set({ sent_at: clock.now() }).where('id', '=', email.id).execute();
}

/** Sending is a job of its own (retried like any): every module's e-mails go through it. */
export const mailJobs: Record<string, JobHandler> = {
  [SEND_EMAIL_JOB]: (context, payload) => deliver(context, String(payload.emailId)),
};
