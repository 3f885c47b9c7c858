// Subscriptions' billing work falls due at their `due_at` (renewals, retries, the end of a canceled
// period): a sweep finds it, by the real time and by every test clock ahead of it.
import { advancedClocks, clock } from '../../kit/clock.js';
import { periodicTask } from '../../kit/jobs.js';
import { billDue } from './billing.js';

const BILLING_SWEEP_MS = 1000;

export const subscriptionBilling = periodicTask('subscription billing', BILLING_SWEEP_MS, async (context) =>
  billDue(context, clock.now(), context.config.testMode ? await advancedClocks(context.db) : []),
);
