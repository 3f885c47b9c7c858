// The checkout's background work: the success of a confirmed checkout, then its order's benefits
// (one job, enqueued by the confirmation; a retry does not make the order again, and granting is
// idempotent), and expiring open checkouts whose time has passed (a periodic sweep; any number of
// workers may sweep, each takes different rows).
import { transaction } from '../../kit/db.js';
import { periodicTask, type JobHandler } from '../../kit/jobs.js';
import { evaluateOrder } from '../benefit/grants.js';
import { expireCheckouts, handleSuccess, HANDLE_SUCCESS_JOB } from './confirm.js';

const EXPIRY_SWEEP_MS = 1000;

export const checkoutJobs: Record<string, JobHandler> = {
  async [HANDLE_SUCCESS_JOB](context, payload) {
    const orderId = await transaction(context.db, (trx) => handleSuccess(trx, context.config, String(payload.checkoutId)));
    if (orderId) await evaluateOrder(context, orderId);
  },
};

export const checkoutExpiry = periodicTask('checkout expiry', EXPIRY_SWEEP_MS, expireCheckouts);
