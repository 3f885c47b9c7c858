// Subscriptions canceled at period end end when the period does: a sweep finds them.
import { periodicTask } from '../../kit/jobs.js';
import { endDueSubscriptions } from './service.js';

const END_SWEEP_MS = 1000;

export const subscriptionEnd = periodicTask('subscription end', END_SWEEP_MS, endDueSubscriptions);
