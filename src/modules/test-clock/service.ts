// The test clock (test mode only): an organization's time moves forward on request, never back,
// and everything that fell due meanwhile is carried out before the advance answers, in time
// order, each stamped with the instant it fell due: renewals, retries of failed charges and ends of
// canceled periods (subscription billing), and expiries of open checkouts. License keys expire by
// the organization's time when validated. The work is done in windows shorter than anything it
// schedules (a retry is a day or more away, a renewal a month): all that falls due in a window is
// done before the next window is looked at, so nothing later runs before something earlier.
import type { MerchantSubject } from '../../kit/auth.js';
import { addDuration, parseDuration } from '../../kit/calendar.js';
import { clock, lockOrganizationClock, organizationOffset, setOrganizationOffset } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import { transaction, type Queryable } from '../../kit/db.js';
import { ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { expireCheckouts } from '../checkout/confirm.js';
import { earliestCheckoutExpiry } from '../checkout/service.js';
import { billAllDue } from '../subscription/billing.js';
import { earliestBillingDue } from '../subscription/service.js';
import type { TestClockAdvance } from './schemas.js';

const WINDOW_MS = 86_400_000 - 1;
/** Billing drains run at once for an advance (a year of renewals of many subscriptions is a lot of work). */
const BILLING_DRAINS = 2;

export interface TestClock {
  organization_id: string;
  now: Date;
  offset_seconds: number;
}

function present(organizationId: string, offset: number): TestClock {
  return { organization_id: organizationId, now: new Date(clock.now().getTime() + offset), offset_seconds: offset / 1000 };
}

/** The organization a clock request is about: an organization token's own, or one the user names and belongs to. */
function organizationOf(subject: MerchantSubject, organizationId: string | null | undefined, location: 'query' | 'body'): string {
  if (subject.kind === 'organization') {
    if (organizationId && organizationId !== subject.organizationId) throw new ResourceNotFound();
    return subject.organizationId;
  }
  if (!organizationId) throw new ValidationError([location, 'organization_id'], 'organization_id is required.', null, 'missing');
  if (!subject.organizationIds.includes(organizationId)) throw new ResourceNotFound();
  return organizationId;
}

export async function getTestClock(db: Queryable, subject: MerchantSubject, organizationId: string | undefined): Promise<TestClock> {
  const id = organizationOf(subject, organizationId, 'query');
  return present(id, await organizationOffset(db, id));
}

/** The instant an advance moves to, from its input; never before the organization's time now. */
function targetOf(input: TestClockAdvance, now: Date): Date {
  const given = [input.advance_by, input.advance_to].filter((value) => value !== undefined && value !== null);
  if (given.length !== 1) throw new ValidationError(['body', 'advance_by'], 'Give either advance_by (an ISO 8601 duration) or advance_to (a date-time).', null);
  if (input.advance_by !== undefined) {
    const duration = parseDuration(input.advance_by);
    if (!duration) throw new ValidationError(['body', 'advance_by'], 'advance_by must be an ISO 8601 duration such as P1M, P7D or PT12H.', input.advance_by);
    return addDuration(now, duration);
  }
  const target = new Date(input.advance_to ?? '');
  if (Number.isNaN(target.getTime())) throw new ValidationError(['body', 'advance_to'], 'advance_to must be a date-time.', input.advance_to);
  if (target < now) throw new ValidationError(['body', 'advance_to'], `A test clock moves forward only: the organization's time is already ${now.toISOString()}.`, input.advance_to);
  return target;
}

/**
 * Moves the organization's clock to its target and carries out what fell due up to it. One advance
 * of an organization at a time (its clock row stays locked until the new time is written); the
 * clock moves only once all of the work is done, so an advance cut short moves nothing.
 */
export async function advanceTestClock(context: Context, subject: MerchantSubject, input: TestClockAdvance): Promise<TestClock> {
  const organizationId = organizationOf(subject, input.organization_id, 'body');
  return transaction(context.db, async (trx) => {
    const offset = await lockOrganizationClock(trx, organizationId);
    const target = targetOf(input, new Date(clock.now().getTime() + offset));
    await carryOutDueWork(context, organizationId, target);
    const newOffset = Math.max(offset, target.getTime() - clock.now().getTime());
    await setOrganizationOffset(trx, organizationId, newOffset);
    return present(organizationId, newOffset);
  });
}

async function carryOutDueWork(context: Context, organizationId: string, target: Date): Promise<void> {
  for (;;) {
    const [billing, expiry] = await Promise.all([earliestBillingDue(context.db, organizationId, target), earliestCheckoutExpiry(context.db, organizationId, target)]);
    const next = [billing, expiry].filter((date) => date !== undefined).sort((a, b) => a.getTime() - b.getTime())[0];
    if (!next) return;
    const until = new Date(Math.min(target.getTime(), next.getTime() + WINDOW_MS));
    if (expiry && expiry <= until) while ((await expireCheckouts(context, { organizationId, until })) > 0);
    // A window's billing on several connections at once: SKIP LOCKED gives each drain its own batches.
    if (billing && billing <= until) await Promise.all(Array.from({ length: BILLING_DRAINS }, () => billAllDue(context, { organizationId, until })));
  }
}
