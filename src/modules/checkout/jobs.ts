// The checkout's background work: the success of a confirmed checkout (a job, enqueued by the
// confirmation), and expiring open checkouts whose time has passed (a periodic sweep; any number
// of workers may sweep, each takes different rows).
import { transaction } from '../../kit/db.js';
import { registerJobHandler } from '../../kit/jobs.js';
import type { BackgroundTask } from '../../worker.js';
import { expireCheckouts, handleSuccess, HANDLE_SUCCESS_JOB } from './confirm.js';

const EXPIRY_SWEEP_MS = 1000;

registerJobHandler(HANDLE_SUCCESS_JOB, async (context, payload) => {
  await transaction(context.db, (trx) => handleSuccess(trx, context.config, String(payload.checkoutId)));
});

export const checkoutExpiry: BackgroundTask = {
  name: 'checkout expiry',
  start(context) {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const sweep = () => {
      running = expireCheckouts(context)
        .catch((error: unknown) => context.log.warn({ err: error }, 'checkout expiry failed'))
        .finally(() => {
          if (!stopped) timer = setTimeout(sweep, EXPIRY_SWEEP_MS);
        });
    };
    sweep();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  },
};
