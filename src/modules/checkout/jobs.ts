// The checkout's background work: the success of a confirmed checkout (a job, enqueued by the
// confirmation), and expiring open checkouts whose time has passed (a periodic sweep; any number
// of workers may sweep, each takes different rows).
import { transaction } from '../../kit/db.js';
import { periodicTask, registerJobHandler } from '../../kit/jobs.js';
import { expireCheckouts, handleSuccess, HANDLE_SUCCESS_JOB } from './confirm.js';

const EXPIRY_SWEEP_MS = 1000;

registerJobHandler(HANDLE_SUCCESS_JOB, async (context, payload) => {
  await transaction(context.db, (trx) => handleSuccess(trx, context.config, String(payload.checkoutId)));
});

export const checkoutExpiry = periodicTask('checkout expiry', EXPIRY_SWEEP_MS, expireCheckouts);
