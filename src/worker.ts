// Background work. `floe serve` runs it in-process; `floe worker` runs only it; any number of worker
// processes may run against the same database (each task claims work with row locks).
import type { Context } from './kit/context.js';
import { jobRunner } from './kit/jobs.js';
// Modules whose jobs are registered as they load (the job runner runs them).
import './kit/mail.js';
import './modules/benefit/jobs.js';
import { checkoutExpiry } from './modules/checkout/jobs.js';
import { metricsCompaction } from './modules/metrics/jobs.js';
import { githubRefresh } from './modules/external-organization/jobs.js';
import { subscriptionBilling } from './modules/subscription/jobs.js';
import { webhookDelivery } from './modules/webhook/delivery.js';

export interface RunningWorker {
  stop(): Promise<void>;
}

/** A long-running background task (a queue runner, a dispatcher, a scheduler). */
export interface BackgroundTask {
  name: string;
  start(context: Context): RunningWorker;
}

/** Every background task Floe runs; modules add theirs here. */
const TASKS: BackgroundTask[] = [jobRunner, webhookDelivery, checkoutExpiry, subscriptionBilling, githubRefresh, metricsCompaction];

export function startWorker(context: Context): RunningWorker {
  const running = TASKS.map((task) => task.start(context));
  return {
    async stop() {
      await Promise.all(running.map((task) => task.stop()));
    },
  };
}
