// The job queue: every side effect of a change (a payment's success, benefit grants, emails,
// expiries) is a row in `jobs`, inserted in the transaction of the change, so it happens exactly
// when the change commits and is never lost. Workers claim due jobs with SKIP LOCKED and a short
// lease, renewed while the job runs: a worker that dies mid-job stops renewing, its lease runs out
// within seconds, and the job runs again elsewhere. Handlers must therefore be idempotent.
// Failures are retried with exponential backoff, up to max_attempts.
import { sql } from 'kysely';
import { clock } from './clock.js';
import type { Context } from './context.js';
import { afterCommit, insertBeforeCommit, type Queryable, type Transaction } from './db.js';
import type { BackgroundTask } from './module.js';
import { pollLoop, Signal } from './poll.js';

export type JobPayload = Record<string, unknown>;
export type JobHandler = (context: Context, payload: JobPayload) => Promise<void>;

/** How long a claimed job is reserved for its worker before another may take it... */
const LEASE_MS = 10_000;
/** ...unless the worker, still running it, renews the lease this often. */
const LEASE_RENEWAL_MS = 3_000;
/** Raised when a transaction that enqueued jobs commits. */
const jobsEnqueued = new Signal();
const BATCH = 20;
/** While jobs keep coming, how long the runner lets them gather between batches (a purchase waits on it). */
const JOB_GATHER_MS = 5;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 3_600_000;

export async function enqueueJob(
  trx: Transaction,
  name: string,
  payload: JobPayload,
  options: { runAt?: Date; maxAttempts?: number } = {},
): Promise<void> {
  // Written with the transaction's other outbox rows, just before it commits.
  insertBeforeCommit(trx, 'jobs', [{ name, payload: JSON.stringify(payload), run_at: options.runAt ?? clock.now(), max_attempts: options.maxAttempts ?? 10, created_at: clock.now() }]);
  afterCommit(trx, () => jobsEnqueued.raise());
}

interface ClaimedJob {
  id: number;
  name: string;
  payload: JobPayload;
  attempts: number;
  max_attempts: number;
}

async function claimDueJobs(db: Queryable, limit: number): Promise<ClaimedJob[]> {
  const now = clock.now();
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const result = await sql<ClaimedJob>`
    UPDATE jobs SET locked_until = ${leaseUntil}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM jobs
      WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})
      ORDER BY run_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, name, payload, attempts, max_attempts`.execute(db);
  return result.rows;
}

function backoffMs(attempts: number): number {
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
  return exponential / 2 + Math.random() * (exponential / 2);
}

/** Runs a claimed job; answers whether it succeeded (a failure is recorded here, for a retry or for good). */
async function runJob(context: Context, handlers: ReadonlyMap<string, JobHandler>, job: ClaimedJob): Promise<boolean> {
  const handler = handlers.get(job.name);
  try {
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    await handler(context, job.payload);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const exhausted = job.attempts >= job.max_attempts;
    context.log.warn({ job: job.name, jobId: job.id, attempts: job.attempts, exhausted }, `job failed: ${message}`);
    await context.db
      .updateTable('jobs')
      .set(
        exhausted
          ? { failed_at: clock.now(), locked_until: null, last_error: message }
          : { run_at: new Date(clock.now().getTime() + backoffMs(job.attempts)), locked_until: null, last_error: message },
      )
      .where('id', '=', job.id)
      .execute();
    return false;
  }
}

/** Runs due jobs with their handlers until stopped, a batch at a time (see kit/poll.ts for the waiting). */
export const jobRunner = (handlers: ReadonlyMap<string, JobHandler>): BackgroundTask => ({
  name: 'jobs',
  start(context: Context) {
    return pollLoop('job runner', context, jobsEnqueued, async () => {
      const jobs = await claimDueJobs(context.db, BATCH);
      if (jobs.length === 0) return 0;
      const running = new Set(jobs.map((job) => job.id));
      const renewal = setInterval(() => {
        const ids = [...running];
        context.db
          .updateTable('jobs')
          .set({ locked_until: new Date(clock.now().getTime() + LEASE_MS) })
          .where('id', 'in', ids)
          .where('done_at', 'is', null)
          .execute()
          .catch((error: unknown) => context.log.warn({ err: error }, 'could not renew job leases'));
      }, LEASE_RENEWAL_MS);
      try {
        // A failed job leaves the lease at once (runJob set its retry); the done ones keep theirs
        // until they are marked done together, in one statement for the batch.
        const done = await Promise.all(
          jobs.map(async (job) => {
            const succeeded = await runJob(context, handlers, job);
            if (!succeeded) running.delete(job.id);
            return succeeded ? job.id : undefined;
          }),
        );
        const ids = done.filter((id) => id !== undefined);
        if (ids.length > 0) await context.db.updateTable('jobs').set({ done_at: clock.now(), locked_until: null, last_error: null }).where('id', 'in', ids).execute();
      } finally {
        clearInterval(renewal);
      }
      return jobs.length;
    }, { gatherMs: JOB_GATHER_MS });
  },
});

/**
 * A sweep run every `intervalMs` (expiring checkouts, ending subscriptions): any number of workers
 * may run it at once, so `sweep` must claim its rows with locks. A failure is logged and retried
 * at the next tick.
 */
export function periodicTask(name: string, intervalMs: number, sweep: (context: Context) => Promise<unknown>): BackgroundTask {
  return {
    name,
    start(context) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<unknown> = Promise.resolve();
      const tick = () => {
        running = sweep(context)
          .catch((error: unknown) => context.log.warn({ err: error }, `${name} failed`))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      tick();
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          await running;
        },
      };
    },
  };
}
