// Background work: the job runner with every module's job handlers, and every module's background
// tasks (src/modules.ts). `floe serve` runs it in-process; `floe worker` runs only it; any number of
// worker processes may run against the same database (each task claims work with row locks).
import type { Context } from './kit/context.js';
import { jobRunner } from './kit/jobs.js';
import { jobHandlersOf, type FloeModule, type RunningTask } from './kit/module.js';
import { MODULES } from './modules.js';

export type RunningWorker = RunningTask;

/** Starts the tasks of `modules` (all of Floe's unless told; a test may add its own). */
export function startWorker(context: Context, modules: readonly FloeModule[] = MODULES): RunningWorker {
  const tasks = [jobRunner(jobHandlersOf(modules)), ...modules.flatMap((module) => module.tasks ?? [])];
  const running = tasks.map((task) => task.start(context));
  return {
    async stop() {
      await Promise.all(running.map((task) => task.stop()));
    },
  };
}
