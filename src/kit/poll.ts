// The loops that claim work from tables (jobs, events to dispatch, webhook deliveries): each runs a
// step; when the step found nothing it sleeps, longer while there is nothing (up to a ceiling), so
// an idle process costs the database a few queries a second. A commit that gives a loop work raises
// its signal (see `afterCommit`), which ends the sleep at once in this process; other processes
// find the work at their next poll.
import type { Context } from './context.js';
import type { RunningTask } from './module.js';

export class Signal {
  private readonly waiters = new Set<() => void>();

  raise(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves when the signal is raised or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

const MIN_IDLE_MS = 20;
const MAX_IDLE_MS = 100;
const FAILURE_PAUSE_MS = 500;

/**
 * Runs `step` (which answers how much it did) until stopped, sleeping on `signal` when idle. With
 * `gatherMs`, a step that found work is followed by that pause before the next: under a stream of
 * small commits each step then takes a batch rather than one or two rows (fewer statements per
 * row), at the cost of that much latency while busy.
 */
export function pollLoop(name: string, context: Context, signal: Signal, step: () => Promise<number>, options: { gatherMs?: number } = {}): RunningTask {
  let stopped = false;
  const stopping = new Signal();
  const running = (async () => {
    let idleMs = MIN_IDLE_MS;
    while (!stopped) {
      let done = 0;
      try {
        done = await step();
      } catch (error) {
        // The database is away (a restart, a failover): try again shortly.
        context.log.warn({ err: error }, `${name} failed; retrying`);
        await stopping.wait(FAILURE_PAUSE_MS);
        continue;
      }
      if (done > 0 || stopped) {
        idleMs = MIN_IDLE_MS;
        if (done > 0 && options.gatherMs && !stopped) await stopping.wait(options.gatherMs);
        continue;
      }
      await Promise.race([signal.wait(idleMs), stopping.wait(idleMs)]);
      idleMs = Math.min(MAX_IDLE_MS, idleMs * 2);
    }
  })();
  return {
    async stop() {
      stopped = true;
      stopping.raise();
      await running;
    },
  };
}
