// Background work: the job queue's runner. `floe serve` runs it in-process; `floe worker` runs only it.
import type { Context } from './kit/context.js';

export interface RunningWorker {
  stop(): Promise<void>;
}

export function startWorker(_context: Context): RunningWorker {
  return { stop: async () => {} };
}
